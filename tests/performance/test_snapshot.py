"""The KPI snapshot (KpiFigure): equal to the live metric computation, refreshed set-based,
read by the pages in a fixed number of queries."""

import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from complaints.models import Complaint
from crm.accounts import roles
from crm.core import planner
from crm.performance import selectors, services
from crm.performance.models import KpiFigure
from crm.performance.periods import Period
from crm.ui import registry
from crm.ui.registry import Metric, metrics
from customers.records.models import Customer
from customers.sales.models import Prospect, SatisfactionSurvey
from tests.complaints.factories import make_complaint
from tests.compliance.factories import StepFactory
from tests.customers.followups.factories import InteractionFactory, TaskFactory
from tests.customers.sales.factories import ProspectFactory
from tests.factories import CustomerFactory, MonthlyAggregateFactory, UserFactory

from .factories import CourseFactory, TrainingRecordFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
DASHBOARD = reverse("performance:team-dashboard")


def _at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def _activity(org):
    """Figures for every provider across 2025, with local-time month boundaries."""
    a1, a2, b1 = org.rm_a1, org.rm_a2, org.rm_b1
    for owner, when in [
        (a1, _at(2025, 3, 31, 23, 30)),  # March in Shanghai (15:30 UTC)
        (a1, _at(2025, 4, 1, 0, 10)),  # April in Shanghai, still March in UTC
        (a1, _at(2025, 5, 20, 9)),
        (a2, _at(2025, 11, 30, 23, 59)),
        (b1, _at(2025, 12, 1, 0, 0)),
    ]:
        customer = CustomerFactory(owner=owner)
        Customer.objects.filter(pk=customer.pk).update(created_at=when)
    balances = {a1: [100, 120, None, 150, 90], a2: [50, 50, 70, 70, 80], b1: [None, 10, 20, 5, 0]}
    for owner, series in balances.items():
        customer = CustomerFactory(owner=owner)
        for month, amount in zip((2, 3, 4, 6, 9), series, strict=True):
            if amount is not None:
                MonthlyAggregateFactory(
                    customer=customer,
                    month=datetime.date(2025, month, 1),
                    average_balance=Decimal(amount * 1000),
                )
    mine = CustomerFactory(owner=a1)
    for when, others in [
        (_at(2025, 1, 15, 10), [a2]),
        (_at(2025, 2, 28, 23, 50), []),
        (_at(2025, 3, 1, 0, 5), [b1]),
        (_at(2025, 8, 8, 8), [a2, b1]),
    ]:
        InteractionFactory(customer=mine, occurred_at=when, participants=others)
    TaskFactory(customer=mine)  # out of cadence: coverage below 100 %
    for owner, when in [(a1, _at(2025, 2, 10, 12)), (a1, _at(2025, 7, 1, 0, 1)), (b1, None)]:
        prospect = ProspectFactory(owner=owner, branch=owner.branch, team=owner.team)
        Prospect.objects.filter(pk=prospect.pk).update(converted_at=when)
    for owner, score, when in [
        (a1, 5, _at(2025, 4, 3, 10)),
        (a1, 2, _at(2025, 4, 30, 23)),
        (a1, 4, _at(2025, 9, 1, 9)),
        (a2, 3, _at(2025, 4, 15, 9)),
    ]:
        survey = SatisfactionSurvey.objects.create(
            customer=CustomerFactory(owner=owner),
            context="visit",
            score=score,
            owner=owner,
            recorded_by=owner,
        )
        SatisfactionSurvey.objects.filter(pk=survey.pk).update(recorded_at=when)
    for logger, received, handler, closed, score in [
        (a1, _at(2025, 5, 5, 10), a2, _at(2025, 5, 20, 10), 4),
        (a1, _at(2025, 6, 30, 23), a2, _at(2025, 10, 2, 10), 1),
        (b1, _at(2025, 10, 1, 0, 30), None, None, None),
        (b1, _at(2025, 6, 1, 9), a1, _at(2025, 6, 10, 9), 2),
    ]:
        complaint = make_complaint(logger, received_at=received)
        if handler:
            Complaint.objects.filter(pk=complaint.pk).update(
                handler=handler, state="closed", closed_at=closed, satisfaction=score
            )
    for owner, done in [(a1, _at(2025, 3, 3, 10)), (a1, _at(2025, 3, 31, 23, 59)), (b1, None)]:
        StepFactory(owner=owner, done_at=done, outcome="已核实" if done else "")
    return [org.lead, a1, a2, b1]


