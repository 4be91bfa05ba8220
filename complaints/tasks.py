"""Scheduled jobs: thin, idempotent wrappers over services."""

import datetime

from celery import shared_task

from crm.core.outbox import OutboxTask

from . import services
from .services.workflow import complaint_schedule_satisfaction_call


@shared_task(name="complaints.tasks.sweep_deadlines", soft_time_limit=600, time_limit=720)
def sweep_deadlines() -> dict:
    """Warnings before and escalations after a breach (each notice once; safe to rerun)."""
    return services.complaints_sweep_deadlines()


@shared_task(
    base=OutboxTask, name="complaints.tasks.satisfaction_call", soft_time_limit=60, time_limit=120
)
def satisfaction_call(complaint_id: int, closed_on: str) -> None:
    """The satisfaction call of a closed complaint (enqueued through the outbox by the closing
    transition; the follow-up's dedupe key makes a rerun add nothing)."""
    complaint_schedule_satisfaction_call(complaint_id, datetime.date.fromisoformat(closed_on))
