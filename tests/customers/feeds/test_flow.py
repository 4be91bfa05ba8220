"""Receiving, holding, releasing, rejecting, crashing and picking up feeds."""

import datetime
import io
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from crm.audit.models import AuditEntry
from crm.core.models import OutboxMessage
from customers.records.feeds import merging, services
from customers.records.feeds.models import FeedRun
from customers.records.models import Customer, Holding
from tests.factories import CustomerFactory, HoldingFactory, ProductFactory

from .conftest import DAY

pytestmark = pytest.mark.django_db
HEADER = "customer_number,product_code,market_value\n"


@pytest.fixture
def held(feed):
    CustomerFactory(number="C1")
    ProductFactory(code="P1")
    run = feed("holdings", HEADER + "C1,P1,250000\nC2,P1,1\nC1,P9,1\n")
    assert run.state == FeedRun.State.HELD
    return run


def test_receive_records_the_run_and_queues_its_load(feeds_storage):
    run = services.feed_receive(
        kind="holdings", business_date=DAY, filename="../../h.csv", content=b"x\n"
    )
    assert run.state == FeedRun.State.RECEIVED and not run.duplicate
    assert run.storage_path == "inbox/holdings/2026-11-30/h.csv"
    assert (feeds_storage / run.storage_path).read_bytes() == b"x\n"
    message = OutboxMessage.objects.get()
    assert (message.task, message.args) == ("customers.records.feeds.tasks.load_feed", [run.pk])


def test_the_same_file_at_the_same_moment_is_one_run_not_an_error(feeds_storage):
    first = services.feed_receive(
        kind="products", business_date=DAY, filename="a.csv", content=b"1"
    )

    def racing_create(**kwargs):  # the other upload committed between the check and the insert
        raise IntegrityError("duplicate key value violates unique constraint")

    with (
        mock.patch.object(FeedRun.objects, "filter", return_value=FeedRun.objects.none()),
        mock.patch.object(FeedRun.objects, "create", side_effect=racing_create),
    ):
        second = services.feed_receive(
            kind="products", business_date=DAY, filename="b.csv", content=b"1"
        )
    assert second.pk == first.pk and second.duplicate
    assert not (feeds_storage / "inbox/products/2026-11-30/b.csv").exists()


def test_unknown_kind_and_bad_date_are_refused():
    with pytest.raises(ValidationError):
        services.feed_receive(kind="salaries", business_date=DAY, filename="a.csv", content=b"")
    with pytest.raises(ValidationError):
        services.feed_receive(kind="products", business_date="30/11", filename="a", content=b"")


def test_release_loads_the_good_rows_and_is_audited(held, admin):
    services.feed_release(held, acting_user=admin)
    assert AuditEntry.objects.filter(action="feed_run.released", actor=admin).exists()
    run = services.feed_load(held.pk)
    assert run.state == FeedRun.State.LOADED
    assert (run.loaded, run.rejected, run.released_by) == (1, 2, admin)
    assert Customer.objects.get(number="C1").aum == Decimal("250000")


def test_reject_loads_nothing_and_is_audited(held, admin):
    services.feed_reject(held, acting_user=admin, reason="core sent a test file")
    held.refresh_from_db()
    assert held.state == FeedRun.State.REJECTED
    assert services.feed_load(held.pk).state == FeedRun.State.REJECTED
    assert not Holding.objects.exists()
    entry = AuditEntry.objects.get(action="feed_run.rejected")
    assert entry.purpose == "core sent a test file"


@pytest.mark.parametrize("who", ["rm_user", "compliance", "auditor"])
def test_only_administrators_release_or_reject(held, who, request):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.feed_release(held, acting_user=user)
    with pytest.raises(PermissionDenied):
        services.feed_reject(held, acting_user=user)


def test_a_run_that_is_not_held_cannot_be_released(feed, admin):
    run = feed("products", "code,name,kind,risk_level\nP1,a,fund,R1\n")
    with pytest.raises(ValidationError):
        services.feed_release(run, acting_user=admin)


class Killed(BaseException):
    """What a worker killed by its time limit or the OOM killer looks like to the code: not an
    Exception anyone catches."""


