"""Follow-up API that other apps call (complaints → satisfaction call, compliance → visit).

Stable interface for the upper apps; the follow-ups issue builds cadence, reminders and the UI
around it.
"""

from datetime import date

from django.db import IntegrityError, transaction

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


def schedule_warning_visit(*, customer: Customer, due_on: date, reference: str) -> FollowUpTask:
    """Risk warning raised → visit within its verification deadline (DESIGN §5.2)."""
    return schedule_follow_up(
        customer=customer,
        reason=FollowUpReason.RISK_WARNING,
        due_on=due_on,
        title=f"风险预警走访：{reference}",
        dedupe_key=f"risk-warning-visit:{reference}",
    )
