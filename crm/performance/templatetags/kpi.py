from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.translation import pgettext

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


@register.simple_tag
def kpi_cell(fig):
    """One dashboard cell (a <td>): the figure, and the target with attainment when set.
    Python rather than an {% include %} per cell: a branch of 100 RMs has hundreds of cells."""
    state = {True: (" kpi-met", " text-success"), False: (" kpi-missed", " text-danger")}
    cell_class, value_class = state.get(fig.met, ("", ""))
    target = ""
    if fig.target is not None:
        target = format_html(
            '<br><small class="text-muted">{} {} · {}</small>',
            pgettext("kpi", "target"),
            kpi_value(fig.target, fig.metric),
            percent(fig.attainment),
        )
    return format_html(
        '<td class="text-end{}" data-metric="{}"><span class="fw-semibold kpi-actual{}">{}</span>'
        "{}</td>",
        cell_class,
        fig.metric.key,
        value_class,
        kpi_value(fig.actual, fig.metric),
        target,
    )
