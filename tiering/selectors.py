"""Tiering reads, scoped to the user's book (DESIGN §3, §6). Reports aggregate in the database."""

from __future__ import annotations

from django.db.models import Count, F, Q, Sum

from crm.accounts.access import Scope, book_filter, scope_of
from customers.records.access import access_customer, book_q

from . import calculation
from .labels import SEGMENT_LABELS
from .models import TierAssignment, TierOverride, TierPolicy, TierRun, TierRunCell

CLASSES = ("A", "B", "C")
SEGMENTS = ("large", "medium", "small", "institution")
HISTORY = 12


def policies():
    return TierPolicy.objects.select_related("created_by", "published_by").order_by("-version")


def live_runs():
    return TierRun.objects.filter(kind=TierRun.Kind.LIVE).select_related("policy")


def latest_live_run() -> TierRun | None:
    return live_runs().filter(status=TierRun.Status.APPLIED).order_by("-as_of", "-pk").first()


def published_policy() -> TierPolicy | None:
    return TierPolicy.objects.filter(status=TierPolicy.Status.PUBLISHED).first()


def latest_what_if(policy: TierPolicy) -> TierRun | None:
    return (
        TierRun.objects.filter(kind=TierRun.Kind.WHAT_IF, policy=policy)
        .order_by("-started_at")
        .first()
    )


def panel(user, pk) -> dict:
    """Everything the 360 panel shows, in four queries: the customer (scoped, 404 outside the
    book), the assignment history with runs and policies, the latest overrides and, among them,
    the open one (in force or waiting for a decision)."""
    customer = access_customer(user, pk)
    history = list(
        TierAssignment.objects.filter(customer=customer, run__kind=TierRun.Kind.LIVE)
        .select_related("run__policy", "override")
        .order_by("-run__as_of", "-run_id")[:HISTORY]
    )
    overrides = list(
        TierOverride.objects.filter(customer=customer)
        .select_related("proposed_by", "decided_by", "approval")
        .order_by("-created_at")[:5]
    )
    return {
        "customer": customer,
        "history": history,
        "overrides": overrides,
        "open_override": next((o for o in overrides if o.is_open), None),
    }


# ---- reports (all aggregation in SQL, scoped by the user's book) ----------------------------


def _rows(user, run: TierRun):
    return TierAssignment.objects.filter(run=run).filter(book_q(user, "customer__"))


def _source(user, run: TierRun):
    """(queryset, count, positive sum, sum) for reports. Team leads, branch heads and
    institution-wide roles read the run's cells (a few thousand rows whatever the number of
    customers); an RM's own book (owned or co-served) is read from the assignments."""
    if scope_of(user) >= Scope.TEAM:
        cells = TierRunCell.objects.filter(run=run).filter(book_filter(user))
        return cells, Sum("customers"), Sum("positive_contribution"), Sum("contribution")
    return (
        _rows(user, run),
        Count("pk"),
        Sum("contribution", filter=Q(contribution__gt=0)),
        Sum("contribution"),
    )


def class_distribution(user, run: TierRun, to: str = "applied_class") -> list[dict]:
    """Per class: customers, contribution and share of the positive contribution."""
    qs, n, positive, _total = _source(user, run)
    rows = qs.values(to).annotate(customers=n, contribution=positive).order_by(to)
    by_class = {r[to]: {**r, "contribution": r["contribution"] or 0} for r in rows}
    total = sum((r["contribution"] for r in by_class.values()), 0) or 0
    out = []
    for cls in CLASSES:
        r = by_class.get(cls, {"customers": 0, "contribution": 0})
        out.append(
            {
                "class": cls,
                "customers": r["customers"] or 0,
                "contribution": r["contribution"],
                "share": (r["contribution"] / total) if total else 0,
            }
        )
    return out


