"""Monthly series of the sales metrics for the KPI dashboard (one query each)."""

import datetime

from django.db.models import Avg

from crm.ui.registry import per_owner_month
from customers.sales.models import Prospect, SatisfactionSurvey


def satisfaction_monthly(users, start, end) -> dict[tuple[int, datetime.date], float]:
    """customers.sales.services.surveys.satisfaction_metric for each month between start and end (one query)."""
    surveys = SatisfactionSurvey.objects.filter(
        owner_id__in=[u.pk for u in users], recorded_at__date__gte=start, recorded_at__date__lte=end
    )
    averages = per_owner_month(surveys, "owner_id", "recorded_at", Avg("score"))
    return {key: round(float(avg), 2) for key, avg in averages.items()}


def converted_monthly(users, start, end) -> dict[tuple[int, datetime.date], int]:
    """customers.sales.services.pipeline.converted_metric for each month between start and end (one query)."""
    return per_owner_month(
        Prospect.objects.filter(
            owner_id__in=[u.pk for u in users],
            converted_at__date__gte=start,
            converted_at__date__lte=end,
        ),
        "owner_id",
        "converted_at",
    )
