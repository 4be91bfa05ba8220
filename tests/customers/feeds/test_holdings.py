"""Holdings snapshots: whole truth for their date, AUM recomputed, bad rows and holds."""

from decimal import Decimal

import pytest

from crm.audit.models import AuditEntry
from customers.records.feeds.models import FeedRun
from customers.records.models import Customer, Holding
from tests.factories import CustomerFactory, HoldingFactory, ProductFactory

pytestmark = pytest.mark.django_db

HEADER = "customer_number,product_code,account_number,market_value\n"


@pytest.fixture
def book():
    a, b = CustomerFactory(number="C1"), CustomerFactory(number="C2")
    p1, p2 = ProductFactory(code="P1"), ProductFactory(code="P2")
    return a, b, p1, p2


def test_snapshot_writes_positions_closes_absent_ones_and_recomputes_aum(book, feed):
    a, b, p1, p2 = book
    HoldingFactory(customer=b, product=p1, market_value=Decimal("999"))
    HoldingFactory(customer=a, product=p2, market_value=Decimal("5"))
    run = feed(
        "holdings",
        HEADER + "C1,P1,6222020200112233445,600000.50\nC1,P2,,400000\n",
    )
    assert run.state == FeedRun.State.LOADED
    assert (run.rows, run.loaded, run.rejected) == (2, 2, 0)
    assert not Holding.objects.filter(customer=b).exists()  # absent from the snapshot: closed
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.aum == Decimal("1000000.50")
    assert b.aum == 0
    held = Holding.objects.get(customer=a, product=p1)
    assert held.account_number == "6222020200112233445"
    assert held.account_number_masked == "****3445"
    assert "6222020200112233445" not in held.account_number_encrypted
    assert AuditEntry.objects.filter(action="feed_run.loaded", target_id=str(run.pk)).exists()


def test_same_file_twice_changes_nothing(book, feed):
    first = feed("holdings", HEADER + "C1,P1,,100\n")
    before = Customer.objects.get(number="C1").updated_at
    again = feed("holdings", HEADER + "C1,P1,,100\n", name="again.csv")
    assert again.pk == first.pk
    assert FeedRun.objects.count() == 1
    assert Customer.objects.get(number="C1").updated_at == before


def test_corrected_file_for_the_same_date_replaces_it(book, feed):
    first = feed("holdings", HEADER + "C1,P1,,100\nC2,P2,,50\n")
    second = feed("holdings", HEADER + "C1,P1,,120\nC2,P2,,50\n")
    first.refresh_from_db()
    assert first.state == FeedRun.State.REPLACED
    assert second.state == FeedRun.State.LOADED
    assert Customer.objects.get(number="C1").aum == Decimal("120")


def test_unknown_customers_are_reported_never_created(book, feed, settings):
    settings.FIDUCIA_FEEDS = {**settings.FIDUCIA_FEEDS, "HOLD_BAD_SHARE": 0.5}
    run = feed("holdings", HEADER + "C1,P1,,100\nC1,P2,,1\nNOBODY,P1,,5\n")
    assert run.state == FeedRun.State.LOADED
    assert (run.loaded, run.rejected, run.unknown_customers) == (2, 1, 1)
    assert not Customer.objects.filter(number="NOBODY").exists()
    assert run.errors[0]["row"] == 4
    assert run.errors[0]["reason"] == "unknown_customer"


def test_too_many_bad_rows_hold_the_run_and_change_nothing(book, feed):
    a, _b, p1, _p2 = book
    HoldingFactory(customer=a, product=p1, market_value=Decimal("7"))
    run = feed("holdings", HEADER + "C1,P1,,lots\nC2,P1,,1\n")
    assert run.state == FeedRun.State.HELD
    assert run.rejected == 1
    assert run.errors == [
        {"row": 2, "column": "market_value", "value": "lots", "reason": "number", "params": {}}
    ]
    assert Holding.objects.get(customer=a).market_value == Decimal("7")  # untouched


def test_a_bad_row_keeps_that_customers_positions_open(book, feed, settings):
    a, b, p1, p2 = book
    settings.FIDUCIA_FEEDS = {**settings.FIDUCIA_FEEDS, "HOLD_BAD_SHARE": 0.9}
    HoldingFactory(customer=a, product=p2, market_value=Decimal("7"))
    run = feed("holdings", HEADER + "C1,P1,,-5\nC2,P1,,1\n")
    assert run.state == FeedRun.State.LOADED
    assert Holding.objects.filter(customer=a, product=p2).exists()


def test_duplicate_positions_are_bad_rows(book, feed, settings):
    settings.FIDUCIA_FEEDS = {**settings.FIDUCIA_FEEDS, "HOLD_BAD_SHARE": 0.9}
    run = feed("holdings", HEADER + "C1,P1,,1\nC1,P1,,2\n")
    assert (run.loaded, run.rejected) == (1, 1)
    assert run.errors[0]["reason"] == "duplicate"
    assert Holding.objects.get().market_value == Decimal("1")