def movement(user, run: TierRun, to: str = "applied_class") -> dict[tuple[str, str], int]:
    """(from, to) → customers; "from" is the class before the run ("" for new customers), "to"
    the applied class (or `to="computed_class"`: the rules' class before grace and overrides)."""
    qs, n, _positive, _total = _source(user, run)
    rows = qs.values("previous_class", to).annotate(n=n).order_by()
    return {(r["previous_class"], r[to]): r["n"] for r in rows}


def movement_all(run: TierRun) -> dict[tuple[str, str], int]:
    """Unscoped movement for operators (the command's dry run)."""
    rows = (
        TierRunCell.objects.filter(run=run)
        .values("previous_class", "applied_class")
        .annotate(n=Sum("customers"))
        .order_by()
    )
    return {(r["previous_class"], r["applied_class"]): r["n"] for r in rows}


def segment_matrix(user, run: TierRun, to: str = "applied_class") -> dict[tuple[str, str], dict]:
    """(capital segment, class) → customers and average contribution."""
    qs, n, _positive, total = _source(user, run)
    rows = qs.values("capital_segment", to).annotate(n=n, total=total).order_by()
    return {
        (r["capital_segment"], r[to]): {
            "n": r["n"] or 0,
            "avg": (r["total"] or 0) / r["n"] if r["n"] else 0,
            "total": r["total"] or 0,
        }
        for r in rows
    }


def sample_movers(user, run: TierRun, limit: int = 20, to: str = "applied_class"):
    """Customers whose class changes in `run` (what-if or live), highest contribution first."""
    return (
        _rows(user, run)
        .exclude(**{to: F("previous_class")})
        .select_related("customer")
        .order_by("rank")[:limit]
    )


def run_history(limit: int = 12):
    return list(live_runs().filter(status=TierRun.Status.APPLIED).order_by("-as_of")[:limit])


def tier_moves(users, start, end):
    """Assignments of the users' customers whose class changed in live runs dated within
    [start, end] (the tier-moves metric, whole period or per month)."""
    return (
        TierAssignment.objects.filter(
            run__kind=TierRun.Kind.LIVE,
            run__status=TierRun.Status.APPLIED,
            run__as_of__gte=start,
            run__as_of__lte=end,
            customer__owner__in=users,
        )
        .exclude(previous_class="")
        .exclude(applied_class=F("previous_class"))
    )


def tier_moves_by_owner(users, start, end) -> dict[int, int]:
    """Metric: tier moves per owning RM (one grouped query)."""
    rows = (
        tier_moves(users, start, end)
        .values("customer__owner_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {r["customer__owner_id"]: r["n"] for r in rows}


def report(user, run: TierRun, to: str = "applied_class") -> dict:
    """A report's tables for the user's book: class distribution, the movement matrix (rows:
    the classes customers came from) and the segment × class matrix."""
    distribution = class_distribution(user, run, to)
    moves = movement(user, run, to)
    cells = segment_matrix(user, run, to)
    froms = [c for c in ("A", "B", "C", "") if any(k[0] == c for k in moves)]
    movement_rows = [
        {"from": f or "—", "cells": [moves.get((f, t), 0) for t in CLASSES]} for f in froms
    ]
    segment_rows = [
        {
            "segment": str(SEGMENT_LABELS[s]),
            "cells": [cells.get((s, c), {"n": 0, "avg": 0, "total": 0}) for c in CLASSES],
        }
        for s in SEGMENTS
    ]
    return {
        "distribution": distribution,
        "movement_rows": movement_rows,
        "segment_rows": segment_rows,
    }


def monthly_contributions(aggregates) -> list | None:
    """Each monthly aggregate's contribution under the published policy, in the order given
    (the customer 360 chart, through crm.ui.registry), or None when no policy is published.
    The formula is the calculation's own SQL, so the chart and the class explanation agree."""
    policy = published_policy()
    if policy is None:
        return None
    by_id = calculation.contributions_of(policy, [a.pk for a in aggregates])
    return [by_id.get(a.pk, 0) for a in aggregates]
