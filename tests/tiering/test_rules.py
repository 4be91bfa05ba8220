from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from tiering.rules import (
    apply_grace,
    bank_contribution,
    brokerage_contribution,
    capital_segment,
    pareto_classes,
    vip_level,
)


def test_brokerage_formula_from_001():
    # 1,000,000 margin × 2 % spread × 0.5 year + 0.03 % × 20,000,000 volume − 1,500 rebate
    value = brokerage_contribution(
        D("1000000"), D("0.02"), D("0.5"), D("0.0003"), D("20000000"), D("1500")
    )
    assert value == D("10000") + D("6000") - D("1500")


def test_brokerage_formula_can_be_negative_with_large_rebates():
    assert brokerage_contribution(D(0), D("0.02"), D(1), D("0.0003"), D(1000), D(10)) == D("-9.7")


def test_bank_formula():
    assert bank_contribution(D("120.50"), D("30")) == D("150.50")


def test_crossing_customer_is_in_the_higher_class():
    # total 100: x reaches 50, y crosses 80 (50 → 85) and is A; z crosses 95 (85 → 97) and is B
    classes = pareto_classes({"x": D(50), "y": D(35), "z": D(12), "w": D(3)})
    assert classes == {"x": "A", "y": "A", "z": "B", "w": "C"}


def test_exactly_reaching_the_line_closes_the_class():
    # x alone is exactly 80 %: A is complete; y reaches exactly 95 %: B is complete
    classes = pareto_classes({"x": D(80), "y": D(15), "z": D(5)})
    assert classes == {"x": "A", "y": "B", "z": "C"}


def test_ties_are_broken_by_key_ascending():
    values = {"c2": D(10), "c1": D(10), "c3": D(10), "c4": D(10), "c5": D(10)}
    classes = pareto_classes(values)
    # 5 × 20 %: c1..c4 reach 80 % (c4 crosses), c5 is B (crosses 95 %)
    assert classes == {"c1": "A", "c2": "A", "c3": "A", "c4": "A", "c5": "B"}
    reordered = pareto_classes(dict(reversed(list(values.items()))))
    assert reordered == classes


def test_all_equal_twenty_customers():
    classes = pareto_classes({f"k{i:02d}": D(1) for i in range(20)})
    assert [classes[f"k{i:02d}"] for i in range(20)] == ["A"] * 16 + ["B"] * 3 + ["C"]


def test_single_customer_is_a():
    assert pareto_classes({"only": D("0.01")}) == {"only": "A"}


def test_zero_and_negative_contributions_are_c():
    classes = pareto_classes({"a": D(100), "b": D(0), "c": D(-50)})
    assert classes == {"a": "A", "b": "C", "c": "C"}
    assert pareto_classes({"b": D(0), "c": D(-1)}) == {"b": "C", "c": "C"}


def test_empty():
    assert pareto_classes({}) == {}


def test_other_shares():
    classes = pareto_classes({"x": D(60), "y": D(30), "z": D(10)}, D("0.5"), D("0.95"))
    assert classes == {"x": "A", "y": "B", "z": "B"}
    # when A already passes the B line, the next customer is C
    classes = pareto_classes({"x": D(60), "y": D(30), "z": D(10)}, D("0.5"), D("0.6"))
    assert classes == {"x": "A", "y": "C", "z": "C"}


amounts = st.dictionaries(
    st.text(alphabet="abcdef", min_size=1, max_size=4),
    st.decimals(min_value=-1000, max_value=100000, places=2, allow_nan=False),
    max_size=40,
)


@given(amounts)
def test_a_is_the_smallest_top_set_reaching_80_percent(values):
    classes = pareto_classes(values)
    total = sum(v for v in values.values() if v > 0)
    ordered = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
    a = [v for k, v in ordered if classes[k] == "A"]
    ab = [v for k, v in ordered if classes[k] in "AB"]
    assert all(v > 0 for v in ab)
    assert all(classes[k] == "C" for k, v in values.items() if v <= 0)
    # classes never improve further down the order
    seen = [classes[k] for k, _ in ordered]
    assert seen == sorted(seen)
    if total > 0:
        assert sum(a) >= D("0.80") * total
        assert sum(a[:-1]) < D("0.80") * total  # without the crossing one it is not reached
        assert sum(ab) >= D("0.95") * total


def test_vip_ladder_defaults():
    ladder = {
        "gold": D(50_000),
        "platinum": D(500_000),
        "diamond": D(2_000_000),
        "private": D(6_000_000),
    }
    assert vip_level(D("49999.99"), ladder) == "ordinary"
    assert vip_level(D(50_000), ladder) == "gold"
    assert vip_level(D(500_000), ladder) == "platinum"
    assert vip_level(D(2_000_000), ladder) == "diamond"
    assert vip_level(D(6_000_000), ladder) == "private"
    assert vip_level(D(6_000_000), ladder, trades=2, min_trades=3) == "ordinary"
    assert vip_level(D(6_000_000), ladder, contribution=D(5), min_contribution=D(10)) == "ordinary"


def test_capital_segment_uses_400k():
    kw = {"medium_min": D(400_000), "large_min": D(2_000_000)}
    assert capital_segment(D("399999.99"), is_institution=False, **kw) == "small"
    assert capital_segment(D(400_000), is_institution=False, **kw) == "medium"
    assert capital_segment(D(2_000_000), is_institution=False, **kw) == "large"
    assert capital_segment(D(1), is_institution=True, **kw) == "institution"


def test_grace_upgrades_at_once_and_downgrades_after_three_runs():
    assert apply_grace("C", "A", streak=0, pending=None, grace=3) == ("A", 0, None)
    state = ("A", 0, None)
    got = []
    for computed in ["B", "C", "C"]:
        state = apply_grace(state[0], computed, streak=state[1], pending=state[2], grace=3)
        got.append(state[0])
    # held at A twice; after 3 lower runs moves to the best class held throughout (B)
    assert got == ["A", "A", "B"]


def test_grace_streak_resets_when_class_recovers():
    state = apply_grace("A", "B", streak=0, pending=None, grace=3)
    state = apply_grace(state[0], "B", streak=state[1], pending=state[2], grace=3)
    state = apply_grace(state[0], "A", streak=state[1], pending=state[2], grace=3)
    assert state == ("A", 0, None)
    state = apply_grace(state[0], "B", streak=state[1], pending=state[2], grace=3)
    assert state == ("A", 1, "B")
