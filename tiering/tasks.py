"""Scheduled tiering jobs: thin, idempotent wrappers over services."""

import datetime

from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.core.outbox import OutboxTask

from . import services


@shared_task(name="tiering.tasks.recalculate_tiers", soft_time_limit=3600, time_limit=3720)
def recalculate_tiers(as_of: str | None = None) -> dict:
    """The monthly live run (beat, editable in admin). Default date: the last day of the previous
    month, so the window holds complete months. Rerunning for a date already applied changes
    nothing."""
    day = (
        datetime.date.fromisoformat(as_of)
        if as_of
        else timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    )
    try:
        run = services.run_recalculate(day)
    except services.NoPublishedPolicy:
        return {"skipped": "no published policy"}
    return {"run": run.pk, "as_of": run.as_of.isoformat(), "changed": run.customers_changed}


@shared_task(name="tiering.tasks.expire_overrides", soft_time_limit=300, time_limit=360)
def expire_overrides() -> int:
    return services.override_expire()


@shared_task(name="tiering.tasks.fail_abandoned_runs", soft_time_limit=60, time_limit=120)
def fail_abandoned_runs() -> int:
    """Every few minutes (beat): live runs a killed worker left "running" are marked failed."""
    return services.runs_fail_abandoned()


@shared_task(
    base=OutboxTask, name="tiering.tasks.run_after_feed", soft_time_limit=3600, time_limit=3720
)
def run_after_feed(as_of: str) -> dict:
    """The live run for `as_of` after a feed moved its inputs: recomputed even if applied
    (same inputs give the same answer; a duplicate message is dropped by the outbox)."""
    try:
        run = services.run_recalculate(datetime.date.fromisoformat(as_of), force=True)
    except services.NoPublishedPolicy:
        return {"skipped": "no published policy"}
    except ValidationError as exc:
        return {"skipped": " ".join(exc.messages)}
    return {"run": run.pk, "as_of": run.as_of.isoformat(), "changed": run.customers_changed}


# outbox_atomic=False: the job's "running" and its end commit on their own (a failed what-if
# is recorded as failed); the computation is one transaction of its own.
@shared_task(
    base=OutboxTask,
    outbox_atomic=False,
    name="tiering.tasks.what_if",
    soft_time_limit=1800,
    time_limit=1920,
)
def what_if(policy_pk: int, as_of: str, job: int | None = None) -> None:
    """A what-if started from the policy's page (tiering.what_if)."""
    from . import what_if as what_if_jobs

    if job is not None:
        what_if_jobs.what_if_run(policy_pk, as_of, job)