def _live(metric, staff, period):
    values = metric.compute(staff, period.start, period.end) or {}
    out = {}
    for member in staff:
        value = values.get(member.pk)
        if value is None and metric.aggregate == "sum":
            value = 0
        out[member.pk] = None if value is None else Decimal(str(value))
    return out


def test_snapshot_equals_the_live_computation_for_every_metric_and_period(org):
    staff = _activity(org)
    services.refresh_figures(years=[2025])
    periods = services.snapshot_periods(years=[2025], today=datetime.date(2026, 1, 5))
    assert len(periods) == 12 + 4 + 1
    stored = {
        (f.user_id, f.metric_key, f.start, f.end): f.value
        for f in KpiFigure.objects.filter(start__year=2025)
    }
    checked = 0
    for metric in metrics():
        for period in periods:
            live = _live(metric, staff, period)
            snap = {m.pk: stored[(m.pk, metric.key, period.start, period.end)] for m in staff}
            assert snap == live, (metric.key, period.key)
            checked += 1
    assert checked == len(metrics()) * 17
    # The fixtures do reach the providers (not all zeros).
    april = (datetime.date(2025, 4, 1), datetime.date(2025, 4, 30))
    assert stored[(org.rm_a1.pk, "new_customers", *april)] == 1
    assert stored[(org.rm_a1.pk, "satisfaction", *april)] == Decimal("3.5")
    q1 = (datetime.date(2025, 1, 1), datetime.date(2025, 3, 31))
    assert stored[(org.rm_a1.pk, "contacts_made", *q1)] == 3
    assert stored[(org.rm_a1.pk, "aum_growth", *q1)] == 120000  # March book, none in Dec 2024
    assert stored[(org.rm_a1.pk, "compliance_warnings_verified", *q1)] == 2


def test_dashboard_and_drill_down_show_the_snapshot(org, as_user):
    _activity(org)
    services.refresh_figures(years=[2025])
    client = as_user(org.head)
    data = client.get(DASHBOARD + "?period=2025Q2").context["data"]
    rows = {r.user.pk: {f.metric.key: f.actual for f in r.figures} for r in data.rows}
    assert rows[org.rm_a1.pk]["new_customers"] == 2  # 1 April 00:10 and 20 May
    assert rows[org.rm_a2.pk]["complaint_satisfaction"] == 4
    assert data.as_of is not None
    # Rates and scores average in team totals; counts add up.
    team_a = next(t for t in data.teams if t.team == org.team_a)
    totals = {f.metric.key: f.actual for f in team_a.figures}
    assert totals["satisfaction"] == Decimal("3.25")  # (3.5 + 3) / 2 members with surveys
    assert totals["new_customers"] == 2
    assert totals["complaint_satisfaction"] == 3  # (2 + 4) / 2, not 6
    url = reverse("performance:staff-detail", args=[org.rm_a1.pk]) + "?period=2025"
    response = client.get(url)
    trend = {c["id"]: c["option"]["series"][0]["data"] for c in response.context["trend_charts"]}
    assert trend["trend-new_customers"] == [0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    assert trend["trend-satisfaction"][3] == 3.5 and trend["trend-satisfaction"][0] is None
    assert 'id="kpi-as-of"' in response.content.decode()
    assert "数据截至" in response.content.decode()


def test_a_period_not_computed_says_so(org, as_user):
    response = as_user(org.head).get(DASHBOARD + "?period=2025Q2")
    assert response.context["data"].as_of is None
    assert 'id="kpi-not-computed"' in response.content.decode()


def test_refresh_replaces_whole_periods_and_is_idempotent(org):
    _activity(org)
    first = services.refresh_figures(years=[2025])
    count = KpiFigure.objects.count()
    assert first["figures"] == count == first["staff"] * len(metrics()) * 17
    assert services.refresh_figures(years=[2025]) == first
    assert KpiFigure.objects.count() == count
    # A staff member who left drops out of the next refresh.
    org.rm_b1.is_active = False
    org.rm_b1.save()
    services.refresh_figures(years=[2025])
    assert not KpiFigure.objects.filter(user=org.rm_b1).exists()


def test_current_refresh_touches_only_the_periods_containing_today(org):
    _activity(org)
    services.refresh_figures(years=[2025])
    before = set(KpiFigure.objects.values_list("start", "end", "computed_at"))
    services.refresh_figures(current=True, today=datetime.date(2025, 5, 20))
    after = set(KpiFigure.objects.values_list("start", "end", "computed_at"))
    assert {(s, e) for s, e, _at in after - before} == {
        (datetime.date(2025, 5, 1), datetime.date(2025, 5, 31)),
        (datetime.date(2025, 4, 1), datetime.date(2025, 6, 30)),
        (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)),
    }
    assert len({(s, e) for s, e, _at in after}) == 17  # the other periods are kept