def test_a_load_killed_halfway_leaves_nothing_and_the_rerun_loads_it():
    a = CustomerFactory(number="C1", aum=Decimal("7"))
    HoldingFactory(customer=a, product=ProductFactory(code="P0"), market_value=Decimal("7"))
    ProductFactory(code="P1")
    run = services.feed_receive(
        kind="holdings",
        business_date=DAY,
        filename="h.csv",
        content=(HEADER + "C1,P1,9\n").encode(),
    )
    with mock.patch.object(merging, "recompute_aum", side_effect=Killed), pytest.raises(Killed):
        services.feed_load(run.pk)
    # Holdings were merged before the kill: the transaction took them back with it.
    assert Holding.objects.get().product.code == "P0"
    run.refresh_from_db()
    assert run.state == FeedRun.State.RECEIVED
    assert services.feed_load(run.pk).state == FeedRun.State.LOADED
    assert services.feed_load(run.pk).state == FeedRun.State.LOADED  # and again: nothing new
    assert Customer.objects.get(number="C1").aum == Decimal("9")
    assert AuditEntry.objects.filter(action="feed_run.loaded").count() == 1


def test_an_unexpected_error_fails_the_run_without_quoting_data():
    CustomerFactory(number="C1")
    ProductFactory(code="P1")
    run = services.feed_receive(
        kind="holdings",
        business_date=DAY,
        filename="h.csv",
        content=(HEADER + "C1,P1,9\n").encode(),
    )
    with mock.patch.object(merging, "recompute_aum", side_effect=RuntimeError("secret 1381234")):
        assert services.feed_load(run.pk).state == FeedRun.State.FAILED
    run.refresh_from_db()
    assert run.message == "RuntimeError"
    assert not Holding.objects.exists()


def test_inbox_pickup_records_new_files_once_and_loads_them(feeds_storage):
    CustomerFactory(number="C1")
    ProductFactory(code="P1")
    folder = feeds_storage / "inbox" / "holdings" / "2026-11-30"
    folder.mkdir(parents=True)
    (folder / "h.csv").write_text(HEADER + "C1,P1,42\n", encoding="utf-8")
    (folder / "copy.csv").write_text(HEADER + "C1,P1,42\n", encoding="utf-8")  # same content
    (feeds_storage / "inbox" / "holdings" / "not-a-date").mkdir()
    from customers.records.feeds.tasks import scan_inbox

    assert scan_inbox() == {"new": 1, "loaded": 1, "held": 0}
    assert scan_inbox() == {"new": 0, "loaded": 0, "held": 0}
    assert Customer.objects.get(number="C1").aum == Decimal("42")


def test_purge_deletes_old_files_and_keeps_the_runs(feed, feeds_storage, settings):
    run = feed("products", "code,name,kind,risk_level\nP1,a,fund,R1\n")
    later = run.received_at + datetime.timedelta(days=settings.FIDUCIA_FEEDS["RETENTION_DAYS"] + 1)
    assert services.inbox_purge(now=later) == 1
    run.refresh_from_db()
    assert run.storage_path == "" and run.state == FeedRun.State.LOADED
    assert not (feeds_storage / "inbox/products/2026-11-30/products.csv").exists()


def test_import_feed_command(tmp_path):
    CustomerFactory(number="C1")
    ProductFactory(code="P1")
    path = tmp_path / "h.csv"
    path.write_text(HEADER + "C1,P1,10\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_feed", "holdings", str(path), "--business-date", "2026-11-30", stdout=out)
    assert "loaded 1" in out.getvalue()
    out = io.StringIO()
    call_command("import_feed", "holdings", str(path), "--business-date", "2026-11-30", stdout=out)
    assert "nothing changed" in out.getvalue()
    path.write_text(HEADER + "C1,P1,ten\n", encoding="utf-8")
    with pytest.raises(CommandError, match="held"):
        call_command(
            "import_feed", "holdings", str(path), "--business-date", "2026-11-30", stdout=out
        )


def test_the_queued_load_runs_once_after_commit(django_capture_on_commit_callbacks):
    CustomerFactory(number="C1")
    ProductFactory(code="P1")
    with django_capture_on_commit_callbacks(execute=True):
        run = services.feed_receive(
            kind="holdings",
            business_date=DAY,
            filename="h.csv",
            content=(HEADER + "C1,P1,3\n").encode(),
        )
    run.refresh_from_db()
    assert run.state == FeedRun.State.LOADED
    message = OutboxMessage.objects.get()
    assert message.done_at is not None
    from crm.core.outbox import run_eagerly

    run_eagerly(message.pk)  # delivered again: skipped
    assert AuditEntry.objects.filter(action="feed_run.loaded").count() == 1


def test_a_file_with_a_header_and_no_rows_is_held(feed):
    run = feed("holdings", HEADER)
    assert run.state == FeedRun.State.HELD and run.rows == 0
