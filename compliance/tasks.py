"""Scheduled and background jobs of the risk watch: thin, idempotent wrappers over services.

The services modules that enqueue these (services.raising) are not imported here, so the
dependency runs one way: raising → tasks → followups / sweep / suitability.
"""

from celery import shared_task

from crm.core.outbox import OutboxTask

from .services.followups import warning_schedule_followups
from .services.suitability import mismatch_snapshot_refresh
from .services.sweep import warning_sweep


@shared_task(name="compliance.tasks.sweep_warnings", soft_time_limit=600, time_limit=720)
def sweep_warnings() -> int:
    """Escalate warnings past their verification deadline (daily, beat). A rerun finds nothing."""
    return warning_sweep()


@shared_task(
    base=OutboxTask,
    name="compliance.tasks.warning_followups",
    soft_time_limit=300,
    time_limit=360,
)
def warning_followups(warning_ids: list[int]) -> int:
    """Visit tasks and notifications for newly raised warnings (dedupe keys: idempotent;
    enqueued through the outbox, so the visits and the done mark commit together)."""
    return warning_schedule_followups(warning_ids)


@shared_task(name="compliance.tasks.refresh_mismatches", soft_time_limit=1800, time_limit=1920)
def refresh_mismatches() -> int:
    """Rebuild the suitability-mismatch snapshot for the dashboard (daily, beat)."""
    return mismatch_snapshot_refresh().holdings
