"""What a newly raised (or upgraded) warning sets off, after the commit: a visit task for the
owner and, for red and orange, a notification. Run by the Celery task
compliance.tasks.warning_followups; idempotent (dedupe keys)."""

from __future__ import annotations

from django.urls import reverse

from crm.core.notifications import notifications_send
from customers.records.followups import schedule_warning_visits

from ..models import Grade, RiskWarning
from ..texts import WARNING_RAISED

NOTIFY_GRADES = (Grade.RED, Grade.ORANGE)


def warning_schedule_followups(warning_ids: list[int]) -> int:
    """Visit tasks through the customers service (one bulk insert) and a notification for
    red/orange warnings (one bulk insert). Idempotent: both carry dedupe keys."""
    warnings = list(
        RiskWarning.objects.active()
        .filter(pk__in=warning_ids)
        .select_related("customer")
        .only("pk", "grade", "owner_id", "title", "verify_by", "customer_id", "customer__name")
    )
    schedule_warning_visits(
        {"customer_id": w.customer_id, "due_on": w.verify_by, "reference": f"W{w.pk}"}
        for w in warnings
    )
    notifications_send(
        {
            "recipient_id": w.owner_id,
            "code": WARNING_RAISED,
            "params": {"grade": w.grade, "customer": w.customer.name},
            "body": w.title,
            "url": reverse("compliance:warning-detail", args=[w.pk]),
            "dedupe_key": f"warning-raised:{w.pk}:{w.grade}",
        }
        for w in warnings
        if w.grade in NOTIFY_GRADES
    )
    return len(warnings)
