"""Panel, override form, reports, export, policies and what-if pages."""

import io

import pytest
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from crm.accounts import roles
from crm.audit.models import AuditEntry
from customers.records.models import Customer
from tests.factories import UserFactory
from tiering import selectors, services, views
from tiering.models import TierOverride, TierPolicy, TierRun

from .factories import AS_OF, CustomerFactory, contribute

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(policy, rm):
    customers = []
    for i, amount in enumerate([900, 60, 30, 10]):
        c = CustomerFactory(owner=rm, number=f"V{i}", aum=[8e6, 3e5, 5e5, 1e4][i])
        contribute(c, amount)
        customers.append(c)
    services.run_recalculate(AS_OF, policy=policy)
    return customers


def test_panel_explains_the_class_in_at_most_five_queries(book, rm, django_assert_max_num_queries):
    request = RequestFactory().get("/")
    request.user = rm
    rm.has_perm("tiering.view_tierassignment")  # permissions are cached per request anyway
    with django_assert_max_num_queries(5):
        response = views.panel(request, book[1].pk)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="tier-why"' in html and "60.00" in html
    assert "override-form" in html  # an RM may propose


def test_panel_outside_the_book_is_404(book, client):
    stranger = UserFactory(role=roles.RELATIONSHIP_MANAGER)
    client.force_login(stranger)
    assert client.get(reverse("tiering:customer-panel", args=[book[0].pk])).status_code == 404


def test_auditor_sees_panel_without_form(book, client):
    client.force_login(UserFactory(role=roles.AUDITOR))
    response = client.get(reverse("tiering:customer-panel", args=[book[0].pk]))
    assert response.status_code == 200 and "override-form" not in response.content.decode()
    assert (
        client.post(
            reverse("tiering:override-propose", args=[book[0].pk]), {"tier": "A"}
        ).status_code
        == 403
    )


