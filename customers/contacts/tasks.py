"""Celery tasks for follow-ups: thin, idempotent wrappers over customers.contacts.reminders.

Imported from CustomersConfig.ready() so the worker registers them (autodiscovery only looks
at `tasks.py`). The daily beat entry is created by migration 0005_followups_interactions_cadence_reminders.
"""

import datetime
import smtplib

from celery import shared_task

from crm.core import outbox
from crm.core.outbox import OutboxTask
from customers.contacts import cadence, reminders


@shared_task(name="customers.followups.daily_sweep", soft_time_limit=1800, time_limit=1920)
def daily_followup_sweep(day: str | None = None) -> dict:
    """Cadence gaps and event triggers → tasks; reminders in-app and by e-mail."""
    target = datetime.date.fromisoformat(day) if day else None
    return reminders.run_sweep(target, send=queue_digest).as_dict()


def queue_digest(user_id: int, day: datetime.date) -> None:
    """How the sweep sends one user's e-mail digest: as a Celery task of its own, recorded
    in the outbox (the relay publishes it whenever the broker takes it)."""
    outbox.enqueue(send_reminder_email, user_id, day.isoformat())


def retry_countdown(retries: int) -> int:
    """Exponential backoff: 60 s, 120 s, 240 s, … (capped at 1 hour)."""
    return min(cadence.option("EMAIL_RETRY_BASE_SECONDS") * 2**retries, 3600)


# One digest: SMTP timeouts are EMAIL_SMTP_TIMEOUT_SECONDS per operation, well inside the limits.
# outbox_atomic=False: the delivery rows are claimed and their outcome recorded in commits of
# their own (at most one e-mail per digest, even across a crash); the outbox row is marked after.
@shared_task(
    bind=True,
    base=OutboxTask,
    outbox_atomic=False,
    name="customers.followups.send_reminder_email",
    acks_late=True,
    max_retries=cadence.option("EMAIL_MAX_RETRIES"),
    soft_time_limit=120,
    time_limit=180,
)
def send_reminder_email(self, user_id: int, day: str) -> int:
    try:
        return reminders.send_digest(user_id, datetime.date.fromisoformat(day))
    except (smtplib.SMTPException, OSError) as exc:
        # Past max_retries Celery raises `exc` itself: the failure stays recorded on the delivery
        # rows (status failed). The bound is read per call so a changed setting applies at once.
        raise self.retry(
            exc=exc,
            countdown=retry_countdown(self.request.retries),
            max_retries=cadence.option("EMAIL_MAX_RETRIES"),
        ) from exc
