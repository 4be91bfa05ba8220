"""The complaint statistics' summary (`MonthlyFigure`): what each complaint adds, and checking
and rebuilding it.

Each complaint adds its measures (received, closed, decided, breached, handling days,
satisfaction) to five rows: (month of receipt, dimension, key) for channel, business category,
cause, branch and product. Database triggers keep the rows in step with every write to the
complaints, in the write's transaction (migration 0007: statement-level on PostgreSQL, so a bulk
load or the sweep's UPDATE costs one delta per statement; row-level on SQLite). Raw SQL cannot
bypass them; `rebuild()` (command `rebuild_complaint_figures`) recomputes the table set-based
after something wrote the summary itself or ran with triggers disabled (a data-only restore).
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Count, Q, Sum

from .models import Complaint, MonthlyFigure

MEASURES = (
    "n",
    "closed",
    "decided",
    "breaches",
    "days_sum",
    "days_n",
    "sat_sum",
    "rated",
    "satisfied",
)

# (dimension, complaint attribute)
DIMENSIONS = (
    ("channel", "channel_id"),
    ("business_category", "business_category_id"),
    ("cause", "cause_id"),
    ("branch", "branch_id"),
    ("product", "product_id"),
)

FINAL = ("closed", "withdrawn")


def sums() -> dict:
    """The measures as SQL aggregates (the statistics of a scoped queryset use them too)."""
    return {
        "n": Count("pk"),
        "closed": Count("pk", filter=Q(state__in=FINAL)),
        "decided": Count("pk", filter=Q(decided_at__isnull=False)),
        "breaches": Count("pk", filter=Q(breached=True)),
        "days_sum": Sum("handling_days"),
        "days_n": Count("handling_days"),
        "sat_sum": Sum("satisfaction", filter=Q(satisfaction__gte=1)),
        "rated": Count("pk", filter=Q(satisfaction__gte=1)),
        "satisfied": Count("pk", filter=Q(satisfaction__gte=4)),
    }


def of_queryset(qs) -> dict:
    """Contribution of the complaints in `qs`, set-based: one grouped query per dimension."""
    out: dict = {}
    for dim, attr in DIMENSIONS:
        for r in qs.order_by().values("received_month", attr).annotate(**sums()):
            out[(r["received_month"], dim, r[attr] or 0)] = [r[m] or 0 for m in MEASURES]
    return out


def difference(after: dict, before: dict) -> dict:
    out = {k: list(v) for k, v in after.items()}
    for k, v in before.items():
        target = out.setdefault(k, [0] * len(MEASURES))
        for i, x in enumerate(v):
            target[i] -= x
    return out


def rebuild(complaint_model=None, figure_model=None) -> int:
    """Recompute every figure from the complaints (set-based); returns the rows written. The
    models may be passed in (the migration that creates the table backfills it with this)."""
    complaint_model = complaint_model or Complaint
    figure_model = figure_model or MonthlyFigure
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Writers' triggers wait until the new figures are committed, then add their delta
            # to them: none is lost or doubled.
            with connection.cursor() as cur:
                cur.execute(f"LOCK TABLE {figure_model._meta.db_table} IN EXCLUSIVE MODE")
        figure_model.objects.all().delete()
        figures = of_queryset(complaint_model.objects.all())
        figure_model.objects.bulk_create(
            [
                figure_model(
                    month=month, dimension=dim, key=key, **dict(zip(MEASURES, v, strict=True))
                )
                for (month, dim, key), v in sorted(figures.items())
            ],
            batch_size=2000,
        )
    return len(figures)


def stored() -> dict:
    return {
        (month, dim, key): list(values)
        for month, dim, key, *values in MonthlyFigure.objects.values_list(
            "month", "dimension", "key", *MEASURES
        )
    }


def drift() -> dict:
    """Stored minus computed-from-the-complaints, non-zero entries only (empty: in step)."""
    diff = difference(stored(), of_queryset(Complaint.objects.all()))
    return {k: v for k, v in diff.items() if any(v)}
