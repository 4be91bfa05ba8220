"""ECharts options (plain JSON) for the dashboard and the drill-down."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext


def _float(value):
    return None if value is None else float(value)


def dashboard_charts(data) -> list[dict]:
    """One bar chart per metric: each staff member's figure against their target."""
    names = [str(r.user) for r in data.rows]
    out = []
    for index, metric in enumerate(data.metrics):
        actual = [_float(r.figures[index].actual) for r in data.rows]
        target = [_float(r.figures[index].target) for r in data.rows]
        option = {
            "tooltip": {"trigger": "axis"},
            "legend": {"data": [_("Actual"), pgettext("kpi", "Target")]},
            "grid": {"left": 70, "right": 20, "top": 40, "bottom": 60},
            "xAxis": {"type": "category", "data": names, "axisLabel": {"rotate": 30}},
            "yAxis": {"type": "value", "name": str(metric.unit or "")},
            "series": [
                {"name": _("Actual"), "type": "bar", "data": actual},
                {
                    "name": pgettext("kpi", "Target"),
                    "type": "line",
                    "data": target,
                    "symbol": "diamond",
                    "symbolSize": 10,
                    "lineStyle": {"opacity": 0},
                },
            ],
        }
        out.append({"id": f"chart-{metric.key}", "title": str(metric.label), "option": option})
    return out


def trend_charts(row, trend) -> list[dict]:
    """One line chart per metric: the staff member's figure month by month."""
    out = []
    for fig in row.figures:
        series = trend.get(fig.metric.key, [])
        option = {
            "tooltip": {"trigger": "axis"},
            "grid": {"left": 70, "right": 20, "top": 30, "bottom": 30},
            "xAxis": {"type": "category", "data": [f"{m:%Y-%m}" for m, _v in series]},
            "yAxis": {"type": "value", "name": str(fig.metric.unit or "")},
            "series": [
                {
                    "name": str(fig.metric.label),
                    # Monthly amounts and counts as bars; rates and scores as a line.
                    "type": "line" if fig.metric.aggregate == "mean" else "bar",
                    "data": [_float(v) for _m, v in series],
                }
            ],
        }
        out.append(
            {"id": f"trend-{fig.metric.key}", "title": str(fig.metric.label), "option": option}
        )
    return out
