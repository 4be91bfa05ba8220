"""Keyboard only (issue 20): "/" focuses the top bar's search, the RM types, arrows down to the
customer, opens the 360 page with Enter and logs a contact — no mouse anywhere."""

import pytest

from crm.accounts import roles
from customers.contacts.models import Interaction
from tests.conftest import screenshot
from tests.factories import CustomerFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def focused(page, selector: str) -> bool:
    return page.evaluate(
        "s => document.activeElement && document.activeElement.matches(s)", selector
    )


def tab_to(page, selector: str, limit: int = 120) -> None:
    """Press Tab until `selector` has the focus (as a keyboard user would)."""
    for _ in range(limit):
        if focused(page, selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_search_open_the_360_page_and_log_a_contact_by_keyboard(page, login):
    rm = UserFactory(role=roles.RELATIONSHIP_MANAGER, display_name="周敏")
    customer = CustomerFactory(owner=rm, name="欧阳建华")
    CustomerFactory(owner=rm, name="欧阳明")
    other = CustomerFactory(name="欧阳建华")  # another RM's customer of the same name

    login(rm)
    page.locator("body").press("/")
    assert focused(page, "#global-search-q")
    page.keyboard.type("欧阳建")
    results = page.locator("#global-search-results")
    results.locator("[data-search-group=customers]").wait_for()
    text = results.inner_text()
    assert "欧阳建华" in text and customer.number in text and other.number not in text
    screenshot(page, "search-dropdown")

    # The customers group comes first and its first hit is the best match.
    page.keyboard.press("ArrowDown")
    href = page.evaluate("document.activeElement.getAttribute('href')")
    assert href == f"/customers/{customer.pk}/"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{page.base_url}/customers/{customer.pk}/")

    page.locator("#log-interaction").wait_for()
    tab_to(page, "#log-interaction")
    page.keyboard.press("Enter")
    page.wait_for_selector("#interaction-form select[name=channel]")
    tab_to(page, "#interaction-form select[name=channel]")
    page.keyboard.press("ArrowDown")  # visit → phone call
    assert page.input_value("#interaction-form select[name=channel]") == "phone"
    tab_to(page, "#interaction-form textarea[name=summary]")
    page.keyboard.type("电话沟通到期续作意向")
    tab_to(page, "#interaction-form #interaction-submit")
    page.keyboard.press("Enter")
    page.wait_for_selector("#timeline .timeline-item")
    assert "电话沟通到期续作意向" in page.locator("#timeline").inner_text()
    screenshot(page, "search-journey-logged")
    assert (
        Interaction.objects.get(customer=customer, summary="电话沟通到期续作意向").channel
        == "phone"
    )
