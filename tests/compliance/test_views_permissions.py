import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from compliance.models import DisposalStep, RiskWarning
from compliance.services import suitability as suitability_services
from crm.accounts import roles
from tests.factories import (
    CustomerFactory,
    HoldingFactory,
    ProductFactory,
)

from .factories import SignalFactory, StepFactory, WarningFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(rm, rm_b, lead, other_rm):
    """A red warning for `rm`, an orange one for a colleague (rm_b), a red one out of the team."""
    mine = WarningFactory(customer=CustomerFactory(owner=rm), grade="red")
    theirs = WarningFactory(customer=CustomerFactory(owner=rm_b), grade="orange")
    far = WarningFactory(customer=CustomerFactory(owner=other_rm), grade="red")
    return {
        "rm": rm,
        "colleague": rm_b,
        "lead": lead,
        "mine": mine,
        "theirs": theirs,
        "far": far,
    }


def _visible(client, user):
    client.force_login(user)
    response = client.get(reverse("compliance:warning-list"))
    assert response.status_code == 200
    return {w.pk for w in response.context["page"]}


def test_rm_sees_only_their_customers_warnings(client, world):
    assert _visible(client, world["rm"]) == {world["mine"].pk}
    assert (
        client.get(reverse("compliance:warning-detail", args=[world["theirs"].pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("compliance:warning-detail", args=[world["far"].pk])).status_code == 404
    )
    step = StepFactory(warning=world["far"])
    response = client.post(reverse("compliance:step-done", args=[step.pk]), {"outcome": "x"})
    assert response.status_code == 404
    step.refresh_from_db()
    assert step.done_at is None


def test_lead_sees_the_team_compliance_and_auditor_everything(client, world, make_user):
    team_pks = {world["mine"].pk, world["theirs"].pk}
    assert _visible(client, world["lead"]) == team_pks
    everything = team_pks | {world["far"].pk}
    assert _visible(client, make_user(roles.COMPLIANCE_OFFICER)) == everything
    assert _visible(client, make_user(roles.RISK_OFFICER)) == everything
    assert _visible(client, make_user(roles.AUDITOR)) == everything


def test_auditor_is_read_only(client, world, auditor_user):
    client.force_login(auditor_user)
    warning = world["mine"]
    page = client.get(reverse("compliance:warning-detail", args=[warning.pk]))
    assert page.status_code == 200 and 'id="step-form"' not in page.content.decode()
    data = {"kind": "verify", "owner": auditor_user.pk, "due_on": "2031-01-01", "outcome": "x"}
    assert (
        client.post(reverse("compliance:step-create", args=[warning.pk]), data).status_code == 403
    )
    assert client.get(reverse("compliance:signal-import-upload")).status_code == 403
    assert client.get(reverse("compliance:signal-create")).status_code == 403
    assert client.post(reverse("compliance:watch-list"), {"customer": "x"}).status_code == 403
    assert client.get(reverse("compliance:risk-dashboard")).status_code == 200
    assert DisposalStep.objects.count() == 0


def test_rm_cannot_open_compliance_only_pages(client, world):
    client.force_login(world["rm"])
    for name in (
        "compliance:risk-dashboard",
        "compliance:signal-import-upload",
        "compliance:mismatch-list",
        "compliance:audit-review",
    ):
        assert client.get(reverse(name)).status_code == 403, name


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("compliance:warning-list"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_rm_records_a_disposal_step(client, world):
    client.force_login(world["rm"])
    warning = world["mine"]
    data = {
        "kind": "visit",
        "owner": world["rm"].pk,
        "due_on": warning.verify_by.isoformat(),
        "outcome": "已上门走访",
    }
    response = client.post(reverse("compliance:step-create", args=[warning.pk]), data)
    assert response.status_code == 302
    step = DisposalStep.objects.get()
    assert step.is_done and step.outcome == "已上门走访"
    # An owner outside the RM's reach is refused by the form.
    data["owner"] = world["lead"].pk
    client.post(reverse("compliance:step-create", args=[warning.pk]), data)
    assert DisposalStep.objects.count() == 1


def test_warning_list_query_count_is_fixed(client, make_user, django_assert_max_num_queries):
    compliance = make_user(roles.COMPLIANCE_OFFICER)
    for _ in range(30):
        WarningFactory()
    client.force_login(compliance)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("compliance:warning-list"))
    assert len(response.context["page"]) == 30
    with django_assert_max_num_queries(10):
        client.get(reverse("compliance:warning-list"), {"grade": "red", "status": "open"})


def test_signal_list_and_watchlist_query_counts(client, make_user, django_assert_max_num_queries):
    compliance = make_user(roles.COMPLIANCE_OFFICER)
    for _ in range(20):
        SignalFactory()
    client.force_login(compliance)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("compliance:signal-list"))
    assert len(response.context["page"]) == 20
    with django_assert_max_num_queries(12):
        assert client.get(reverse("compliance:watch-list")).status_code == 200


def test_dashboard_figures_and_query_count(client, make_user, django_assert_max_num_queries):
    compliance = make_user(roles.COMPLIANCE_OFFICER)
    today = timezone.localdate()
    WarningFactory(
        grade="red",
        raised_on=today - datetime.timedelta(days=40),
        verify_by=today - datetime.timedelta(days=35),
    )
    WarningFactory(grade="red")
    WarningFactory(grade="blue", kind="esg_incident")
    WarningFactory(grade="yellow", status="released")
    StepFactory(due_on=today - datetime.timedelta(days=2), kind="visit")
    HoldingFactory(
        customer=CustomerFactory(risk_class="C1"), product=ProductFactory(risk_level="R3")
    )
    suitability_services.mismatch_snapshot_refresh()  # the daily job behind the mismatch figure
    client.force_login(compliance)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("compliance:risk-dashboard"))
    data = response.context["data"]
    assert data["by_grade"] == {
        "red": 3,
        "orange": 0,
        "yellow": 0,
        "blue": 1,
    }  # StepFactory adds a red one
    assert data["ages"]["red_31"] == 1
    assert data["overdue_steps"]["visit"] == 1
    assert data["overdue_verification"] == 1
    assert data["mismatches"] == 1
    assert 'data-chart="chart-grade"' in response.content.decode()


