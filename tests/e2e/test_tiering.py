"""A team lead proposes a class override on the 360 page, the branch head approves it in the
approvals queue, the customer's class changes and the explain panel says why."""

import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from crm.accounts.demo import seed_organisation
from customers.records.models import Customer
from tests.conftest import logout, screenshot
from tests.factories import CustomerFactory, MonthlyAggregateFactory
from tiering import services
from tiering.models import TierOverride, TierPolicy

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_override_proposed_approved_and_explained(page, login):
    users = seed_organisation(io.StringIO())
    password = settings.FIDUCIA["DEMO_PASSWORD"]
    policy = TierPolicy.objects.create(version=1, name="默认策略", status="published")
    month = timezone.localdate().replace(day=1)
    big = CustomerFactory(owner=users["rm1"], name="张伟", aum=Decimal(3_000_000))
    small = CustomerFactory(owner=users["rm1"], name="王芳", aum=Decimal(300_000))
    MonthlyAggregateFactory(
        customer=big, month=month, net_interest_income=Decimal(9000), fee_income=Decimal(0)
    )
    MonthlyAggregateFactory(
        customer=small, month=month, net_interest_income=Decimal(100), fee_income=Decimal(0)
    )
    services.run_recalculate(timezone.localdate(), policy=policy)
    assert Customer.objects.get(pk=small.pk).tier == "C"

    login(users["lead1"], password=password)
    page.goto(f"{page.base_url}/customers/{small.pk}/")
    page.wait_for_selector("#tier-why")
    assert "C" in page.locator("#tier-current").inner_text()
    page.click("#override-form-box summary")
    page.select_option("#ov-tier", "A")
    until = timezone.localdate() + datetime.timedelta(days=90)
    page.fill("#ov-until", until.isoformat())
    page.fill("#ov-reason", "客户承诺下季度转入大额资产，申请临时上调")
    page.click("#override-submit")
    page.wait_for_selector("#override-proposed")
    screenshot(page, "tiering-override-proposed")
    assert TierOverride.objects.get().status == "pending"
    logout(page)

    login(users["head1"], password=password)
    page.goto(f"{page.base_url}/platform/approvals/")
    row = page.locator("#approvals-pending tr", has_text="王芳")
    row.locator("button[value=approve]").click()
    page.wait_for_selector(".alert-success")
    screenshot(page, "tiering-override-approved")

    page.goto(f"{page.base_url}/customers/{small.pk}/")
    page.wait_for_selector("#tier-why-override")
    assert "A" in page.locator("#tier-current").inner_text()
    why = page.locator("#tier-why-override").inner_text()
    assert "A" in why and users["head1"].display_name in why and "大额资产" in why
    screenshot(page, "tiering-explain-panel")
    assert Customer.objects.get(pk=small.pk).tier == "A"

    page.goto(f"{page.base_url}/tiering/")
    page.wait_for_selector("[data-chart=chart-distribution] canvas")
    screenshot(page, "tiering-reports")