def test_propose_form_bad_input_shows_message_and_changes_nothing(book, client, lead):
    client.force_login(lead)
    response = client.post(
        reverse("tiering:override-propose", args=[book[3].pk]),
        {"tier": "A", "reason": "", "expires_on": "2020-01-01"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert not TierOverride.objects.exists()


def test_propose_form_creates_a_pending_override(book, client, lead):
    client.force_login(lead)
    response = client.post(
        reverse("tiering:override-propose", args=[book[3].pk]),
        {"tier": "A", "reason": "战略客户，整体合作", "expires_on": ""},
    )
    assert response.status_code == 200
    # expiry is required by the form
    assert not TierOverride.objects.exists()
    response = client.post(
        reverse("tiering:override-propose", args=[book[3].pk]),
        {"tier": "A", "reason": "战略客户，整体合作", "expires_on": "2099-01-01"},
    )
    assert "invalid-feedback" in response.content.decode()  # beyond the allowed days
    from django.utils import timezone

    until = (timezone.localdate() + __import__("datetime").timedelta(days=30)).isoformat()
    response = client.post(
        reverse("tiering:override-propose", args=[book[3].pk]),
        {"tier": "A", "reason": "战略客户，整体合作", "expires_on": until},
    )
    assert 'id="override-proposed"' in response.content.decode()
    assert TierOverride.objects.get().status == TierOverride.Status.PENDING
    assert Customer.objects.get(pk=book[3].pk).tier == "C"


def test_reports_page_and_export(book, client, make_user, django_assert_max_num_queries):
    user = make_user(roles.COMPLIANCE_OFFICER)
    client.force_login(user)
    client.get(reverse("tiering:report-list"))  # warm the session
    with django_assert_max_num_queries(12):
        response = client.get(reverse("tiering:report-list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="chart-distribution"' in html and 'id="segments"' in html
    response = client.get(reverse("tiering:report-export"))
    assert response.status_code == 200
    book_ = load_workbook(io.BytesIO(response.content))
    classes = list(book_.worksheets[0].iter_rows(values_only=True))
    assert classes[1][:2] == ("A", 1)  # V0 alone holds 90 %
    segments = list(book_.worksheets[2].iter_rows(values_only=True))
    assert len(segments) == 5
    assert AuditEntry.objects.filter(action="tier_report.exported").count() == 1


def test_reports_are_scoped_to_the_book(book, client):
    other = UserFactory(role=roles.TEAM_LEAD)
    client.force_login(other)
    html = client.get(reverse("tiering:report-list")).content.decode()
    assert '<tr data-class="A"><td>A</td><td class="text-end">0</td>' in html


def test_policies_page_is_for_admins(policy, client, rm, admin_user):
    client.force_login(rm)
    assert client.get(reverse("tiering:policy-list")).status_code == 403
    client.force_login(admin_user)
    assert client.get(reverse("tiering:policy-list")).status_code == 200


def test_admin_drafts_runs_what_if_and_publishes(
    book, client, admin_user, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    data = {
        name: getattr(book[0] and selectors.published_policy(), name)
        for name in views.PolicyForm.Meta.fields
    }
    data.update(
        {
            "name": "新口径",
            "a_share": "0.5",
            "b_share": "0.9",
            "weights": "{}",
            "vip_min_trades": "",
            "vip_min_contribution": "",
        }
    )
    response = client.post(reverse("tiering:policy-list"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = TierPolicy.objects.get(status=TierPolicy.Status.DRAFT)
    tiers = list(Customer.objects.order_by("pk").values_list("tier", flat=True))
    with django_capture_on_commit_callbacks(execute=True):  # the what-if job runs
        response = client.post(
            reverse("tiering:policy-whatif", args=[draft.pk]), {"as_of": "2026-07-31"}
        )
    assert response.status_code == 302
    page = client.get(reverse("tiering:policy-whatif", args=[draft.pk])).content.decode()
    assert 'id="whatif-summary"' in page and 'id="movement"' in page
    assert list(Customer.objects.order_by("pk").values_list("tier", flat=True)) == tiers
    assert TierRun.objects.filter(kind=TierRun.Kind.WHAT_IF).count() == 1
    client.post(reverse("tiering:policy-publish", args=[draft.pk]))
    assert selectors.published_policy().pk == draft.pk


def test_bad_policy_draft_is_refused(policy, client, admin_user):
    client.force_login(admin_user)
    data = {name: getattr(policy, name) for name in views.PolicyForm.Meta.fields}
    data.update(
        {
            "a_share": "0.99",
            "b_share": "0.5",
            "weights": "{}",
            "vip_min_trades": "",
            "vip_min_contribution": "",
        }
    )
    response = client.post(reverse("tiering:policy-list"), data)
    assert response.status_code == 200
    assert not TierPolicy.objects.filter(status=TierPolicy.Status.DRAFT).exists()


def test_command(book, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    call_command("recalculate_tiers", "--as-of", "2026-07-31")
    out = capsys.readouterr().out
    assert "live run" in out and "4 customers" in out
    call_command("recalculate_tiers", "--as-of", "2026-08-31", "--dry-run")
    assert "what-if run" in capsys.readouterr().out
    assert not TierRun.objects.filter(kind="live", as_of="2026-08-31").exists()
    with pytest.raises(CommandError):
        call_command("recalculate_tiers", "--as-of", "31/08/2026")


def test_task_and_metric(book, rm):
    import datetime

    from crm.ui.registry import metrics
    from tiering.tasks import recalculate_tiers

    # V3 (class C) becomes the top contributor in July: one move up, V0 falls (held by grace)
    contribute(book[3], 100000, month=datetime.date(2026, 7, 1))
    result = recalculate_tiers.delay("2026-07-31").get()
    assert result["as_of"] == "2026-07-31"
    assert Customer.objects.get(pk=book[3].pk).tier == "A"
    metric = next(m for m in metrics() if m.key == "tier_moves")
    figures = metric.compute([rm], datetime.date(2026, 7, 1), datetime.date(2026, 7, 31))
    assert figures == {rm.pk: 1}
    assert metric.compute([rm], datetime.date(2026, 8, 1), datetime.date(2026, 8, 31)) == {}


def test_report_cells_agree_with_assignments(book, rm, make_user, policy):
    """Institution-wide reports read the run's cells; an RM's read the assignments. On the same
    customers they must give the same figures."""
    from tiering import selectors

    contribute(book[2], 5000, month=__import__("datetime").date(2026, 7, 1))
    run = services.run_recalculate(__import__("datetime").date(2026, 7, 31), policy=policy)
    compliance = make_user(roles.COMPLIANCE_OFFICER)
    for to in ("applied_class", "computed_class"):
        assert selectors.class_distribution(compliance, run, to) == selectors.class_distribution(
            rm, run, to
        )
        assert selectors.movement(compliance, run, to) == selectors.movement(rm, run, to)
        assert selectors.segment_matrix(compliance, run, to) == selectors.segment_matrix(
            rm, run, to
        )
    assert sum(selectors.movement(compliance, run).values()) == 4


def test_custom_formula_needs_known_weights(policy, client, admin_user):
    client.force_login(admin_user)
    data = {name: getattr(policy, name) for name in views.PolicyForm.Meta.fields}
    data.update(
        {
            "formula": TierPolicy.Formula.CUSTOM,
            "weights": '{"salary": 1}',
            "vip_min_trades": "",
            "vip_min_contribution": "",
        }
    )
    response = client.post(reverse("tiering:policy-list"), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "salary" in response.content.decode()
    assert not TierPolicy.objects.filter(status=TierPolicy.Status.DRAFT).exists()
    data["weights"] = '{"commission": 1, "rebate": -1}'
    assert client.post(reverse("tiering:policy-list"), data).status_code == 302
    draft = TierPolicy.objects.get(status=TierPolicy.Status.DRAFT)
    assert draft.weights == {"commission": 1, "rebate": -1}