def test_dashboard_is_scoped_for_a_lead(client, world):
    client.force_login(world["lead"])
    data = client.get(reverse("compliance:risk-dashboard")).context["data"]
    assert data["by_grade"]["red"] == 1 and data["by_grade"]["orange"] == 1


def test_home_panel_lists_my_red_and_orange(client, world):
    WarningFactory(customer=CustomerFactory(owner=world["rm"]), grade="blue", kind="esg_incident")
    client.force_login(world["rm"])
    response = client.get(reverse("compliance:home-panel"))
    assert [w.pk for w in response.context["warnings"]] == [world["mine"].pk]
    home = client.get("/").content.decode()
    assert reverse("compliance:home-panel") in home


def test_customer_panel_shows_risk_state_and_is_scoped(client, world):
    customer = world["mine"].customer
    HoldingFactory(customer=customer, product=ProductFactory(risk_level="R5"))
    client.force_login(world["rm"])
    response = client.get(reverse("compliance:customer-panel", args=[customer.pk]))
    assert response.status_code == 200
    assert response.context["warnings"] == [world["mine"]]
    assert response.context["mismatched"] == 1
    other = world["far"].customer
    assert client.get(reverse("compliance:customer-panel", args=[other.pk])).status_code == 404
    detail = client.get(reverse("customers:customer-detail", args=[customer.pk])).content.decode()
    assert reverse("compliance:customer-panel", args=[customer.pk]) in detail


