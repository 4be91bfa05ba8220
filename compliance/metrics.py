"""Team figures of compliance for the KPI dashboard's snapshot (crm.ui.registry Metric.monthly)."""

import datetime

from crm.ui.registry import per_owner_month

from .models import DisposalStep


def warnings_verified_monthly(users, start: datetime.date, end: datetime.date) -> dict:
    """selectors.metric_warnings_verified for each month between start and end (one query)."""
    return per_owner_month(
        DisposalStep.objects.filter(
            owner__in=users, kind=DisposalStep.Kind.VERIFY, done_at__date__range=(start, end)
        ),
        "owner_id",
        "done_at",
    )
