"""The set-based classification (DESIGN §5.3, §7): one INSERT … SELECT with window functions.

Contribution per customer over the policy window comes from `customers_monthlyaggregate`
(SUM … GROUP BY), is rounded to cents and ranked with ROW_NUMBER()/SUM() OVER (ORDER BY
contribution DESC, number ASC). Class boundaries are compared in integer cents and basis points
(`before × 10000 < share_bp × total`), so PostgreSQL and SQLite (≥ 3.25, window functions) give
the same answer as `rules.pareto_classes` on the stored contributions. Grace and overrides are
joined in the same statement from the previous run and the approved overrides. Nothing is
loaded into Python per customer.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Count, F, Q, Sum

from crm.core import planner

from .models import WEIGHT_FIELDS, TierAssignment, TierOverride, TierPolicy, TierRun, TierRunCell


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def window(policy: TierPolicy, as_of: datetime.date) -> tuple[datetime.date, datetime.date]:
    """[first month, end) of the window: the `window_months` months up to and including the
    month of `as_of`."""
    end = add_months(month_start(as_of), 1)
    return add_months(end, -policy.window_months), end


def _num(value):
    """Thresholds as parameters: exact Decimals on PostgreSQL; SQLite compares its numeric
    columns as floating point, so give it floats (values here have at most 2 decimals)."""
    if value is None:
        return None
    return Decimal(value) if connection.vendor == "postgresql" else float(value)


def contribution_sql(policy: TierPolicy) -> tuple[str, list]:
    """The per-month contribution expression over aggregate alias `a`, with its parameters."""
    if policy.formula == TierPolicy.Formula.BROKERAGE:
        # margin balance × deposit spread × (1/12 year) + commission rate × volume − rebate
        return (
            "(a.margin_balance * a.deposit_spread / 12.0"
            " + a.commission_rate * a.trade_volume - a.rebate)",
            [],
        )
    if policy.formula == TierPolicy.Formula.BANK:
        return "(a.net_interest_income + a.fee_income)", []
    terms, params = [], []
    for field, weight in sorted((policy.weights or {}).items()):
        if field not in WEIGHT_FIELDS:
            raise ValueError(f"unknown weight field {field!r}")
        terms.append(f"%s * a.{field}")
        params.append(_num(Decimal(str(weight))))
    return ("(" + " + ".join(terms) + ")" if terms else "0"), params


def contributions_of(policy: TierPolicy, aggregate_ids: list[int]) -> dict[int, Decimal]:
    """{monthly aggregate id: that month's contribution under `policy`}: the expression a run
    sums (contribution_sql), evaluated per month for pages that show the months."""
    if not aggregate_ids:
        return {}
    expr, params = contribution_sql(policy)
    marks = ", ".join(["%s"] * len(aggregate_ids))
    sql = f"SELECT a.id, {expr} FROM customers_monthlyaggregate a WHERE a.id IN ({marks})"  # noqa: S608 (formula from code and the WEIGHT_FIELDS whitelist; values bound)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *aggregate_ids])
        return {pk: Decimal(str(value or 0)) for pk, value in cursor.fetchall()}


def previous_live_run(as_of: datetime.date, *, exclude_pk=None) -> TierRun | None:
    qs = TierRun.objects.filter(
        kind=TierRun.Kind.LIVE, status=TierRun.Status.APPLIED, as_of__lt=as_of
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("-as_of", "-pk").first()


def compute(run: TierRun, policy: TierPolicy, previous: TierRun | None) -> int:
    """Insert one assignment per active customer for `run`. Returns the number of rows."""
    sql, params = build_sql(run, policy, previous)
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres and connection.in_atomic_block:
            # One aggregate over the window's rows and one sort of all customers: give them
            # memory instead of spilling to disk (this transaction only). JIT compilation of
            # this statement costs seconds and bought nothing when measured (bench/tiering.py).
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        rows = cursor.rowcount
    # The statistics still describe the table before this run's rows: refresh them (whatever
    # the count) so the cells, summary and customer update that follow join the run's rows by
    # hash/merge in customer order, not by one index probe per row.
    planner.analyze(TierAssignment)
    return rows


def build_sql(run: TierRun, policy: TierPolicy, previous: TierRun | None) -> tuple[str, list]:
    """The INSERT … SELECT for `run` and its parameters."""
    start, end = window(policy, run.as_of)
    expr, expr_params = contribution_sql(policy)
    a_bp = int(policy.a_share * 10000)
    b_bp = int(policy.b_share * 10000)
    vip_checks, vip_params = [], []
    if policy.vip_min_trades is not None:
        vip_checks.append("r.trades >= %s")
        vip_params.append(policy.vip_min_trades)
    if policy.vip_min_contribution is not None:
        vip_checks.append("r.cents >= %s")
        vip_params.append(int(policy.vip_min_contribution * 100))
    vip_gate = " AND ".join(vip_checks) or "1 = 1"
    t_assign = TierAssignment._meta.db_table
    t_override = TierOverride._meta.db_table
    # Identifiers and the formula come from code and the WEIGHT_FIELDS whitelist; every value
    # is a parameter.
    sql = f"""
WITH per_customer AS (
    SELECT a.customer_id AS customer_id,
           CAST(ROUND(SUM({expr}) * 100) AS BIGINT) AS cents,
           SUM(a.trade_count) AS trades
    FROM customers_monthlyaggregate a
    WHERE a.month >= %s AND a.month < %s
    GROUP BY a.customer_id
),
sums AS (
    SELECT c.id AS customer_id, c.number AS number, c.aum AS aum, c.kind AS kind,
           c.tier AS current_tier,
           COALESCE(x.cents, 0) AS cents,
           COALESCE(x.trades, 0) AS trades
    FROM customers_customer c
    LEFT JOIN per_customer x ON x.customer_id = c.id
    WHERE c.is_active
),
ranked AS (
    -- One window (one sort, one pass) for the rank and the running sum; "before" is the
    -- running sum up to this row minus this row's own positive part.
    SELECT s.*,
           ROW_NUMBER() OVER w AS rnk,
           SUM(s.positive) OVER w - s.positive AS before_cents,
           SUM(s.positive) OVER () AS total_cents
    FROM (SELECT u.*, CASE WHEN u.cents > 0 THEN u.cents ELSE 0 END AS positive
          FROM sums u) s
    WINDOW w AS (ORDER BY s.cents DESC, s.number ASC ROWS UNBOUNDED PRECEDING)
),
classed AS (
    SELECT r.*,
           CASE WHEN r.cents <= 0 THEN 'C'
                WHEN r.before_cents * 10000 < %s * r.total_cents THEN 'A'
                WHEN r.before_cents * 10000 < %s * r.total_cents THEN 'B'
                ELSE 'C' END AS computed,
           CASE WHEN {vip_gate} THEN
                CASE WHEN r.aum >= %s THEN 'private'
                     WHEN r.aum >= %s THEN 'diamond'
                     WHEN r.aum >= %s THEN 'platinum'
                     WHEN r.aum >= %s THEN 'gold'
                     ELSE 'ordinary' END
                ELSE 'ordinary' END AS vip,
           CASE WHEN r.kind = 'institution' THEN 'institution'
                WHEN r.aum >= %s THEN 'large'
                WHEN r.aum >= %s THEN 'medium'
                ELSE 'small' END AS segment
    FROM ranked r
),
graced AS (
    SELECT k.*,
           p.applied_class AS prev_applied,
           COALESCE(p.base_class, NULLIF(k.current_tier, '')) AS prev_base,
           COALESCE(p.below_streak, 0) AS prev_streak,
           COALESCE(p.pending_class, '') AS prev_pending
    FROM classed k
    LEFT JOIN {t_assign} p ON p.run_id = %s AND p.customer_id = k.customer_id
),
stepped AS (
    SELECT g.*,
           CASE WHEN g.prev_base IS NOT NULL AND g.computed > g.prev_base
                THEN g.prev_streak + 1 ELSE 0 END AS streak,
           CASE WHEN g.prev_base IS NULL OR g.computed <= g.prev_base THEN ''
                WHEN g.prev_streak > 0 AND g.prev_pending <> '' AND g.prev_pending < g.computed
                THEN g.prev_pending
                ELSE g.computed END AS pending
    FROM graced g
),
based AS (
    SELECT t.*,
           CASE WHEN t.streak = 0 THEN t.computed
                WHEN t.streak >= %s THEN t.pending
                ELSE t.prev_base END AS base
    FROM stepped t
)
INSERT INTO {t_assign}
    (run_id, customer_id, policy_version, contribution, aum, trades, rank, cumulative_before,
     cumulative_share, computed_class, previous_class, base_class, applied_class, below_streak,
     pending_class, computed_vip, vip_level, capital_segment, override_id)
SELECT %s, b.customer_id, %s, b.cents * 0.01, b.aum, b.trades, b.rnk, b.before_cents * 0.01,
       CASE WHEN b.total_cents > 0
            THEN CAST(b.before_cents + CASE WHEN b.cents > 0 THEN b.cents ELSE 0 END
                      AS DOUBLE PRECISION) / b.total_cents
            ELSE 0 END,
       b.computed,
       CASE WHEN b.current_tier <> '' THEN b.current_tier
            ELSE COALESCE(b.prev_applied, '') END,
       b.base,
       COALESCE(o.tier, b.base),
       CASE WHEN b.streak >= %s THEN 0 ELSE b.streak END,
       CASE WHEN b.streak >= %s OR b.streak = 0 THEN '' ELSE b.pending END,
       b.vip,
       CASE WHEN o.id IS NOT NULL AND o.vip_level <> '' THEN o.vip_level ELSE b.vip END,
       b.segment,
       o.id
FROM based b
LEFT JOIN {t_override} o
       ON o.customer_id = b.customer_id AND o.status = 'approved' AND o.expires_on >= %s
"""  # noqa: S608
    grace = max(policy.downgrade_grace_runs, 1)
    params = [
        *expr_params,
        start,
        end,
        a_bp,
        b_bp,
        *vip_params,
        _num(policy.vip_private),
        _num(policy.vip_diamond),
        _num(policy.vip_platinum),
        _num(policy.vip_gold),
        _num(policy.segment_large_min),
        _num(policy.segment_medium_min),
        previous.pk if previous else 0,
        grace,
        run.pk,
        policy.version,
        grace,
        grace,
        run.as_of,
    ]
    return sql, params


def write_cells(run: TierRun) -> int:
    """The run's report cells: one INSERT … SELECT … GROUP BY over its assignments."""
    cells = TierRunCell._meta.db_table
    assignments = TierAssignment._meta.db_table
    sql = f"""
INSERT INTO {cells} (run_id, owner_id, team_id, branch_id, previous_class, computed_class,
                     applied_class, capital_segment, customers, contribution,
                     positive_contribution)
SELECT a.run_id, c.owner_id, c.team_id, c.branch_id, a.previous_class, a.computed_class,
       a.applied_class, a.capital_segment, COUNT(*), SUM(a.contribution),
       SUM(CASE WHEN a.contribution > 0 THEN a.contribution ELSE 0 END)
FROM {assignments} a JOIN customers_customer c ON c.id = a.customer_id
WHERE a.run_id = %s
GROUP BY a.run_id, c.owner_id, c.team_id, c.branch_id, a.previous_class, a.computed_class,
         a.applied_class, a.capital_segment
"""  # noqa: S608
    TierRunCell.objects.filter(run=run).delete()
    with connection.cursor() as cursor:
        cursor.execute(sql, [run.pk])
        return cursor.rowcount


def summarise(run: TierRun) -> None:
    """Counts on the run row (one aggregate query)."""
    figures = TierAssignment.objects.filter(run=run).aggregate(
        customers=Count("pk"),
        count_a=Count("pk", filter=Q(applied_class="A")),
        count_b=Count("pk", filter=Q(applied_class="B")),
        count_c=Count("pk", filter=Q(applied_class="C")),
        upgrades=Count(
            "pk", filter=Q(previous_class__gt="", applied_class__lt=F("previous_class"))
        ),
        downgrades=Count(
            "pk", filter=Q(previous_class__gt="", applied_class__gt=F("previous_class"))
        ),
        held_by_grace=Count("pk", filter=Q(below_streak__gt=0)),
        overridden=Count("pk", filter=Q(override__isnull=False)),
        total=Sum("contribution", filter=Q(contribution__gt=0)),
    )
    run.total_contribution = figures.pop("total") or 0
    for key, value in figures.items():
        setattr(run, key, value or 0)
