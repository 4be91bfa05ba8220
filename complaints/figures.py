"""The complaint statistics' summary (`MonthlyFigure`): what each complaint adds, and keeping it
in step with the complaints.

Each complaint adds its measures (received, closed, decided, breached, handling days,
satisfaction) to five rows: (month of receipt, dimension, key) for channel, business category,
cause, branch and product. Writes apply the difference between a complaint's contribution
before and after, by adding to the stored counters (``SET n = n + d.n``) inside the write's
transaction: concurrent writers only queue on the row locks and never lose an update, and a
rolled-back write rolls its figures back with it.

Who calls it: `Complaint.save` / `delete` and the complaint queryset's `update`, `bulk_update`,
`bulk_create` and `delete` — so the services, the sweep's breach UPDATE, factories and bulk
loads all keep it right. Raw SQL does not: `rebuild()` (command `rebuild_complaint_figures`)
recomputes the table set-based from the complaints.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Count, Q, Sum

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

# The complaint attributes a contribution depends on.
ROW = (
    "received_month",
    *(attr for _dim, attr in DIMENSIONS),
    "state",
    "decided_at",
    "breached",
    "handling_days",
    "satisfaction",
)

# Field names (as passed to save(update_fields=...), update(), bulk_update()) that change it.
FIELDS = frozenset({*ROW, "received_at", *(attr.removesuffix("_id") for _dim, attr in DIMENSIONS)})

FINAL = ("closed", "withdrawn")
CHUNK = 5000


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


def _measures(state, decided_at, breached, handling_days, satisfaction) -> tuple[int, ...]:
    rated = satisfaction is not None and satisfaction >= 1
    return (
        1,
        int(state in FINAL),
        int(decided_at is not None),
        int(bool(breached)),
        handling_days or 0,
        int(handling_days is not None),
        satisfaction if rated else 0,
        int(rated),
        int(rated and satisfaction >= 4),
    )


def row_of(c) -> tuple | None:
    """The values a contribution depends on, or None if some were not loaded (deferred)."""
    values = c.__dict__
    if any(attr not in values for attr in ROW):
        return None
    return tuple(values[attr] for attr in ROW)


def of_rows(rows) -> dict:
    """Contribution of complaint objects or `row_of` tuples: {(month, dimension, key): [..]}."""
    out: dict = {}
    for r in rows:
        if not isinstance(r, tuple):
            r = row_of(r)
        month, keys, outcome = r[0], r[1:6], r[6:]
        measures = _measures(*outcome)
        for (dim, _attr), key in zip(DIMENSIONS, keys, strict=True):
            target = out.setdefault((month, dim, key or 0), [0] * len(MEASURES))
            for i, v in enumerate(measures):
                target[i] += v
    return out


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


def negate(figures: dict) -> dict:
    return difference({}, figures)


def apply(delta: dict) -> None:
    """Add `delta` to the stored figures, 400 rows a time: make sure the rows exist (zeros),
    then add to them in one UPDATE, whose result the check constraints then judge (a delta is
    not a valid row itself: n 0, breaches +1). Keys sorted, so writers lock shared rows in the
    same order (no deadlock)."""
    from .models import MonthlyFigure

    rows = sorted((k, v) for k, v in delta.items() if any(v))
    if not rows:
        return
    q = connection.ops.quote_name
    table = q(MonthlyFigure._meta.db_table)
    keys = ("month", "dimension", "key")
    sets = ", ".join(f"{q(m)} = {table}.{q(m)} + d.column{i}" for i, m in enumerate(MEASURES, 4))
    match = " AND ".join(f"{table}.{q(k)} = d.column{i}" for i, k in enumerate(keys, 1))
    columns = ", ".join(q(c) for c in (*keys, *MEASURES))
    conflict = ", ".join(q(k) for k in keys)
    zeros = ", 0" * len(MEASURES)
    one = "(" + ", ".join(["%s"] * (len(keys) + len(MEASURES))) + ")"
    with connection.cursor() as cur:
        for start in range(0, len(rows), 400):
            part = rows[start : start + 400]
            ensure = ", ".join([f"(%s, %s, %s{zeros})"] * len(part))
            values = ", ".join([one] * len(part))
            cur.execute(
                f"INSERT INTO {table} ({columns}) VALUES {ensure} ON CONFLICT ({conflict}) DO NOTHING",  # noqa: S608 (model table and column names; values bound)
                [x for k, _v in part for x in k],
            )
            cur.execute(
                f"UPDATE {table} SET {sets} FROM (VALUES {values}) AS d WHERE {match}",  # noqa: S608 (model table and column names; values bound)
                [x for k, v in part for x in (*k, *v)],
            )


def chunks(qs):
    """The complaints of `qs`, row-locked, as querysets of at most CHUNK primary keys: a bulk
    write then changes exactly the rows whose figures were read."""
    from .models import Complaint

    pks = list(qs.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), CHUNK):
        yield Complaint.objects.filter(pk__in=pks[start : start + CHUNK])


def rebuild(Complaint=None, MonthlyFigure=None) -> int:  # noqa: N803 (models, as in migrations)
    """Recompute every figure from the complaints (set-based); returns the rows written. The
    models may be passed in (the migration that creates the table backfills it with this)."""
    if Complaint is None or MonthlyFigure is None:
        from .models import Complaint, MonthlyFigure

    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Writers wait until the new figures are committed, so none is lost or doubled.
            with connection.cursor() as cur:
                cur.execute(f"LOCK TABLE {MonthlyFigure._meta.db_table} IN EXCLUSIVE MODE")
        MonthlyFigure.objects.all().delete()
        figures = of_queryset(Complaint.objects.all())
        MonthlyFigure.objects.bulk_create(
            [
                MonthlyFigure(
                    month=month, dimension=dim, key=key, **dict(zip(MEASURES, v, strict=True))
                )
                for (month, dim, key), v in sorted(figures.items())
            ],
            batch_size=2000,
        )
    return len(figures)


def lock(qs):
    """Row-lock the (few) complaints of `qs`; returns a queryset of exactly those rows."""
    from .models import Complaint

    pks = list(qs.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))
    return Complaint.objects.filter(pk__in=pks)


def stored() -> dict:
    from .models import MonthlyFigure

    return {
        (month, dim, key): list(values)
        for month, dim, key, *values in MonthlyFigure.objects.values_list(
            "month", "dimension", "key", *MEASURES
        )
    }


def drift() -> dict:
    """Stored minus computed-from-the-complaints, non-zero entries only (empty: in step)."""
    from .models import Complaint

    diff = difference(stored(), of_queryset(Complaint.objects.all()))
    return {k: v for k, v in diff.items() if any(v)}
