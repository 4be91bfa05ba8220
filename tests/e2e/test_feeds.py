"""An operator releases a held holdings feed; the customer's AUM changes on the 360 page at once,
and the VIP level after the tier run the feed-run page starts."""

import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.utils import timezone

from crm.accounts.demo import seed_organisation
from customers.records.feeds import services
from customers.records.feeds.models import FeedRun
from customers.records.models import Customer
from tests.conftest import screenshot
from tests.factories import CustomerFactory, HoldingFactory, ProductFactory
from tiering import services as tiering
from tiering.models import TierPolicy

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def feeds_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "feeds": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "feeds")},
        },
    }
    storages._storages.pop("feeds", None)
    yield
    storages._storages.pop("feeds", None)


def test_released_feed_moves_aum_then_the_tier_run_moves_vip(page, login):
    users = seed_organisation(io.StringIO())
    password = settings.FIDUCIA["DEMO_PASSWORD"]
    policy = TierPolicy.objects.create(version=1, name="默认策略", status="published")
    fund = ProductFactory(code="FD000318", name="示例中证500指数基金")
    customer = CustomerFactory(owner=users["rm1"], name="张伟", number="C20260001")
    HoldingFactory(customer=customer, product=fund, market_value=Decimal("100000"))
    Customer.objects.filter(pk=customer.pk).update(aum=Decimal("100000"))
    today = timezone.localdate()
    tiering.run_recalculate(today.replace(day=1) - datetime.timedelta(days=1), policy=policy)
    assert Customer.objects.get(pk=customer.pk).vip_level == "gold"

    # Tonight's snapshot: the customer's fund position grew; two rows name customers unknown to
    # Fiducia, far more than the 5 % a feed may have bad: held.
    run = services.feed_receive(
        kind="holdings",
        business_date=today,
        filename="holdings.csv",
        content=(
            b"customer_number,product_code,account_number,market_value\n"
            b"C20260001,FD000318,6222020200112233445,2500000.00\n"
            b"C99999998,FD000318,,10.00\nC99999999,FD000318,,20.00\n"
        ),
    )
    assert services.feed_load(run.pk).state == FeedRun.State.HELD

    login(users["admin"], password=password)
    page.goto(f"{page.base_url}/customers/feeds/")
    page.wait_for_selector("#feed-runs")
    assert (
        page.locator(f"tr[data-run='{run.pk}'] [data-state]").get_attribute("data-state") == "held"
    )
    screenshot(page, "feeds-list-held")
    page.click(f"tr[data-run='{run.pk}'] a")
    page.wait_for_selector("#feed-held")
    assert "C99999999" in page.locator("#feed-errors").inner_text()
    screenshot(page, "feeds-run-held")
    page.click("#feed-release")
    page.wait_for_selector("#feed-state[data-state=loaded]")
    assert page.locator("[data-count=loaded]").inner_text() == "1"
    assert page.locator("[data-count=unknown]").inner_text() == "2"
    screenshot(page, "feeds-run-released")

    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    page.wait_for_selector("#customer-aum")
    assert Decimal(page.locator("#customer-aum").get_attribute("data-aum")) == Decimal("2500000")
    assert page.locator("#customer-vip").get_attribute("data-vip") == "gold"  # until the run
    screenshot(page, "feeds-360-aum-moved")

    page.goto(f"{page.base_url}/customers/feeds/{run.pk}/")
    page.click("#feed-start-tier-run")
    page.wait_for_selector(".alert-success")
    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    page.wait_for_selector("#customer-vip")
    assert page.locator("#customer-vip").get_attribute("data-vip") == "diamond"
    assert "钻石" in page.locator("#customer-vip").inner_text()
    screenshot(page, "feeds-360-vip-after-tier-run")
