"""How the dashboard shows figures: money in 万/亿, rates with %, counts as integers."""

from decimal import Decimal

import pytest
from django.utils import translation

from crm.performance.selectors import Figure, combine
from crm.performance.templatetags.kpi import kpi_cell, kpi_value
from crm.ui.registry import Metric


def _m(unit="", aggregate="sum", higher_is_better=True):
    return Metric(
        "k", "K", lambda *a: {}, unit=unit, aggregate=aggregate, higher_is_better=higher_is_better
    )


@pytest.mark.parametrize(
    "value, unit, shown",
    [
        (Decimal("1234567.80"), "CNY", "123.46万"),
        (12, "", "12"),
        (Decimal("12.50"), "", "12.50"),
        (Decimal("87.5"), "%", "87.50%"),
        (None, "", "—"),
    ],
)
def test_kpi_value(value, unit, shown):
    with translation.override("zh-hans"):
        assert kpi_value(value, _m(unit)) == shown


def test_combine_sums_counts_and_averages_rates():
    assert combine(_m(), [1, 2, None, 4]) == 7
    assert combine(_m(aggregate="mean"), [Decimal(80), None, Decimal(91)]) == Decimal("85.50")
    assert combine(_m(aggregate="mean"), [None]) is None


def test_attainment_for_lower_is_better_metrics():
    fewer = _m(higher_is_better=False)
    assert Figure(fewer, actual=2, target=4).attainment == Decimal("200.0")
    assert Figure(fewer, actual=2, target=4).met is True
    assert Figure(fewer, actual=5, target=4).met is False
    assert Figure(_m(), actual=5, target=0).attainment is None


def test_cell_escapes_and_marks_state():
    html = kpi_cell(Figure(_m(), actual=3, target=Decimal(2)))
    assert 'class="text-end kpi-met"' in html and "150.0%" in html
    assert "kpi-missed" in kpi_cell(Figure(_m(), actual=1, target=Decimal(2)))
    assert "<br>" not in kpi_cell(Figure(_m(), actual=1, target=None))