def test_bad_filter_values_do_not_break_the_list(client, world):
    client.force_login(world["rm"])
    response = client.get(
        reverse("compliance:warning-list"), {"grade": "purple", "status": "zzz", "after": "!!"}
    )
    assert response.status_code == 200
    assert RiskWarning.objects.count() == 3


def test_pages_are_in_chinese_by_default_and_english_on_request(client, world):
    client.force_login(world["rm"])
    page = client.get(reverse("compliance:warning-list")).content.decode()
    assert "风险预警" in page and "核实截止日" in page and "红色" in page
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("compliance:warning-list")).content.decode()
    assert "Risk warnings" in english and "Verify by" in english


def test_panels_query_budget(client, world, django_assert_max_num_queries):
    client.force_login(world["rm"])
    customer = world["mine"].customer
    # 4 for session and user, 3 when the session's activity stamp is saved, 6 for the panel.
    with django_assert_max_num_queries(13):
        assert (
            client.get(reverse("compliance:customer-panel", args=[customer.pk])).status_code == 200
        )
    with django_assert_max_num_queries(10):
        assert client.get(reverse("compliance:home-panel")).status_code == 200


def test_rm_lists_follow_the_book_not_only_the_warning_owner(client, world):
    from customers.records.models import CustomerCoServer

    rm, colleague = world["rm"], world["colleague"]
    # Co-served: the colleague's customer's warning is in the RM's list (not on their My day).
    CustomerCoServer.objects.create(customer=world["theirs"].customer, user=rm)
    assert _visible(client, rm) == {world["mine"].pk, world["theirs"].pk}
    home = client.get(reverse("compliance:home-panel")).context["warnings"]
    assert [w.pk for w in home] == [world["mine"].pk]
    # A customer who left the book without their warning (owner not moved): not shown.
    moved = WarningFactory(customer=CustomerFactory(owner=rm), kind="litigation")
    moved.customer.owner = colleague
    moved.customer.save()
    assert moved.pk not in _visible(client, rm)
    # Released warnings keep their old owner: the list of released ones follows the book.
    moved.status = "released"
    moved.save()
    client.force_login(colleague)
    response = client.get(reverse("compliance:warning-list"), {"status": "released"})
    assert [w.pk for w in response.context["page"]] == [moved.pk]
    client.force_login(rm)
    response = client.get(reverse("compliance:warning-list"), {"status": "released"})
    assert list(response.context["page"]) == []


def test_dashboard_age_buckets_equal_the_raw_warnings(make_user):
    from compliance import selectors
    from compliance.models import Grade

    today = datetime.date(2031, 6, 30)
    kinds = ["overdue", "litigation", "negative_news", "esg_incident"]
    for n, age in enumerate([-2, 0, 3, 4, 10, 11, 30, 31, 90, 5, 12]):
        WarningFactory(
            kind=kinds[n % 4],
            grade=Grade.values[n % 4],
            status="open" if n % 3 else "verified",
            raised_on=today - datetime.timedelta(days=age),
            verify_by=today - datetime.timedelta(days=age - 2),
        )
    WarningFactory(grade="red", status="released", raised_on=today)
    data = selectors.dashboard(make_user(roles.COMPLIANCE_OFFICER), today)
    active = list(RiskWarning.objects.exclude(status="released"))
    for grade in Grade.values:
        assert data["by_grade"][grade] == sum(w.grade == grade for w in active)
        for low, high in selectors.AGE_BUCKETS:
            expected = sum(
                w.grade == grade
                and low <= (today - w.raised_on).days
                and (high is None or (today - w.raised_on).days <= high)
                for w in active
            )
            assert data["ages"][f"{grade}_{low}"] == expected, (grade, low)
    assert data["overdue_verification"] == sum(
        w.status == "open" and w.verify_by < today for w in active
    )
    assert sum(data["ages"].values()) == len(active) - 1  # the one raised "later" is in no bucket
