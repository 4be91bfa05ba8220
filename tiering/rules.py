"""Pure classification rules (DESIGN §5.3). The database path (tiering.calculation) must agree
with these; tests check it on generated data.

No Django imports: these are plain functions over Decimals.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

K = TypeVar("K")

CENT = Decimal("0.01")
ZERO = Decimal(0)
CLASS_RANK = {"A": 3, "B": 2, "C": 1}


def brokerage_contribution(
    margin_balance: Decimal,
    deposit_spread: Decimal,
    years: Decimal,
    commission_rate: Decimal,
    trade_volume: Decimal,
    rebate: Decimal,
) -> Decimal:
    """Brokerage formula (seeds/001): margin balance × deposit spread × years
    + commission rate × trade volume − commission rebate.

    Trade volume is trade count × average trade amount (the aggregates store the product).
    """
    return (
        Decimal(margin_balance) * Decimal(deposit_spread) * Decimal(years)
        + Decimal(commission_rate) * Decimal(trade_volume)
        - Decimal(rebate)
    )


def bank_contribution(net_interest_income: Decimal, fee_income: Decimal) -> Decimal:
    """Bank formula (DESIGN §5.3): net interest income + fee income."""
    return Decimal(net_interest_income) + Decimal(fee_income)


def monthly_brokerage(row: Mapping[str, Decimal]) -> Decimal:
    """One month's brokerage contribution from a monthly aggregate (time = 1/12 year)."""
    return (
        Decimal(row["margin_balance"]) * Decimal(row["deposit_spread"]) / Decimal(12)
        + Decimal(row["commission_rate"]) * Decimal(row["trade_volume"])
        - Decimal(row["rebate"])
    )


def to_cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def pareto_classes(
    contributions: Mapping[K, Decimal],
    a_share: Decimal = Decimal("0.80"),
    b_share: Decimal = Decimal("0.95"),
) -> dict[K, str]:
    """A/B/C by Pareto on contribution.

    Sorted by contribution descending, ties by key ascending. A is the smallest set of top
    customers whose cumulative share of the total positive contribution reaches `a_share` (the
    customer who crosses the line is A); B the next ones up to `b_share` (the crossing one is B);
    C the rest and everyone with zero or negative contribution.

    Equivalently: a customer with positive contribution is A when the contribution of everyone
    ranked before them is still below a_share × total, B when it is below b_share × total.
    """
    a_share, b_share = Decimal(a_share), Decimal(b_share)
    total = sum((v for v in contributions.values() if v > 0), ZERO)
    ordered = sorted(contributions.items(), key=lambda kv: (-kv[1], kv[0]))
    out: dict[K, str] = {}
    before = ZERO
    for key, value in ordered:
        if value <= 0:
            out[key] = "C"
            continue
        if before < a_share * total:
            out[key] = "A"
        elif before < b_share * total:
            out[key] = "B"
        else:
            out[key] = "C"
        before += value
    return out


def vip_level(
    aum: Decimal,
    ladder: Mapping[str, Decimal],
    *,
    trades: int | None = None,
    contribution: Decimal | None = None,
    min_trades: int | None = None,
    min_contribution: Decimal | None = None,
) -> str:
    """The VIP level for this AUM: the highest rung whose floor AUM reaches. `ladder` maps level
    → floor, e.g. {"gold": 50_000, "platinum": 500_000, ...}. Optional criteria (a minimum
    number of trades, a minimum contribution in the window) must also hold for any level above
    ordinary."""
    if min_trades is not None and (trades or 0) < min_trades:
        return "ordinary"
    if min_contribution is not None and (contribution or ZERO) < min_contribution:
        return "ordinary"
    best, best_floor = "ordinary", None
    for level, floor in ladder.items():
        if Decimal(aum) >= Decimal(floor) and (best_floor is None or floor > best_floor):
            best, best_floor = level, floor
    return best


def capital_segment(
    aum: Decimal, *, is_institution: bool, medium_min: Decimal, large_min: Decimal
) -> str:
    """The capital segment institutions used before value tiering (seeds/001)."""
    if is_institution:
        return "institution"
    if aum >= large_min:
        return "large"
    if aum >= medium_min:
        return "medium"
    return "small"


def apply_grace(
    previous: str | None,
    computed: str,
    *,
    streak: int,
    pending: str | None,
    grace: int,
) -> tuple[str, int, str | None]:
    """Upgrades at once, downgrades after the lower class holds for `grace` consecutive runs.

    `previous` is the class the rules gave last run (None: first run → computed at once);
    `streak` and `pending` the previous run's count of consecutive runs below `previous` and the
    best class held during them. Returns (class, streak, pending) for this run. When the streak
    reaches `grace`, the customer moves to the best class held throughout the streak.
    """
    if previous is None or CLASS_RANK[computed] >= CLASS_RANK[previous]:
        return computed, 0, None
    streak += 1
    if pending is None or CLASS_RANK[computed] > CLASS_RANK[pending]:
        pending = computed
    if streak >= max(grace, 1):
        return pending, 0, None
    return previous, streak, pending
