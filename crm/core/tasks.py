"""Scheduled jobs of the platform core: thin, idempotent wrappers over services."""

from celery import shared_task

from . import approvals, outbox, recent


@shared_task(name="crm.core.tasks.expire_approvals", soft_time_limit=60, time_limit=120)
def expire_approvals() -> int:
    """Expire pending four-eyes requests past their deadline (scheduled daily by beat).

    Idempotent: a second run finds nothing pending past its expiry.
    """
    return approvals.approvals_expire_overdue()


@shared_task(name="crm.core.tasks.relay_outbox", soft_time_limit=50, time_limit=60)
def relay_outbox() -> int:
    """Fallback relay (beat, every minute) for a deployment without the `relay_outbox`
    process: publishes due outbox rows. Safe beside that process (SKIP LOCKED) and to rerun."""
    return outbox.relay().published


@shared_task(name="crm.core.tasks.purge_outbox", soft_time_limit=300, time_limit=360)
def purge_outbox() -> int:
    """Delete outbox rows done more than FIDUCIA_OUTBOX["KEEP_DAYS"] ago (daily, beat).
    A rerun finds nothing more to delete."""
    return outbox.purge()


@shared_task(name="crm.core.tasks.purge_recent_views", soft_time_limit=300, time_limit=360)
def purge_recent_views() -> int:
    """Delete recently-viewed entries older than 90 days (daily, beat); a rerun finds none."""
    return recent.recent_purge()


@shared_task(name="crm.core.tasks.purge_export_files", soft_time_limit=300, time_limit=360)
def purge_export_files() -> int:
    """Built export files nobody took within their window (scheduled hourly by beat)."""
    from . import downloads

    return downloads.export_files_purge()


# outbox_atomic=False: the job's progress and its end commit on their own (a failed build is
# recorded as failed); a second delivery finds the job ended and does nothing.
@shared_task(
    base=outbox.OutboxTask,
    outbox_atomic=False,
    name="crm.core.tasks.build_export",
    soft_time_limit=1800,
    time_limit=1920,
)
def build_export(key: str, export_pk: int, job: int | None = None) -> None:
    """The file of an approved export (crm.core.downloads), built ahead of its download."""
    from . import downloads

    if job is not None:
        downloads.download_build(key, export_pk, job)