def test_additive_periods_are_added_up_from_months_without_computing_again(org, monkeypatch):
    calls = []

    def compute(users, start, end):
        calls.append((start, end))
        return {users[0].pk: 1}

    def monthly(users, start, end):
        return {(users[0].pk, m): 2 for m in registry.month_span(start, end)}

    monkeypatch.setattr(registry, "_metrics", {})
    registry.register_metric(Metric("n", "N", compute, monthly=monthly, additive=True))
    staff = [org.rm_a1]
    periods = services.snapshot_periods(years=[2025], today=datetime.date(2026, 1, 1))
    out = services.metric_figures(registry.metrics()[0], staff, periods)
    assert calls == []
    assert out[Period(2025, 2)] == {org.rm_a1.pk: 6} and out[Period(2025)] == {org.rm_a1.pk: 24}
    # Without `monthly`, months are computed one by one; not additive: quarters too.
    registry._metrics.clear()
    registry.register_metric(Metric("n", "N", compute))
    out = services.metric_figures(registry.metrics()[0], staff, periods)
    assert len(calls) == 17 and out[Period(2025)] == {org.rm_a1.pk: 1}
    # A point-in-time figure (coverage today) is computed once for every period.
    calls.clear()
    registry._metrics.clear()
    registry.register_metric(Metric("n", "N", compute, point_in_time=True))
    out = services.metric_figures(registry.metrics()[0], staff, periods)
    assert len(calls) == 1 and set(out) == set(periods)
    # The current refresh (month, quarter, year) of an additive metric: one monthly query.
    spans = []
    registry._metrics.clear()
    registry.register_metric(
        Metric(
            "n",
            "N",
            compute,
            monthly=lambda u, s, e: spans.append((s, e)) or monthly(u, s, e),
            additive=True,
        )
    )
    current = services.snapshot_periods(current=True, today=datetime.date(2025, 5, 20))
    out = services.metric_figures(registry.metrics()[0], staff, current)
    assert spans == [(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))]
    assert [out[p][org.rm_a1.pk] for p in current] == [2, 6, 24]


def _count(client, url):
    # Every statement, the session save's too (SAVEPOINT/UPDATE/RELEASE here, BEGIN/UPDATE/COMMIT
    # on a server), as bench/kpi.py counts them.
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _grow(org, n):
    for _ in range(n):
        member = UserFactory(role=roles.RELATIONSHIP_MANAGER, branch=org.pd, team=org.team_b)
        CustomerFactory(owner=member)
    services.refresh_figures(years=[2025])


def test_pages_run_a_fixed_number_of_queries(org, as_user):
    CourseFactory()
    TrainingRecordFactory(user=org.rm_a1)
    _activity(org)
    services.refresh_figures(years=[2025])
    client = as_user(org.head)
    drill = reverse("performance:staff-detail", args=[org.rm_a1.pk])
    client.get(DASHBOARD)  # fills the access cache and stamps the session (issue 21)
    small = (
        _count(client, DASHBOARD + "?period=2025Q2"),
        _count(client, DASHBOARD + "?period=2025"),
        _count(client, drill + "?period=2025Q2"),
        _count(client, drill + "?period=2025"),  # 12 months of trend, not 3
    )
    _grow(org, 12)
    client.get(DASHBOARD)  # new staff rows may have made the cached access stale
    large = (
        _count(client, DASHBOARD + "?period=2025Q2"),
        _count(client, DASHBOARD + "?period=2025"),
        _count(client, drill + "?period=2025Q2"),
        _count(client, drill + "?period=2025"),
    )
    assert small == large
    assert small[0] == small[1] and small[2] == small[3]
    assert max(large) <= 5, large  # 10 before the fixed overhead fell from 7 queries to 2


