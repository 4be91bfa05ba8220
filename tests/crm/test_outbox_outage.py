"""Issue 15 item 7: no task is lost or doubled when the broker dies, and no request waits on it.

A private redis-server (no persistence: a SIGKILL loses every message it held), a real worker
thread and the outbox relay. Work is done through the test client before, during and after the
outage; every expected task runs exactly once, counted by its effects in the database. Skipped
only where redis-server is not installed (CI has it: FIDUCIA_REQUIRE_WORKER)."""

import importlib
import time

import pytest
from django.apps import apps
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from compliance import tasks as compliance_tasks
from compliance.models import RiskWarning
from crm.core import outbox
from crm.core.models import OutboxMessage
from customers.contacts import reminders
from customers.contacts.tasks import queue_digest
from customers.records.models import FollowUpTask
from tests.customers.followups.factories import TaskFactory
from tests.factories import CustomerFactory
from tests.worker import relay_thread, wait_for, worker_thread

from .outbox_tasks import tick, ticks

pytestmark = [pytest.mark.celery_worker]

REDISPATCH_SECONDS = 3


@pytest.fixture
def quick_redispatch(settings):
    # Messages the dead broker took with it are published again after this, not after an hour.
    settings.FIDUCIA_OUTBOX = {
        **settings.FIDUCIA_OUTBOX,
        "REDISPATCH_AFTER_SECONDS": REDISPATCH_SECONDS,
        "RELAY_MAX_BACKOFF_SECONDS": 1,
    }


@pytest.fixture
def followup_runs(monkeypatch):
    """The warning ids of every run of the visit-scheduling task's body."""
    runs: list[int] = []
    real = compliance_tasks.warning_schedule_followups

    def counted(warning_ids):
        runs.extend(warning_ids)
        return real(warning_ids)

    monkeypatch.setattr(compliance_tasks, "warning_schedule_followups", counted)
    return runs


@pytest.fixture
def grading_rules(transactional_db):
    # An earlier transactional test's flush emptied the tables the migrations seed.
    importlib.import_module("compliance.migrations.0002_seed_rules_sources_schedule").seed(
        apps, None
    )


def record_signal(client, customer) -> float:
    """A red warning from a signal entered in the browser; returns the seconds it took."""
    began = time.monotonic()
    response = client.post(
        reverse("compliance:signal-create"),
        {
            "customer": customer.number,
            "kind": "overdue",
            "severity": "4",
            "observed_on": timezone.localdate().isoformat(),
            "evidence": "逾期90天",
        },
    )
    took = time.monotonic() - began
    assert response.status_code == 302, response.status_code  # never a 500
    return took


def all_done() -> bool:
    return not OutboxMessage.objects.filter(done_at__isnull=True).exists()


def test_a_broker_outage_loses_nothing_doubles_nothing_and_blocks_no_request(
    private_redis, grading_rules, quick_redispatch, followup_runs, client, risk_user, rm
):
    client.force_login(risk_user)
    customers = [CustomerFactory(owner=rm) for _ in range(5)]
    TaskFactory(customer=customers[0], due_on=timezone.localdate())  # a reminder for today

    with relay_thread():
        # Before: published, but no worker has taken them yet when the broker dies with them.
        for customer in customers[:2]:
            record_signal(client, customer)
        assert wait_for(
            lambda: not OutboxMessage.objects.filter(dispatched_at__isnull=True).exists(), 20
        ), "the relay did not publish while the broker was up"
        private_redis.kill()

        # During: every request answers quickly, without a 500; the work is recorded.
        for customer in customers[2:]:
            assert record_signal(client, customer) < 2
        digests = reminders.run_sweep(timezone.localdate(), send=queue_digest).email_recipients
        assert digests >= 1
        assert OutboxMessage.objects.filter(dispatched_at__isnull=True).count() == 3 + digests

        # After: the broker and a worker come back; the relay publishes what waited and, past
        # REDISPATCH_SECONDS, again what the dead broker lost.
        private_redis.start()
        with worker_thread():
            assert wait_for(all_done, 60), list(
                OutboxMessage.objects.filter(done_at__isnull=True).values()
            )

    warnings = set(RiskWarning.objects.values_list("pk", flat=True))
    assert len(warnings) == 5
    # Lost: none. Every warning has its visit; every digest went out.
    visits = FollowUpTask.objects.filter(dedupe_key__startswith="risk-warning-visit:")
    assert visits.count() == 5
    assert len(mail.outbox) == digests
    # Doubled: none. The visit task's body ran once per warning, however often it was published.
    assert sorted(followup_runs) == sorted(warnings)
    assert OutboxMessage.objects.filter(attempts__gt=1).exists()  # the lost ones went twice


def test_a_message_published_twice_runs_once_on_a_real_worker(private_redis, rm):
    message = outbox.enqueue(tick, rm.pk)
    assert outbox.relay().published == 1
    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
    assert outbox.relay().published == 1  # a second copy, as after a crash before the mark
    with worker_thread():
        assert wait_for(all_done, 30)
        time.sleep(1)  # give the second copy time to be taken (and skipped)
    assert ticks(rm.pk) == 1


def test_the_relay_does_not_hang_on_a_frozen_broker(private_redis, rm):
    outbox.enqueue(tick, rm.pk)
    private_redis.freeze()
    try:
        began = time.monotonic()
        result = outbox.relay()
        took = time.monotonic() - began
    finally:
        private_redis.thaw()
    assert result.refused and result.published == 0
    assert took < 5
