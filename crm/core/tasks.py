"""Scheduled jobs of the platform core: thin, idempotent wrappers over services."""

from celery import shared_task

from . import approvals


@shared_task(name="crm.core.tasks.expire_approvals", soft_time_limit=60, time_limit=120)
def expire_approvals() -> int:
    """Expire pending four-eyes requests past their deadline (scheduled daily by beat).

    Idempotent: a second run finds nothing pending past its expiry.
    """
    return approvals.approvals_expire_overdue()
