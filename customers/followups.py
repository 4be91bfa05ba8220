"""Follow-up API that other apps call (complaints → satisfaction call, compliance → visit).

Stable interface for the upper apps; the follow-ups issue builds cadence, reminders and the UI
around it.
"""

from collections.abc import Iterable
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Subquery

from crm.calendar import deadline

from .models import Customer, FollowUpReason, FollowUpTask


def schedule_follow_up(
    *,
    customer: Customer,
    reason: str,
    due_on: date,
    title: str,
    dedupe_key: str | None = None,
    owner=None,
    notes: str = "",
) -> FollowUpTask:
    """Create an open task for the customer's RM (or `owner`). Idempotent per `dedupe_key`."""
    if dedupe_key:
        existing = FollowUpTask.objects.filter(dedupe_key=dedupe_key).first()
        if existing:
            return existing
    try:
        with transaction.atomic():
            return FollowUpTask.objects.create(
                customer=customer,
                owner=owner or customer.owner,
                reason=reason,
                due_on=due_on,
                title=title[:200],
                dedupe_key=dedupe_key,
                notes=notes,
            )
    except IntegrityError:
        return FollowUpTask.objects.get(dedupe_key=dedupe_key)


def schedule_satisfaction_call(
    *, customer: Customer, closed_on: date, reference: str, working_days: int = 3
) -> FollowUpTask:
    """Complaint closed → satisfaction call within 3 working days (DESIGN §5.2)."""
    return schedule_follow_up(
        customer=customer,
        reason=FollowUpReason.COMPLAINT_SATISFACTION,
        due_on=deadline(closed_on, working_days, working_days=True),
        title=f"满意度回访：{reference}",
        dedupe_key=f"complaint-satisfaction:{reference}",
    )


def warning_visit_key(reference: str) -> str:
    return f"risk-warning-visit:{reference}"


def schedule_warning_visits(items: Iterable[dict], *, batch_size: int = 1000) -> int:
    """Risk warnings raised → a visit each within its verification deadline (DESIGN §5.2).

    `items` are dicts with customer_id, due_on and reference (the warning's). Set-based: one
    multi-row INSERT per batch, the owner resolved in SQL as the customer's RM at insert time,
    and the dedupe key `risk-warning-visit:<reference>` skipping tasks that already exist (ON
    CONFLICT DO NOTHING), so reruns and overlapping batches add nothing. Returns how many
    were offered (as notify_many does; the database skips the duplicates)."""
    rows = [
        FollowUpTask(
            customer_id=item["customer_id"],
            owner_id=Subquery(
                Customer.objects.filter(pk=item["customer_id"]).values("owner_id")[:1]
            ),
            reason=FollowUpReason.RISK_WARNING,
            due_on=item["due_on"],
            title=f"风险预警走访：{item['reference']}"[:200],
            dedupe_key=warning_visit_key(item["reference"]),
        )
        for item in items
    ]
    FollowUpTask.objects.bulk_create(rows, batch_size=batch_size, ignore_conflicts=True)
    return len(rows)
