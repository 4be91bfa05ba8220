"""The statistics charts show every month of the period and leave room for their labels
(issue 20 item 7: y-axis names were clipped and a month without complaints was missing)."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints import charts

from .factories import make_complaint, received


def test_month_axis_lists_every_month_with_zeros_for_quiet_ones():
    rows = [
        {"code": "2026-01", "n": 4, "breach_rate": 25.0},
        {"code": "2026-03", "n": 2, "breach_rate": 0.0},
    ]
    option = charts.months_chart(rows, datetime.date(2026, 1, 1), datetime.date(2026, 4, 15))
    assert option["xAxis"]["data"] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert option["series"][0]["data"] == [4, 0, 2, 0]
    assert option["series"][1]["data"] == [25.0, 0, 0.0, 0]
    assert option["xAxis"]["axisLabel"]["interval"] == 0  # ECharts would skip crowded labels


def test_a_year_across_new_year_has_twelve_months():
    months = charts.months_of(datetime.date(2025, 12, 1), datetime.date(2026, 11, 30))
    assert len(months) == 12
    assert months[0] == "2025-12"
    assert months[-1] == "2026-11"


def test_axes_size_themselves_to_their_labels():
    rows = [{"label": "个人贷款业务" * 3, "n": 3}]
    option = charts.bar("按业务类别", rows)
    assert option["grid"]["containLabel"] is True
    assert option["yAxis"]["axisLabel"] == {
        "interval": 0,
        "width": charts.CATEGORY_LABEL_WIDTH,
        "overflow": "truncate",
    }
    months = charts.months_chart([], datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    assert months["grid"]["containLabel"] is True


@pytest.mark.django_db
def test_statistics_page_month_chart_covers_the_default_period(client, officer, rm):
    today = timezone.localdate()
    make_complaint(rm, received_at=received(today - datetime.timedelta(days=1)))
    client.force_login(officer)
    body = client.get(reverse("complaints:statistics-detail")).content.decode()
    source = body.split('id="chart-months" type="application/json">', 1)[1].split("</script>")[0]
    months = json.loads(source)["xAxis"]["data"]
    assert len(months) == 12
    assert months[-1] == f"{today:%Y-%m}"
