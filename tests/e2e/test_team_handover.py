"""Issue 9's journey: a branch head opens the team dashboard, drills into an RM, starts a handover
from the RM's page to two successors, and each successor then sees their customers."""

import io

import pytest
from django.conf import settings

from crm.accounts import roles
from crm.accounts.demo import seed_organisation
from customers.records.models import Customer
from tests.conftest import logout, screenshot
from tests.factories import CustomerFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_dashboard_drill_down_then_handover_to_two_successors(page, login):
    users = seed_organisation(io.StringIO())
    head, departing = users["head1"], users["rm2"]
    first = users["rm1"]
    second = UserFactory(
        role=roles.RELATIONSHIP_MANAGER,
        branch=departing.branch,
        team=departing.team,
        display_name="接任经理",
    )
    book = [CustomerFactory(owner=departing, name=f"移交客户{i}") for i in range(3)]

    login(head, password=settings.FIDUCIA["DEMO_PASSWORD"])
    page.click('[data-nav-group="management"]')
    page.click('[data-nav="team_dashboard"]')
    page.wait_for_selector("#kpi-table")
    page.click(f'tr[data-staff="{departing.pk}"] a.staff-link')
    page.wait_for_selector("#staff-title")
    assert departing.display_name in page.locator("#staff-title").inner_text()
    page.wait_for_selector("#start-handover")  # the customers app's panel on the RM's page
    assert "3" in page.locator("#handover-panel").inner_text()
    screenshot(page, "team-handover-staff-page")

    page.click("#start-handover")
    assert page.locator("select[name=departing]").input_value() == str(departing.pk)
    page.select_option("select[name=default_successor]", str(first.pk))
    page.select_option("select[name=reason]", "leaving")
    page.fill("textarea[name=note]", "调岗交接")
    page.click("#handover-submit")
    page.wait_for_selector("#handover-items")
    page.check("#check-all-items")  # select all, then none (fiducia.js: data-check-all)
    assert page.locator("input.item-check:checked").count() == len(book)
    page.uncheck("#check-all-items")
    assert page.locator("input.item-check:checked").count() == 0
    page.check(f"input.item-check[value='{book[0].pk}']")
    page.select_option("select[name=successor]", str(second.pk))
    page.fill("textarea[name=note]", "首次回访请带上产品到期清单")
    page.click("#assign-submit")
    page.wait_for_selector("#successor-counts")
    asked = []

    def answer(dialog):  # no the first time, yes the second
        asked.append(dialog.message)
        dialog.dismiss() if len(asked) == 1 else dialog.accept()

    page.on("dialog", answer)
    page.click("#handover-complete")
    assert asked == ["确定现在完成交接吗？"]
    assert page.locator("#handover-complete").is_visible()  # not submitted
    page.click("#handover-complete")
    page.wait_for_selector("#plan-summary")
    assert len(asked) == 2
    screenshot(page, "team-handover-done")

    assert set(
        Customer.objects.filter(pk__in=[c.pk for c in book]).values_list("owner", flat=True)
    ) == {
        first.pk,
        second.pk,
    }
    demo_password = settings.FIDUCIA["DEMO_PASSWORD"]
    for successor, password, expected in (
        (second, "pw-Fiducia-2026", [book[0]]),  # the factory's password
        (first, demo_password, book[1:]),
    ):
        logout(page)
        login(successor, password=password)
        page.goto(f"{page.base_url}/customers/")
        table = page.locator("#customer-table").inner_text()
        assert all(c.name in table for c in expected)
        assert not any(c.name in table for c in set(book) - set(expected))
