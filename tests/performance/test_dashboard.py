"""Team dashboard and drill-down: scoping, figures vs targets, totals, query budget, export."""

import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from crm.accounts import roles
from crm.audit.models import AuditEntry
from crm.performance.services import refresh_figures
from crm.ui import registry
from crm.ui.registry import Panel, metrics
from customers.records.models import Customer
from tests.factories import CustomerFactory, MonthlyAggregateFactory, UserFactory

from .factories import CourseFactory, TargetFactory, TrainingRecordFactory

pytestmark = pytest.mark.django_db
URL = reverse("performance:team-dashboard")
Q2 = "?period=2025Q2"


def _new_customers(owner, count):
    for _ in range(count):
        customer = CustomerFactory(owner=owner)
        Customer.objects.filter(pk=customer.pk).update(
            created_at=datetime.datetime(2025, 5, 10, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
        )


@pytest.fixture
def figures(org):
    _new_customers(org.rm_a1, 3)
    _new_customers(org.rm_a2, 1)
    _new_customers(org.rm_b1, 2)
    _new_customers(org.rm_other, 5)
    TargetFactory(user=org.rm_a1, metric_key="new_customers", year=2025, quarter=2, value=2)
    TargetFactory(user=org.rm_a2, metric_key="new_customers", year=2025, quarter=2, value=4)
    TargetFactory(team=org.team_a, metric_key="new_customers", year=2025, quarter=2, value=10)
    # A yearly target must not be mistaken for the quarter's.
    TargetFactory(user=org.rm_b1, metric_key="new_customers", year=2025, quarter=None, value=50)
    refresh_figures(years=[2025])
    return org


def _staff_ids(response):
    return [row.user.pk for row in response.context["data"].rows]


def _figure(row, key):
    return next(f for f in row.figures if f.metric.key == key)


def test_branch_head_sees_the_branch_and_its_sub_branches_only(figures, as_user):
    o = figures
    response = as_user(o.head).get(URL + Q2)
    assert response.status_code == 200
    assert sorted(_staff_ids(response)) == sorted([o.lead.pk, o.rm_a1.pk, o.rm_a2.pk, o.rm_b1.pk])
    data = response.context["data"]
    by_team = {t.team.pk: t for t in data.teams}
    assert set(by_team) == {o.team_a.pk, o.team_b.pk}
    team_a = _figure(by_team[o.team_a.pk], "new_customers")
    assert (team_a.actual, team_a.target, team_a.attainment) == (4, Decimal(10), Decimal("40.0"))
    assert _figure(by_team[o.team_b.pk], "new_customers").actual == 2
    assert _figure(data.total, "new_customers").actual == 6
    assert "陈杰" not in response.content.decode()


def test_figures_against_targets_per_staff_member(figures, as_user):
    o = figures
    response = as_user(o.lead).get(URL + Q2)
    rows = {r.user.pk: r for r in response.context["data"].rows}
    assert set(rows) == {o.lead.pk, o.rm_a1.pk, o.rm_a2.pk}
    a1, a2 = _figure(rows[o.rm_a1.pk], "new_customers"), _figure(rows[o.rm_a2.pk], "new_customers")
    assert (a1.actual, a1.target, a1.attainment, a1.met) == (3, Decimal(2), Decimal("150.0"), True)
    assert (a2.actual, a2.target, a2.attainment, a2.met) == (1, Decimal(4), Decimal("25.0"), False)
    lead_fig = _figure(rows[o.lead.pk], "new_customers")
    assert (lead_fig.actual, lead_fig.target, lead_fig.attainment) == (0, None, None)
    html = response.content.decode()
    assert 'class="text-end kpi-met" data-metric="new_customers"' in html
    assert 'class="text-end kpi-missed" data-metric="new_customers"' in html


def test_yearly_period_uses_yearly_targets(figures, as_user):
    response = as_user(figures.head).get(URL + "?period=2025")
    rows = {r.user.pk: r for r in response.context["data"].rows}
    b1 = _figure(rows[figures.rm_b1.pk], "new_customers")
    assert (b1.actual, b1.target) == (2, Decimal(50))
    assert _figure(rows[figures.rm_a1.pk], "new_customers").target is None


def test_rm_sees_only_themselves_without_team_totals(figures, as_user):
    response = as_user(figures.rm_a1).get(URL + Q2)
    assert _staff_ids(response) == [figures.rm_a1.pk]
    html = response.content.decode()
    assert "grand-total" not in html and "李强" not in html
    assert 'id="export-xlsx"' not in html


def test_users_without_the_permission_are_refused(figures, as_user):
    assert as_user(figures.compliance).get(URL).status_code == 403


def test_bad_period_falls_back_with_a_message(figures, as_user):
    response = as_user(figures.head).get(URL + "?period=2025Q7")
    assert response.status_code == 200
    assert "2025Q7" in response.content.decode()
    assert response.context["period"].quarter is not None


def test_drill_down_inside_scope(figures, as_user):
    o = figures
    url = reverse("performance:staff-detail", args=[o.rm_a1.pk]) + Q2
    response = as_user(o.head).get(url)
    assert response.status_code == 200
    fig = _figure(response.context["row"], "new_customers")
    assert (fig.actual, fig.target) == (3, Decimal(2))
    trend = response.context["trend_charts"]
    new = next(c for c in trend if c["id"] == "trend-new_customers")
    assert new["option"]["xAxis"]["data"] == ["2025-04", "2025-05", "2025-06"]
    assert new["option"]["series"][0]["data"] == [0, 3, 0]


@pytest.mark.parametrize(
    "viewer, target",
    [
        ("head", "rm_other"),  # another branch
        ("lead", "rm_b1"),  # another team
        ("rm_a1", "rm_a2"),  # a colleague
        ("rm_a1", "compliance"),  # not sales staff
    ],
)
def test_drill_down_outside_scope_is_404(figures, as_user, viewer, target):
    url = reverse("performance:staff-detail", args=[getattr(figures, target).pk])
    assert as_user(getattr(figures, viewer)).get(url).status_code == 404


def test_rm_may_open_their_own_page(figures, as_user):
    url = reverse("performance:staff-detail", args=[figures.rm_a1.pk])
    assert as_user(figures.rm_a1).get(url).status_code == 200


def test_staff_detail_slot_shows_other_apps_actions(figures, as_user, monkeypatch):
    monkeypatch.setattr(registry, "_panels", dict(registry._panels))
    registry.register_panel(
        Panel("staff_detail", "handover", "开始交接", "performance:staff-detail", order=10)
    )
    url = reverse("performance:staff-detail", args=[figures.rm_a1.pk])
    html = as_user(figures.head).get(url).content.decode()
    assert 'id="panel-handover"' in html
    assert f'hx-get="/performance/staff/{figures.rm_a1.pk}/"' in html


def _team(branch, team, size):
    members = [
        UserFactory(role=roles.RELATIONSHIP_MANAGER, branch=branch, team=team) for _ in range(size)
    ]
    for member in members:
        customer = CustomerFactory(owner=member)
        MonthlyAggregateFactory(customer=customer, month=datetime.date(2025, 6, 1))
        TargetFactory(user=member, metric_key="new_customers")
    return members


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_dashboard_queries_do_not_grow_with_the_team(org, as_user, django_assert_max_num_queries):
    CourseFactory()
    client = as_user(org.head)
    _team(org.pd, org.team_a, 2)
    client.get(URL + Q2)  # fills the access cache and stamps the session (issue 21)
    small = _count(client, URL + Q2)
    _team(org.pd, org.team_b, 12)
    client.get(URL + Q2)  # new staff rows may have made the cached access stale
    large = _count(client, URL + Q2)
    assert large == small
    # 10 before the fixed overhead fell from 7 queries to 2 (session and user).
    with django_assert_max_num_queries(5):
        client.get(URL + Q2)


def test_lapsed_compliance_training_is_flagged(figures, as_user):
    o = figures
    course = CourseFactory(code="AML", title="反洗钱年度培训")
    TrainingRecordFactory(user=o.rm_a1, course=course, completed_on=datetime.date.today())
    TrainingRecordFactory(user=o.rm_a2, course=course, completed_on=datetime.date(2020, 1, 6))
    TrainingRecordFactory(user=o.lead, course=course, completed_on=datetime.date.today())
    response = as_user(o.lead).get(URL + Q2)
    rows = {r.user.pk: r for r in response.context["data"].rows}
    assert rows[o.rm_a2.pk].compliance_lapsed is True
    assert rows[o.rm_a1.pk].compliance_lapsed is False
    assert rows[o.lead.pk].compliance_lapsed is False
    html = response.content.decode()
    assert html.count("compliance-lapsed") == 1
    assert 'id="lapsed-alert"' in html


def test_export_contains_the_dashboard_and_is_audited(figures, as_user):
    o = figures
    response = as_user(o.lead).get(reverse("performance:figure-export") + Q2)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="team-kpi-2025Q2.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[1]
    labels = [str(m.label) for m in metrics()]
    column = header.index(labels[[m.key for m in metrics()].index("new_customers")])
    by_name = {r[0]: r for r in rows[2:]}
    assert by_name["王芳"][column : column + 3] == (3, 2, 150)
    assert by_name["李强"][column : column + 3] == (1, 4, 25)
    assert "赵敏" not in by_name  # another team
    team_rows = [r for r in rows if r[2] == "财富一组" and not r[1]]
    assert team_rows and team_rows[0][column : column + 2] == (4, 10)
    entry = AuditEntry.objects.get(action="dashboard.exported")
    assert entry.actor == o.lead and entry.after == {"period": "2025Q2", "rows": 3}


def test_export_needs_its_permission(figures, as_user):
    assert as_user(figures.rm_a1).get(reverse("performance:figure-export")).status_code == 403
    assert not AuditEntry.objects.filter(action="dashboard.exported").exists()


def test_nav_item_for_leads_and_heads(figures, as_user):
    assert 'data-nav="team_dashboard"' in as_user(figures.head).get("/").content.decode()
    assert 'data-nav="team_dashboard"' in as_user(figures.lead).get("/").content.decode()
    assert 'data-nav="team_dashboard"' not in as_user(figures.rm_a1).get("/").content.decode()


@pytest.mark.parametrize(
    "language, title, metric",
    [("zh-hans", "团队业绩", "新增客户"), ("en", "Team KPIs", "New customers")],
)
def test_dashboard_speaks_both_languages(figures, as_user, language, title, metric):
    client = as_user(figures.lead)
    client.cookies["django_language"] = language
    html = client.get(URL + Q2, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'id="dashboard-title">{title}' in html
    assert metric in html
