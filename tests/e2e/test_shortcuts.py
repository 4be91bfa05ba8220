"""Keyboard shortcuts in a browser: `?` lists them, sequences run them, typing is left alone."""

import pytest

from crm.accounts import roles
from tests.conftest import screenshot
from tests.factories import CustomerFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_question_mark_lists_the_shortcuts_and_keys_run_them(page, login):
    rm = UserFactory(role=roles.RELATIONSHIP_MANAGER, display_name="周敏")
    customer = CustomerFactory(owner=rm, name="孙立")
    login(rm)
    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    page.wait_for_selector("#log-interaction")

    page.keyboard.press("?")
    dialog = page.locator("#shortcuts-help")
    dialog.wait_for(state="visible")
    text = dialog.inner_text()
    assert "键盘快捷键" in text and "前往客户列表" in text and "记录联系（客户页面）" in text
    screenshot(page, "shortcuts-help")
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")

    # "n c" on a 360 page opens the contact form of the panel.
    page.keyboard.press("n")
    page.keyboard.press("c")
    page.wait_for_selector("#interaction-form-slot form")

    # Typing in a field is typing: "g c" there goes nowhere.
    field = page.locator("#interaction-form-slot textarea, #interaction-form-slot input[type=text]")
    field.first.click()
    page.keyboard.type("gc")
    assert page.url.endswith(f"/customers/{customer.pk}/")

    page.locator("h1").click()
    page.keyboard.press("g")
    page.keyboard.press("c")
    page.wait_for_url(f"{page.base_url}/customers/")

    # Where a page has no contact panel, the dialog does not offer "n c".
    page.keyboard.press("?")
    dialog.wait_for(state="visible")
    assert dialog.locator('tr[data-shortcut="n c"]').is_hidden()
    assert dialog.locator('tr[data-shortcut="g h"]').is_visible()
