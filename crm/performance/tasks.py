"""Scheduled jobs of team performance: thin, idempotent wrappers over services."""

from celery import shared_task

from . import services


@shared_task(name="crm.performance.tasks.sweep_training", soft_time_limit=300, time_limit=360)
def sweep_training() -> dict:
    """Training expiry reminders and lapse notices (daily by beat). Idempotent: every notice has
    a dedupe key per staff member, course and expiry date, so a rerun sends nothing new."""
    return services.sweep_training()


@shared_task(
    name="crm.performance.tasks.refresh_current_figures", soft_time_limit=600, time_limit=720
)
def refresh_current_figures() -> dict:
    """The KPI snapshot of the month, quarter and year containing today (every 15 minutes by
    beat). Idempotent: it replaces those periods' figures."""
    return services.refresh_figures(current=True)


@shared_task(name="crm.performance.tasks.refresh_figures", soft_time_limit=1800, time_limit=1920)
def refresh_figures() -> dict:
    """The KPI snapshot of every month, quarter and year of this and last year (nightly by beat),
    so late corrections and reassignments reach closed periods. Idempotent."""
    return services.refresh_figures()
