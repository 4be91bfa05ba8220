"""Team figures for the KPI dashboard (crm.ui.registry Metric): one query each, set-based."""

import datetime

from django.db.models import Avg, Count
from django.utils import timezone

from crm.ui.registry import per_owner_month

from .models import Complaint


def _range(start, end):
    tz = timezone.get_current_timezone()
    lo = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    hi = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return lo, hi


def complaints_logged(users, start, end) -> dict:
    """Complaints each staff member logged, received in [start, end]."""
    lo, hi = _range(start, end)
    rows = (
        Complaint.objects.filter(logged_by__in=users, received_at__gte=lo, received_at__lt=hi)
        .values("logged_by")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {r["logged_by"]: r["n"] for r in rows}


def satisfaction(users, start, end) -> dict:
    """Average satisfaction (1–5) of complaints each staff member handled, closed in the period."""
    lo, hi = _range(start, end)
    rows = (
        Complaint.objects.filter(
            handler__in=users, closed_at__gte=lo, closed_at__lt=hi, satisfaction__gte=1
        )
        .values("handler")
        .annotate(avg=Avg("satisfaction"))
        .order_by()
    )
    return {r["handler"]: round(r["avg"], 2) for r in rows}


def complaints_logged_monthly(users, start, end) -> dict:
    """complaints_logged for each month between start and end (one query)."""
    lo, hi = _range(start, end)
    return per_owner_month(
        Complaint.objects.filter(logged_by__in=users, received_at__gte=lo, received_at__lt=hi),
        "logged_by",
        "received_at",
    )


def satisfaction_monthly(users, start, end) -> dict:
    """satisfaction for each month between start and end (one query)."""
    lo, hi = _range(start, end)
    averages = per_owner_month(
        Complaint.objects.filter(
            handler__in=users, closed_at__gte=lo, closed_at__lt=hi, satisfaction__gte=1
        ),
        "handler",
        "closed_at",
        Avg("satisfaction"),
    )
    return {key: round(avg, 2) for key, avg in averages.items()}
