"""Scheduled jobs of team performance: thin, idempotent wrappers over services."""

from celery import shared_task

from . import services


@shared_task(name="crm.performance.tasks.sweep_training")
def sweep_training() -> dict:
    """Training expiry reminders and lapse notices (daily by beat). Idempotent: every notice has
    a dedupe key per staff member, course and expiry date, so a rerun sends nothing new."""
    return services.sweep_training()
