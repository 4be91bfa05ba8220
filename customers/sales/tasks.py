"""Celery tasks of sales and service management: thin, idempotent wrappers over services."""

import datetime

from celery import shared_task
from django.utils import timezone

from crm.core.outbox import OutboxTask


@shared_task(
    name="customers.sales_tasks.generate_due_statements", soft_time_limit=3600, time_limit=3720
)
def generate_due_statements(today: str | None = None) -> dict:
    """Scheduled daily by beat: statements of the periods that have just closed. Idempotent:
    a second run (or a retried worker) creates nothing new."""
    from customers.sales.services import statements

    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    out = {}
    for kind, start in statements.due_periods(day):
        run = statements.statements_generate(kind, start)
        out[f"{kind}:{start.isoformat()}"] = {"created": run.done, "skipped": run.skipped}
    return out


# outbox_atomic=False: a run commits chunk by chunk (its progress shows on the page) and
# skips customers who already have a statement, so a second delivery adds nothing.
@shared_task(
    base=OutboxTask,
    outbox_atomic=False,
    name="customers.sales_tasks.generate_statements",
    soft_time_limit=3600,
    time_limit=3720,
)
def generate_statements(kind: str, period_start: str, job: int | None = None) -> dict:
    """Started from the statements page for one period (runs in the background); reports to
    the job `job` (crm.core.jobs), whose owner is notified once when it ends."""
    from customers.sales.services import statements

    run = statements.statements_generate(
        kind, datetime.date.fromisoformat(period_start), job_id=job
    )
    return {"run": run.pk, "created": run.done, "skipped": run.skipped}


@shared_task(name="customers.sales_tasks.detect_dormant", soft_time_limit=1800, time_limit=1920)
def detect_dormant() -> dict:
    """Scheduled weekly by beat: dormant customers → reactivation follow-ups (deduplicated)."""
    from customers.sales.services.dormancy import customers_detect_dormant as run

    return run()
