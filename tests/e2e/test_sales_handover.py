"""A branch head hands a departing RM's book to two successors; both then see their customers."""

import pytest

from crm.accounts import roles
from customers.records.models import Customer
from tests.conftest import logout, screenshot
from tests.factories import BranchFactory, CustomerFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_branch_head_hands_over_to_two_successors(page, login):
    branch = BranchFactory()
    team = TeamFactory(branch=branch)
    head = UserFactory(role=roles.BRANCH_HEAD, branch=branch, team=None, display_name="孙丽")
    departing = UserFactory(
        role=roles.RELATIONSHIP_MANAGER, branch=branch, team=team, display_name="离职经理"
    )
    first = UserFactory(
        role=roles.RELATIONSHIP_MANAGER, branch=branch, team=team, display_name="接任甲"
    )
    second = UserFactory(
        role=roles.RELATIONSHIP_MANAGER, branch=branch, team=team, display_name="接任乙"
    )
    names = ["交接客户一", "交接客户二", "交接客户三", "交接客户四"]
    customers = [
        CustomerFactory(owner=departing, name=name, number=f"E{i:07d}")
        for i, name in enumerate(names)
    ]

    login(head)
    page.goto(f"{page.base_url}/customers/sales/handovers/")
    page.click("#handover-new")
    page.select_option("select[name=departing]", str(departing.pk))
    page.select_option("select[name=default_successor]", str(first.pk))
    page.select_option("select[name=reason]", "leaving")
    page.fill("textarea[name=note]", "离职交接，请一周内完成首次回访")
    screenshot(page, "sales-handover-start")
    page.click("#handover-submit")
    page.wait_for_selector("#handover-items")
    assert page.locator("#handover-items tbody tr").count() == 4

    # The first two customers go to the second successor, with a handover note.
    page.check(f"input.item-check[value='{customers[0].pk}']")
    page.check(f"input.item-check[value='{customers[1].pk}']")
    page.select_option("select[name=successor]", str(second.pk))
    page.fill("textarea[name=note]", "重点客户，合同下月到期")
    page.click("#assign-submit")
    page.wait_for_selector("#successor-counts")
    assert "接任乙: 2" in page.locator("#successor-counts").inner_text()
    screenshot(page, "sales-handover-plan")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#handover-complete")
    page.wait_for_selector("#plan-summary")
    assert "4" in page.locator("#plan-summary").inner_text()
    screenshot(page, "sales-handover-done")
    departing.refresh_from_db()
    assert not departing.is_active
    assert Customer.objects.filter(owner=second).count() == 2

    for successor, expected in ((first, names[2:]), (second, names[:2])):
        logout(page)
        login(successor)
        page.goto(f"{page.base_url}/customers/")
        table = page.locator("#customer-table").inner_text()
        for name in expected:
            assert name in table
        for name in set(names) - set(expected):
            assert name not in table
        screenshot(page, f"sales-handover-book-{successor.username}")
