"""Recently viewed pages in the user menu, and a long job announced by the bell, in a browser."""

import pytest

from crm.accounts import roles
from tests.conftest import screenshot
from tests.factories import CustomerFactory, InstitutionFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_user_menu_lists_what_was_opened(page, login):
    rm = UserFactory(role=roles.RELATIONSHIP_MANAGER, display_name="周敏")
    first = CustomerFactory(owner=rm, name="孙立")
    second = CustomerFactory(owner=rm, name="钱多多")
    login(rm)
    page.goto(f"{page.base_url}/customers/{first.pk}/")
    page.goto(f"{page.base_url}/customers/{second.pk}/")
    page.click("#user-menu")
    items = page.locator(".recent-item")
    items.first.wait_for()
    assert items.count() == 2 and "钱多多" in items.first.inner_text()
    screenshot(page, "recently-viewed-menu")
    items.nth(1).click()
    page.wait_for_url(f"{page.base_url}/customers/{first.pk}/")


def test_a_statement_run_reports_progress_and_rings_the_bell(page, login, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    lead = UserFactory(role=roles.TEAM_LEAD, display_name="李组长")
    InstitutionFactory.create_batch(2, owner=lead)
    login(lead)
    page.goto(f"{page.base_url}/customers/sales/statements/")
    page.select_option("#generate-form select[name=kind]", "monthly")
    page.fill("#generate-form input[name=period_start]", "2026-10-01")
    page.click("#generate-form button")
    page.wait_for_selector("#bell-count")
    assert page.locator("#bell-count").inner_text() == "1"
    page.goto(f"{page.base_url}/platform/notifications/")
    page.click("text=已完成：对账单生成")
    page.wait_for_selector(".job[data-state=done]")
    assert "100%" in page.locator(".job").inner_text()
    screenshot(page, "job-done")
    page.click(".job-result")
    page.wait_for_url(f"{page.base_url}/customers/sales/statements/")


def test_a_what_if_runs_in_the_background_and_rings_the_bell(page, login):
    from tests.tiering.factories import PolicyFactory
    from tiering.models import TierPolicy

    admin = UserFactory(role=roles.ADMINISTRATOR, display_name="管理员")
    draft = PolicyFactory(status=TierPolicy.Status.DRAFT)
    login(admin)
    page.goto(f"{page.base_url}/tiering/policies/{draft.pk}/what-if/")
    page.fill("#id_as_of", "2026-07-31")
    page.click("#whatif-form button")
    page.wait_for_selector("#bell-count")
    assert page.locator("#bell-count").inner_text() == "1"
    page.wait_for_selector("#whatif-job")
    screenshot(page, "what-if-job-link")
    page.click("#whatif-job a")
    page.wait_for_selector(".job[data-state=done]")
    assert "100%" in page.locator(".job").inner_text()
    screenshot(page, "what-if-job-done")
