"""A live run left "running" by a killed worker (issue 15, item 8): the periodic check or the
next run marks it failed with a reason and an audit row, and the next run for that date
recomputes it. A run whose row is still locked by its worker is in progress and left alone."""

import datetime
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from crm.audit.models import AuditEntry
from tiering import services, tasks
from tiering.models import TierRun

from .factories import AS_OF, CustomerFactory, PolicyFactory, contribute


def stale_run(policy, as_of=AS_OF, minutes=60):
    """A run as a worker killed mid-computation leaves it: created (committed) as running,
    its computation rolled back."""
    run = TierRun.objects.create(as_of=as_of, policy=policy, policy_version=policy.version)
    TierRun.objects.filter(pk=run.pk).update(
        started_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )
    return run


@pytest.mark.django_db
def test_periodic_check_fails_an_abandoned_run_visibly_and_the_next_run_recomputes_it(rm):
    policy = PolicyFactory()
    for amount in (500, 300, 200):
        contribute(CustomerFactory(owner=rm), amount)
    run = stale_run(policy)

    assert tasks.fail_abandoned_runs() == 1
    run.refresh_from_db()
    assert run.status == TierRun.Status.FAILED and run.finished_at is not None
    assert "abandoned" in run.error
    audit = AuditEntry.objects.get(action="tier_run.failed")
    assert audit.target_id == str(run.pk) and audit.actor is None
    assert audit.before == {"status": "running"} and audit.after["status"] == "failed"
    assert tasks.fail_abandoned_runs() == 0  # once only
    assert AuditEntry.objects.filter(action="tier_run.failed").count() == 1

    again = services.run_recalculate(AS_OF, policy=policy)
    assert again.pk == run.pk and again.status == TierRun.Status.APPLIED
    assert again.customers == 3 and again.error == ""


@pytest.mark.django_db
def test_the_next_run_fails_an_abandoned_run_of_another_date_and_starts(rm):
    policy = PolicyFactory()
    contribute(CustomerFactory(owner=rm), 500)
    earlier = stale_run(policy, as_of=AS_OF - datetime.timedelta(days=30))
    run = services.run_recalculate(AS_OF, policy=policy)
    assert run.status == TierRun.Status.APPLIED
    earlier.refresh_from_db()
    assert earlier.status == TierRun.Status.FAILED
    assert AuditEntry.objects.filter(action="tier_run.failed", target_id=str(earlier.pk)).exists()


@pytest.mark.django_db
def test_a_run_that_just_started_is_left_running():
    run = stale_run(PolicyFactory(), minutes=1)
    assert services.runs_fail_abandoned() == 0
    run.refresh_from_db()
    assert run.status == TierRun.Status.RUNNING
    assert not AuditEntry.objects.filter(action="tier_run.failed").exists()


@pytest.mark.django_db(transaction=True)
def test_a_run_locked_by_its_worker_is_in_progress_not_abandoned(postgres_only):
    """PostgreSQL: a worker computing a long run holds the run's row lock; the check skips it
    however old the run is, and fails it once the lock is gone (the worker died)."""
    run = stale_run(PolicyFactory(), minutes=90)
    locked, release = threading.Event(), threading.Event()

    def worker():
        try:
            with transaction.atomic():
                TierRun.objects.select_for_update().get(pk=run.pk)
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert locked.wait(30)
        assert services.runs_fail_abandoned() == 0
        run.refresh_from_db()
        assert run.status == TierRun.Status.RUNNING
    finally:
        release.set()
        thread.join()
    assert services.runs_fail_abandoned() == 1
    run.refresh_from_db()
    assert run.status == TierRun.Status.FAILED
