"""The feed-run pages: who sees them, a fixed query count, the error report, release / reject
from the page, and the tier run a loaded feed offers."""

import datetime

import pytest
from django.urls import reverse

from crm.core.models import OutboxMessage
from customers.records.feeds.models import FeedRun
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db
HEADER = "customer_number,product_code,market_value\n"


def make_runs(n):
    for i in range(n):
        FeedRun.objects.create(
            kind="holdings",
            business_date=datetime.date(2026, 1, 1) + datetime.timedelta(days=i),
            checksum=f"{i:064d}",
            filename=f"h{i}.csv",
            storage_path=f"inbox/holdings/x/h{i}.csv",
            state=FeedRun.State.LOADED,
            rows=10,
            loaded=10,
        )


@pytest.mark.parametrize("n", [1, 30])
def test_list_runs_a_fixed_number_of_queries(n, as_user, admin, django_assert_max_num_queries):
    make_runs(n)
    client = as_user(admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("customers:feedrun-list"))
    assert response.status_code == 200
    assert response.content.decode().count("data-run=") == n


@pytest.mark.parametrize("who,status", [("admin", 200), ("compliance", 200), ("rm_user", 403)])
def test_who_sees_the_feed_runs(who, status, as_user, request):
    assert (
        as_user(request.getfixturevalue(who)).get(reverse("customers:feedrun-list")).status_code
        == status
    )


def test_a_missing_run_is_404(as_user, admin):
    assert as_user(admin).get(reverse("customers:feedrun-detail", args=[999])).status_code == 404


@pytest.fixture
def held(feed):
    CustomerFactory(number="C1")
    ProductFactory(code="P1")
    return feed("holdings", HEADER + "C1,P1,5\n=cmd|' /C calc'!A0,P1,1\nC1,P2,1\n")


def test_detail_shows_the_bad_rows_and_the_report_neutralises_formulas(held, as_user, admin):
    client = as_user(admin)
    page = client.get(reverse("customers:feedrun-detail", args=[held.pk])).content.decode()
    assert 'id="feed-release"' in page and 'id="feed-errors"' in page
    report = client.get(reverse("customers:feedrun-errors", args=[held.pk]) + "?format=csv")
    text = report.content.decode("utf-8-sig")
    assert "'=cmd" in text and "\n=cmd" not in text


def test_release_and_reject_from_the_page(held, as_user, admin, compliance):
    assert (
        as_user(compliance).post(reverse("customers:feedrun-release", args=[held.pk])).status_code
        == 403
    )
    response = as_user(admin).post(reverse("customers:feedrun-release", args=[held.pk]))
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.state == FeedRun.State.RECEIVED and held.released_by == admin
    again = as_user(admin).post(reverse("customers:feedrun-reject", args=[held.pk]), follow=True)
    assert again.status_code == 200  # refused with a message, not a 500
    held.refresh_from_db()
    assert held.state == FeedRun.State.RECEIVED


def test_a_loaded_holdings_feed_offers_the_tier_run(feed, as_user, admin):
    CustomerFactory(number="C1")
    ProductFactory(code="P1")
    run = feed("holdings", HEADER + "C1,P1,5\n")
    client = as_user(admin)
    page = client.get(reverse("customers:feedrun-detail", args=[run.pk])).content.decode()
    assert 'id="feed-start-tier-run"' in page
    client.post(reverse("customers:feedrun-tier-run", args=[run.pk]))
    message = OutboxMessage.objects.get(task="tiering.tasks.run_after_feed")
    assert message.args == ["2026-10-31"]


def test_the_setting_starts_the_tier_run_after_aggregates(feed, settings):
    CustomerFactory(number="C1")
    header = "customer_number,month,average_balance\n"
    feed("aggregates", header + "C1,2026-11,5\n")
    assert not OutboxMessage.objects.filter(task="tiering.tasks.run_after_feed").exists()
    settings.FIDUCIA_FEEDS = {**settings.FIDUCIA_FEEDS, "AUTO_TIER_RUN": True}
    feed("aggregates", header + "C1,2026-11,6\n")
    message = OutboxMessage.objects.get(task="tiering.tasks.run_after_feed")
    assert message.args == ["2026-11-30"]
