"""The sales metrics of the KPI dashboard: per RM for a period, and per RM and month (one
query each)."""

import datetime

from django.db.models import Avg, Count

from crm.ui.registry import per_owner_month
from customers.sales.models import Prospect, SatisfactionSurvey


def _owned_in_period(queryset, users, when: str, start, end):
    """Rows of `users` (users or ids) whose `when` falls between start and end."""
    return queryset.filter(
        owner_id__in=[getattr(u, "pk", u) for u in users],
        **{f"{when}__date__gte": start, f"{when}__date__lte": end},
    )


def _surveys(users, start, end):
    return _owned_in_period(SatisfactionSurvey.objects, users, "recorded_at", start, end)


def _converted(users, start, end):
    return _owned_in_period(Prospect.objects, users, "converted_at", start, end)


def satisfaction_metric(users, start, end) -> dict:
    """Metric "satisfaction": average score per serving RM in the period."""
    rows = _surveys(users, start, end).values("owner_id").annotate(avg=Avg("score"))
    return {r["owner_id"]: round(float(r["avg"]), 2) for r in rows}


def satisfaction_monthly(users, start, end) -> dict[tuple[int, datetime.date], float]:
    """satisfaction_metric for each month between start and end."""
    averages = per_owner_month(_surveys(users, start, end), "owner_id", "recorded_at", Avg("score"))
    return {key: round(float(avg), 2) for key, avg in averages.items()}


def converted_metric(users, start, end) -> dict:
    """Metric "prospects_converted": prospects converted per RM in the period."""
    rows = _converted(users, start, end).values("owner_id").annotate(n=Count("pk"))
    return {r["owner_id"]: r["n"] for r in rows}


def converted_monthly(users, start, end) -> dict[tuple[int, datetime.date], int]:
    """converted_metric for each month between start and end."""
    return per_owner_month(_converted(users, start, end), "owner_id", "converted_at")
