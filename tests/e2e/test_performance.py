"""A branch head opens the team dashboard (charts drawn), sees the lapsed-training flag, drills
into an RM and sees their figures, monthly trend and training; an RM cannot open a colleague."""

import io

import pytest
from django.conf import settings

from crm.accounts.demo import seed_organisation
from crm.performance.demo import seed_performance
from customers.records.demo import seed_customers
from tests.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_branch_head_opens_the_team_dashboard_and_drills_into_an_rm(page, login):
    users = seed_organisation(io.StringIO())
    seed_customers(stdout=io.StringIO(), customers=24, users=users)
    seed_performance(stdout=io.StringIO(), customers=0, users=users)
    head, rm2 = users["head1"], users["rm2"]

    login(head, password=settings.FIDUCIA["DEMO_PASSWORD"])
    page.click('[data-nav-group="management"]')
    page.click('[data-nav="team_dashboard"]')
    page.wait_for_selector("#kpi-table")
    assert page.locator("#dashboard-title").inner_text().startswith("团队业绩")
    staff = page.locator("#kpi-table tbody tr")
    names = staff.all_inner_texts()
    for username in ("rm1", "rm2", "rm3"):
        assert any(users[username].display_name in n for n in names)
    assert not any(users["rm4"].display_name in n for n in names)  # another branch
    assert page.locator(f'tr[data-staff="{rm2.pk}"] .compliance-lapsed').is_visible()
    assert page.locator("tr.grand-total").is_visible()
    page.wait_for_selector('[data-chart="chart-new_customers"] canvas')
    screenshot(page, "performance-dashboard-zh")

    page.click(f'tr[data-staff="{rm2.pk}"] a.staff-link')
    page.wait_for_selector("#staff-title")
    assert rm2.display_name in page.locator("#staff-title").inner_text()
    assert page.locator("#staff-title .compliance-lapsed").is_visible()
    assert page.locator('#staff-figures [data-metric="new_customers"] .kpi-actual').inner_text()
    page.wait_for_selector('[data-chart="trend-aum_growth"] canvas')
    assert "反洗钱" in page.locator("#training-status").inner_text()
    screenshot(page, "performance-staff-zh")

    page.select_option(
        "#period-select", str(page.locator("#period-select option").nth(0).get_attribute("value"))
    )
    page.click("#period-submit")
    page.wait_for_selector("#staff-title")
    assert "period=" in page.url

    page.click("#back-to-dashboard")
    page.wait_for_selector("#kpi-table")


def test_rm_sees_only_their_own_figures(page, login):
    users = seed_organisation(io.StringIO())
    seed_performance(stdout=io.StringIO(), customers=0, users=users)
    rm1, rm2 = users["rm1"], users["rm2"]
    login(rm1, password=settings.FIDUCIA["DEMO_PASSWORD"])
    assert page.locator('[data-nav="team_dashboard"]').count() == 0
    page.goto(f"{page.base_url}/performance/")
    assert page.locator("#kpi-table tbody tr").count() == 1
    response = page.goto(f"{page.base_url}/performance/staff/{rm2.pk}/")
    assert response.status == 404
