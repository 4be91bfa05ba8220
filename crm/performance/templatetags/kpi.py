from decimal import Decimal

from django import template

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
