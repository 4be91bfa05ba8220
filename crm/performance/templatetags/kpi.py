from decimal import Decimal
from functools import lru_cache

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, pgettext

from crm.ui.formatting import format_amount

register = template.Library()

MONEY_UNITS = {"CNY", "元", "¥"}


@register.filter
def kpi_value(value, metric):
    """A metric figure for people: money in 万/亿, rates with %, counts as integers."""
    if value is None or value == "":
        return "—"
    unit = str(getattr(metric, "unit", "") or "")
    if unit in MONEY_UNITS:
        return format_amount(value)
    number = Decimal(str(value))
    text = f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.2f}"
    return f"{text}%" if unit == "%" else text


@register.filter
def percent(value):
    return "—" if value is None else f"{value}%"


@lru_cache(maxsize=16)
def _target_word(language) -> str:
    # Once per language rather than once per cell.
    return escape(pgettext("kpi", "target"))


@register.simple_tag
def kpi_cell(fig):
    """One dashboard cell (a <td>): the figure, and the target with attainment when set.
    Python rather than an {% include %} per cell: a branch of 100 RMs has over a thousand
    cells, so plain escaping and concatenation here (format_html per cell was a third of the
    page's time)."""
    state = {True: (" kpi-met", " text-success"), False: (" kpi-missed", " text-danger")}
    cell_class, value_class = state.get(fig.met, ("", ""))
    target = ""
    if fig.target is not None:
        target = (
            f'<br><small class="text-muted">{_target_word(get_language())} '
            f"{escape(kpi_value(fig.target, fig.metric))} · {escape(percent(fig.attainment))}"
            "</small>"
        )
    return mark_safe(  # noqa: S308 — every interpolated value is escaped above or here
        f'<td class="text-end{cell_class}" data-metric="{escape(fig.metric.key)}">'
        f'<span class="fw-semibold kpi-actual{value_class}">'
        f"{escape(kpi_value(fig.actual, fig.metric))}</span>{target}</td>"
    )
