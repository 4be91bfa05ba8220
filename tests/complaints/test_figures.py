"""The statistics summary (MonthlyFigure) stays equal to the figures computed from the raw
complaints through every write: intake, each transition, reassignment, review, the sweep's
breaches, extension, bulk writes and deletion by retention; the page and the XLSX export show
those figures."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from complaints import figures, selectors, services
from complaints.exporting import SHEETS
from complaints.models import (
    BusinessCategory,
    Cause,
    Channel,
    Complaint,
    History,
    MonthlyFigure,
)
from crm.accounts import roles
from crm.core.approvals import approval_decide
from tests.factories import BranchFactory, CustomerFactory, ProductFactory, UserFactory

from .factories import make_complaint, move, received

pytestmark = pytest.mark.django_db

MEASURES = figures.MEASURES
KEYS = {
    "channel": lambda c: c.channel.code,
    "business_category": lambda c: c.business_category.code,
    "cause": lambda c: c.cause.code,
    "branch": lambda c: c.branch.code if c.branch_id else "",
    "product": lambda c: c.product.code if c.product_id else "",
    "month": lambda c: f"{c.received_on:%Y-%m}",
}


def _measures(c) -> dict:
    """What one complaint adds, written out plainly (independent of complaints.figures)."""
    rated = c.satisfaction is not None and c.satisfaction >= 1
    return {
        "n": 1,
        "closed": int(c.state in ("closed", "withdrawn")),
        "decided": int(c.decided_at is not None),
        "breaches": int(c.breached),
        "days_sum": c.handling_days or 0,
        "days_n": int(c.handling_days is not None),
        "sat_sum": c.satisfaction if rated else 0,
        "rated": int(rated),
        "satisfied": int(rated and c.satisfaction >= 4),
    }


def expected(start, end) -> dict:
    """The statistics computed in Python from every complaint received in [start, end]."""
    out = {"summary": dict.fromkeys(MEASURES, 0), **{dim: {} for dim in KEYS}}
    rows = Complaint.objects.select_related(
        "channel", "business_category", "cause", "branch", "product"
    )
    for c in rows:
        if not start <= c.received_on <= end:
            continue
        m = _measures(c)
        for k in MEASURES:
            out["summary"][k] += m[k]
        for dim, key_of in KEYS.items():
            target = out[dim].setdefault(key_of(c), dict.fromkeys(MEASURES, 0))
            for k in MEASURES:
                target[k] += m[k]
    return out


def shown(data) -> dict:
    out = {"summary": {k: data["summary"][k] for k in MEASURES}}
    for dim in KEYS:
        out[dim] = {g["code"]: {k: g[k] for k in MEASURES} for g in data["groups"][dim]}
    return out


def year_to_date():
    today = timezone.localdate()
    return (today.replace(day=1) - datetime.timedelta(days=400)).replace(day=1), today


def assert_in_step(user, start=None, end=None):
    """The stored figures equal a rebuild from the complaints, and the page's figures equal
    those computed from the raw complaints."""
    assert figures.drift() == {}
    if start is None:
        start, end = year_to_date()
    assert shown(selectors.statistics(user, start, end)) == expected(start, end)


@pytest.fixture
def spread(rm, officer):
    """Complaints over three months, two branches, two products and several codes."""
    today = timezone.localdate()
    north = BranchFactory()
    p1, p2 = ProductFactory(), ProductFactory()
    channels = list(Channel.objects.all()[:3])
    categories = list(BusinessCategory.objects.all()[:2])
    causes = list(Cause.objects.all()[:3])
    made = []
    for i in range(9):
        customer = CustomerFactory(owner=rm, branch=north if i % 3 == 0 else rm.branch)
        made.append(
            make_complaint(
                rm,
                customer=customer,
                received_at=received(today - datetime.timedelta(days=[1, 35, 70][i % 3]), 9 + i),
                channel=channels[i % 3],
                business_category=categories[i % 2],
                cause=causes[i % 3],
                product=[None, p1, p2][i % 3],
            )
        )
    return made


def test_every_write_keeps_the_figures_in_step(rm, officer, second_officer, spread):
    assert MonthlyFigure.objects.exists()
    assert_in_step(officer)
    a, b, c, d, e, f, g, *_ = spread
    move(officer, a, "closed")
    assert_in_step(officer)
    move(officer, b, "review_decided")  # 35 days ago: decision late, breach
    assert Complaint.objects.get(pk=b.pk).breached
    assert_in_step(officer)
    services.complaint_transition(officer, b.pk, "closed", satisfaction=2)
    assert_in_step(officer)
    move(officer, c, "withdrawn")
    move(officer, d, "not_accepted")
    services.complaint_transition(officer, d.pk, "closed")
    assert_in_step(officer)
    # Reassignment and a review request (the decision reopened) change nothing else.
    move(officer, e, "decision_issued")
    services.complaints_assign(officer, [e.pk, f.pk], second_officer)
    services.complaint_transition(rm, e.pk, "review_requested", review_reason="不服")
    assert_in_step(officer)
    # The sweep's set-based breach UPDATE.
    result = services.complaints_sweep_deadlines()
    assert result["breached"] >= 1
    assert_in_step(officer)
    # A four-eyes extension and a clock pause / resume move deadlines only.
    req = services.complaint_request_extension(officer, g.pk, reason="案情复杂", notice_via="post")
    approval_decide(second_officer, req.pk, approve=True)
    services.complaint_pause_clock(officer, f.pk, reason="appraisal")
    services.complaint_resume_clock(officer, f.pk)
    assert_in_step(officer)


def test_deletion_by_retention_takes_the_complaint_out_of_the_figures(rm, officer, spread):
    gone = spread[:3]
    History.objects.filter(complaint__in=gone).delete()
    past = timezone.localdate() - datetime.timedelta(days=1)
    Complaint.objects.filter(pk__in=[c.pk for c in gone]).update(retain_until=past)
    Complaint.objects.get(pk=gone[0].pk).delete()
    assert_in_step(officer)
    assert Complaint.objects.filter(pk__in=[gone[1].pk, gone[2].pk]).delete()[0] == 2
    assert_in_step(officer)


def test_bulk_writes_keep_the_figures(rm, officer, spread):
    template = Complaint.objects.get(pk=spread[0].pk)
    copies = []
    for i in range(3):
        template.pk, template.reference = None, f"BULK{i}"
        template._state.adding = True
        copies.append(
            Complaint(
                **{f.attname: getattr(template, f.attname) for f in Complaint._meta.concrete_fields}
            )
        )
    Complaint.objects.bulk_create(copies)
    assert_in_step(officer)
    Complaint.objects.filter(reference__startswith="BULK").update(breached=True, handling_days=4)
    assert_in_step(officer)
    # Rows skipped as conflicts add nothing; the inserted ones count (the trigger sees exactly
    # the rows written).
    fresh = Complaint(
        **{
            **{f.attname: getattr(copies[0], f.attname) for f in Complaint._meta.concrete_fields},
            "id": None,
            "reference": "BULK9",
        }
    )
    Complaint.objects.bulk_create([*copies, fresh], ignore_conflicts=True)
    assert Complaint.objects.filter(reference__startswith="BULK").count() == 4
    assert_in_step(officer)
    # Rows chosen through a nullable relation (an outer join) are locked and counted too.
    Complaint.objects.filter(
        Q(product__isnull=False) | Q(customer__owner=rm), reference__startswith="BULK"
    ).update(satisfaction=5, state="closed", closed_at=timezone.now())
    assert_in_step(officer)


def test_partial_months_at_the_edges_come_from_the_complaints(rm, officer, spread):
    today = timezone.localdate()
    for start, end in [
        (today - datetime.timedelta(days=50), today - datetime.timedelta(days=20)),
        (today - datetime.timedelta(days=80), today),
        (today - datetime.timedelta(days=36), today - datetime.timedelta(days=34)),
        (today - datetime.timedelta(days=400), today + datetime.timedelta(days=40)),
    ]:
        assert_in_step(officer, start, end)


def test_split_period():
    today = datetime.date(2026, 12, 15)
    d = datetime.date
    # Whole months, the current one up to today.
    assert selectors.split_period(d(2026, 1, 1), today, today) == (
        (d(2026, 1, 1), d(2026, 12, 1)),
        [],
    )
    # Partial first and last month.
    assert selectors.split_period(d(2026, 3, 10), d(2026, 6, 20), today) == (
        (d(2026, 4, 1), d(2026, 5, 1)),
        [(d(2026, 3, 10), d(2026, 3, 31)), (d(2026, 6, 1), d(2026, 6, 20))],
    )
    # Inside one month.
    assert selectors.split_period(d(2026, 3, 10), d(2026, 3, 20), today) == (
        None,
        [(d(2026, 3, 10), d(2026, 3, 20))],
    )
    assert selectors.split_period(d(2026, 3, 1), d(2026, 3, 20), today) == (
        None,
        [(d(2026, 3, 1), d(2026, 3, 20))],
    )
    assert selectors.split_period(d(2026, 2, 1), d(2026, 2, 28), today) == (
        (d(2026, 2, 1), d(2026, 2, 1)),
        [],
    )


def test_a_scoped_user_gets_their_own_figures_from_the_complaints(rm, officer, spread):
    head = UserFactory(role=roles.BRANCH_HEAD, branch=rm.branch)
    move(officer, spread[1], "closed")
    start, end = year_to_date()
    data = selectors.statistics(head, start, end)
    mine = set(selectors.complaints_for(head).values_list("pk", flat=True))
    assert data["summary"]["n"] == len(mine) > 0


def test_the_page_and_the_export_show_the_same_figures(
    client, rm, officer, spread, django_assert_max_num_queries
):
    move(officer, spread[0], "closed")
    move(officer, spread[1], "closed")
    services.complaints_sweep_deadlines()
    client.force_login(officer)
    # Session, user, permissions, groups, the session's save (3 in a test transaction), then
    # the figures and the labels: two queries of its own whatever the number of complaints.
    with django_assert_max_num_queries(9):
        page = client.get(reverse("complaints:statistics-detail"))
    data = page.context["data"]
    start, end = data["start"], data["end"]
    assert shown(data) == expected(start, end)
    assert f'id="stat-total">{data["summary"]["n"]}<' in page.content.decode()
    book = load_workbook(io.BytesIO(client.get(reverse("complaints:statistics-export")).content))
    summary = {r[0]: r[1] for r in book["汇总 Summary"].iter_rows(min_row=6, values_only=True)}
    values = list(summary.values())
    s = data["summary"]
    assert values[:3] == [s["n"], s["closed"], s["decided"]] and values[4] == s["breaches"]
    assert {dim for dim, _title in SHEETS} == set(data["groups"])  # a sheet for every dimension
    for dim, title in SHEETS:
        rows = list(book[title].iter_rows(min_row=2, values_only=True))[:-1]  # last: total
        assert {(r[0] or ""): (r[2], r[3], r[4], r[6]) for r in rows} == {
            g["code"]: (g["n"], g["closed"], g["decided"], g["breaches"])
            for g in data["groups"][dim]
        }
    register = list(book["明细 Register"].iter_rows(min_row=2, values_only=True))
    assert len(register) == s["n"]


def test_raw_sql_cannot_bypass_the_figures(rm, officer, spread):
    """The triggers follow writes that no Python code sees: UPDATE, INSERT … SELECT, DELETE."""
    with connection.cursor() as cur:
        cur.execute("UPDATE complaints_complaint SET breached = %s, handling_days = 3", [True])
        assert_in_step(officer)
        cur.execute(
            "UPDATE complaints_complaint SET satisfaction = 5, state = 'closed', "
            "closed_at = received_at WHERE product_id IS NOT NULL"
        )
        assert_in_step(officer)
        columns = [
            f.column for f in Complaint._meta.concrete_fields if f.column not in ("id", "reference")
        ]
        cur.execute(
            f"INSERT INTO complaints_complaint (reference, {', '.join(columns)}) "  # noqa: S608
            f"SELECT 'RAW' || reference, {', '.join(columns)} FROM complaints_complaint"
        )
        assert Complaint.objects.filter(reference__startswith="RAW").count() == len(spread)
        assert_in_step(officer)
        cur.execute(
            "UPDATE complaints_complaint SET retain_until = %s WHERE reference LIKE 'RAW%%'",
            [timezone.localdate() - datetime.timedelta(days=1)],
        )
        cur.execute("DELETE FROM complaints_complaint WHERE reference LIKE 'RAW%%'")
        assert_in_step(officer)


def test_rebuild_command_repairs_a_damaged_summary(rm, officer, spread):
    with connection.cursor() as cur:
        cur.execute("UPDATE complaints_monthlyfigure SET n = n + 1, breaches = 0")
    with pytest.raises(CommandError):
        call_command("rebuild_complaint_figures", check=True, stdout=io.StringIO())
    out = io.StringIO()
    call_command("rebuild_complaint_figures", stdout=out)
    assert "rebuilt" in out.getvalue()
    call_command("rebuild_complaint_figures", check=True, stdout=io.StringIO())
    assert_in_step(officer)
