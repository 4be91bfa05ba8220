"""Team figures of tiering for the KPI dashboard's snapshot (crm.ui.registry Metric.monthly)."""

from django.db.models import Count, F

from crm.ui.registry import month_of

from .models import TierAssignment, TierRun


def tier_moves_monthly(users, start, end) -> dict:
    """selectors.tier_moves_by_owner for each month between start and end (one query, grouped
    by owning RM and the month of the run's as-of date)."""
    rows = (
        TierAssignment.objects.filter(
            run__kind=TierRun.Kind.LIVE,
            run__status=TierRun.Status.APPLIED,
            run__as_of__gte=start,
            run__as_of__lte=end,
            customer__owner__in=users,
        )
        .exclude(previous_class="")
        .exclude(applied_class=F("previous_class"))
        .values_list("customer__owner_id", month_of("run__as_of"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(owner, month): n for owner, month, n in rows}
