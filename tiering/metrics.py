"""Team figures of tiering for the KPI dashboard's snapshot (crm.ui.registry Metric.monthly)."""

from crm.ui.registry import per_owner_month

from .selectors import tier_moves


def tier_moves_monthly(users, start, end) -> dict:
    """selectors.tier_moves_by_owner for each month between start and end (one query, grouped
    by owning RM and the month of the run's as-of date)."""
    return per_owner_month(tier_moves(users, start, end), "customer__owner_id", "run__as_of")
