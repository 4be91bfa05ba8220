"""Team figures of compliance for the KPI dashboard's snapshot (crm.ui.registry Metric.monthly)."""

import datetime

from django.db.models import Count

from crm.ui.registry import month_of

from .models import DisposalStep


def warnings_verified_monthly(users, start: datetime.date, end: datetime.date) -> dict:
    """selectors.metric_warnings_verified for each month between start and end (one query)."""
    rows = (
        DisposalStep.objects.filter(
            owner__in=users, kind=DisposalStep.Kind.VERIFY, done_at__date__range=(start, end)
        )
        .values_list("owner_id", month_of("done_at"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(owner, month): n for owner, month, n in rows}
