"""ECharts options for the complaint statistics page (fed as JSON, drawn by static/js).

Two things a first look caught: the category names on the bars' y-axis were cut off by a fixed
left margin, and a month without complaints vanished from the month axis (and ECharts skipped
every other month label when they were crowded). So the grids size themselves to their labels
(`containLabel`), long names are truncated with the full name in the tooltip, and the month axis
lists every month of the period with every label shown.
"""

import datetime

from django.utils.translation import gettext as _

# Width (px) a category name may take before it is truncated with an ellipsis.
CATEGORY_LABEL_WIDTH = 130


def bar(title, rows, value="n") -> dict:
    return {
        "title": {"text": title, "textStyle": {"fontSize": 13}},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 10, "right": 20, "top": 35, "bottom": 10, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {
            "type": "category",
            "inverse": True,
            "data": [r["label"] for r in rows],
            "axisLabel": {"interval": 0, "width": CATEGORY_LABEL_WIDTH, "overflow": "truncate"},
        },
        "series": [{"type": "bar", "data": [r[value] for r in rows]}],
    }


def months_of(start: datetime.date, end: datetime.date) -> list[str]:
    """ "YYYY-MM" for every month that [start, end] touches, in order."""
    month, last, out = start.replace(day=1), end.replace(day=1), []
    while month <= last:
        out.append(f"{month:%Y-%m}")
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return out


def months_chart(rows, start: datetime.date, end: datetime.date) -> dict:
    """Complaints received and breach rate per month; a month without complaints is a zero."""
    by_month = {r["code"]: r for r in rows}
    months = months_of(start, end)
    received = [by_month[m]["n"] if m in by_month else 0 for m in months]
    breach = [round(by_month[m]["breach_rate"], 1) if m in by_month else 0 for m in months]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [_("Received"), _("Breach rate %")]},
        "grid": {"left": 10, "right": 10, "top": 50, "bottom": 10, "containLabel": True},
        "xAxis": {
            "type": "category",
            "data": months,
            # Every month labelled; slanted when a year's worth would overlap.
            "axisLabel": {"interval": 0, "rotate": 45 if len(months) > 6 else 0},
        },
        "yAxis": [
            {"type": "value", "name": _("Received"), "minInterval": 1},
            {"type": "value", "name": "%", "max": 100},
        ],
        "series": [
            {"name": _("Received"), "type": "bar", "data": received},
            {"name": _("Breach rate %"), "type": "line", "yAxisIndex": 1, "data": breach},
        ],
    }