def test_drill_down_training_matches_the_report(org):
    course = CourseFactory(code="AML")
    other = CourseFactory(code="SEC", kind="infosec")
    TrainingRecordFactory(user=org.rm_a1, course=course, completed_on=datetime.date(2020, 1, 6))
    TrainingRecordFactory(user=org.rm_a1, course=other, completed_on=datetime.date.today())
    TrainingRecordFactory(user=org.rm_a2, course=course, completed_on=datetime.date.today())
    TrainingRecordFactory(
        user=org.rm_a1, course=course, attended_on=datetime.date(2019, 1, 5), completed_on=None
    )
    for member in (org.rm_a1, org.rm_a2, org.lead):
        assert selectors.member_training(member)[0] == selectors.training_state([member])
    issues, records = selectors.member_training(org.rm_a1)
    assert [i.status for i in issues] == ["lapsed"]
    # Every record of the member, latest first, each with its course; nobody else's.
    assert [(r.course.code, r.completed_on) for r in records] == [
        ("SEC", datetime.date.today()),
        ("AML", datetime.date(2020, 1, 6)),
        ("AML", None),
    ]


def test_drill_down_flags_lapsed_compliance_training(org, as_user):
    course = CourseFactory(code="AML")
    TrainingRecordFactory(user=org.rm_a2, course=course, completed_on=datetime.date(2020, 1, 6))
    url = reverse("performance:staff-detail", args=[org.rm_a2.pk])
    response = as_user(org.lead).get(url)
    assert response.context["compliance_lapsed"] is True
    assert "compliance-lapsed" in response.content.decode()


def test_command_refreshes_and_rejects_bad_input(org, capsys):
    _activity(org)
    call_command("refresh_kpis", "--year", "2025")
    assert "KPI snapshot:" in capsys.readouterr().out
    assert KpiFigure.objects.filter(start=datetime.date(2025, 1, 1)).exists()
    with pytest.raises(CommandError):
        call_command("refresh_kpis", "--year", "1999")
    with pytest.raises(CommandError):
        call_command("refresh_kpis", "--date", "2025-13-01")
    with pytest.raises(CommandError):
        call_command("refresh_kpis", "--year", "2025", "--current")


def test_beat_schedules_the_refreshes():
    from django_celery_beat.models import PeriodicTask

    tasks = dict(PeriodicTask.objects.values_list("task", "enabled"))
    assert tasks["crm.performance.tasks.refresh_current_figures"] is True
    assert tasks["crm.performance.tasks.refresh_figures"] is True


def test_export_has_the_dashboard_figures(org, as_user):
    _activity(org)
    services.refresh_figures(years=[2025])
    client = as_user(org.head)
    data = client.get(DASHBOARD + "?period=2025Q2").context["data"]
    sheet = load_workbook(
        io.BytesIO(client.get(reverse("performance:figure-export") + "?period=2025Q2").content)
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][3].startswith("数据截至")
    by_name = {r[0]: r for r in rows[2:]}
    for row in data.rows:
        exported = by_name[str(row.user)]
        for index, fig in enumerate(row.figures):
            cell = exported[3 + 3 * index]
            assert (cell is None and fig.actual is None) or Decimal(str(cell)) == fig.actual


def test_a_large_refresh_refreshes_the_planner_statistics(postgres_only, org, monkeypatch):
    """The pages read the snapshot right after it is written; on PostgreSQL a refresh that wrote
    many figures analyzes the table, a small one leaves it to autovacuum."""
    monkeypatch.setattr(planner, "BULK_ROWS", 10)
    with CaptureQueriesContext(connection) as ctx:
        written = services.refresh_figures(years=[2025])["figures"]
    assert written >= 10
    assert [q["sql"] for q in ctx.captured_queries].count('ANALYZE "performance_kpifigure"') == 1
    monkeypatch.setattr(planner, "BULK_ROWS", written + 1)
    with CaptureQueriesContext(connection) as ctx:
        services.refresh_figures(years=[2025])
    assert not any(q["sql"].startswith("ANALYZE") for q in ctx.captured_queries)
