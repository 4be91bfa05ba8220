"""Scheduled jobs: thin, idempotent wrappers over services."""

from celery import shared_task

from . import services


@shared_task(name="complaints.tasks.sweep_deadlines", soft_time_limit=600, time_limit=720)
def sweep_deadlines() -> dict:
    """Warnings before and escalations after a breach (each notice once; safe to rerun)."""
    return services.complaints_sweep_deadlines()
