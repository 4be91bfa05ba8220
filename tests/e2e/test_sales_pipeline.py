"""An RM moves a prospect along the pipeline board with the htmx stage buttons."""

import pytest

from crm.accounts import roles
from customers.sales.models import Prospect
from tests.conftest import screenshot
from tests.customers.sales.factories import ProspectFactory
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_rm_moves_prospect_on_the_board(page, login):
    rm = UserFactory(role=roles.RELATIONSHIP_MANAGER, display_name="王芳")
    p = ProspectFactory(owner=rm, name="周建华", next_step="首次面谈")
    ProspectFactory(owner=rm, name="郑海燕", stage="onboarding")
    login(rm)
    page.goto(f"{page.base_url}/customers/sales/pipeline/")
    column = page.locator("[data-stage=prospect]")
    assert "周建华" in column.inner_text()
    screenshot(page, "sales-board")
    page.locator(f"#prospect-{p.pk} button[data-to=onboarding]").click()
    page.wait_for_selector(f"[data-stage=onboarding] #prospect-{p.pk}")
    assert "周建华" not in page.locator("[data-stage=prospect]").inner_text()
    assert page.locator("[data-stage=onboarding] .stage-count").inner_text() == "2"
    p.refresh_from_db()
    assert p.stage == "onboarding"
    screenshot(page, "sales-board-moved")
    # Losing a prospect needs a reason: the card links to the form on the prospect page.
    page.locator(f"#prospect-{p.pk} a[href$='#move-exited']").click()
    page.fill("#move-exited input[name=reason]", "已选择他行私行服务")
    page.click("#move-exited-submit")
    page.wait_for_selector("#prospect-stage")
    assert page.locator("#prospect-stage").inner_text() == "已流失"
    assert Prospect.objects.get(pk=p.pk).loss_reason == "已选择他行私行服务"
