"""No 500 on crafted input (issue 15, item 12): each root cause found by probing, as a
regression case."""

import base64
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm.accounts import roles
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", "x")


# Every list paged by crm.ui.pagination.keyset_page, with the ordering's width.
KEYSET_LISTS = [
    ("audit:entry-list", {}),
    ("customers:customer-list", {}),
    ("customers:customer-list", {"o": "-number"}),
    ("customers:task-list", {}),
    ("customers:statement-list", {}),
    ("complaints:complaint-queue", {}),
    ("complaints:complaint-queue", {"status": "all", "order": "received"}),
    ("compliance:signal-list", {}),
    ("compliance:warning-list", {}),
    ("compliance:watch-list", {}),
    ("compliance:mismatch-list", {}),
    ("compliance:audit-review", {}),
]

CRAFTED_CURSORS = [
    "WyJ4IiwgIngiXQ",  # ["x", "x"]: text where a date and an id belong
    _cursor(["2026-01-01", str(2**70)]),  # an id beyond 64 bits
    _cursor([str(-(2**70)), "1"]),
    _cursor(["9999-12-31T23:59:59", "1"]),  # a naive date-time
    _cursor(["10000-01-01", "1"]),
    _cursor([{"a": 1}, [1]]),  # JSON objects and lists for values
    _cursor(["\x00", "1"]),  # NUL, which PostgreSQL refuses in text
    _cursor(["x"]),  # the wrong width
]


@pytest.mark.parametrize(("name", "params"), KEYSET_LISTS)
def test_crafted_cursor_is_the_first_page(client, superuser, name, params):
    CustomerFactory()
    client.force_login(superuser)
    assert client.get(reverse(name), params).status_code == 200
    for cursor in CRAFTED_CURSORS:
        response = client.get(reverse(name), {**params, "after": cursor})
        assert response.status_code == 200, cursor


# ---- dates at the ends of the calendar --------------------------------------------------------

EDGE_DATES = ["9999-12-31", "0001-01-01"]


@pytest.mark.parametrize("day", EDGE_DATES)
def test_complaint_statistics_take_any_date(client, compliance, day):
    client.force_login(compliance)
    for params in ({"start": day}, {"end": day}, {"start": day, "end": day}):
        for name in ("complaints:statistics-detail", "complaints:statistics-data"):
            assert client.get(reverse(name), params).status_code == 200, (name, params)
        export = client.get(reverse("complaints:statistics-export"), params)
        assert export.status_code < 500, params


@pytest.mark.parametrize("day", EDGE_DATES)
def test_tiering_what_if_takes_any_date(client, make_user, day):
    from tests.tiering.factories import PolicyFactory
    from tiering.models import TierPolicy

    admin = make_user(roles.ADMINISTRATOR)
    policy = PolicyFactory(status=TierPolicy.Status.DRAFT)
    client.force_login(admin)
    response = client.post(reverse("tiering:policy-whatif", args=[policy.pk]), {"as_of": day})
    assert response.status_code in (200, 302)


# ---- search terms --------------------------------------------------------------------------


def test_a_55000_character_search_is_refused_with_a_message(client, rm):
    CustomerFactory(owner=rm)
    client.force_login(rm)
    response = client.get(reverse("customers:customer-list"), {"q": "a" * 55_000})
    assert response.status_code == 200
    assert response.context["filter"].errors["q"]
    queue = client.get(reverse("complaints:complaint-queue"), {"q": "a" * 55_000})
    assert queue.status_code == 200


# ---- next= -------------------------------------------------------------------------------


# (A next= with a NUL byte is refused as a bad request: test_a_nul_byte_in_a_parameter_...)
@pytest.mark.parametrize("target", ["login", "customers:customer-list", "ui:home"])
def test_next_that_is_not_a_path_is_ignored(client, rm, target):
    from tests.customers.followups.factories import TaskFactory

    task = TaskFactory(customer=CustomerFactory(owner=rm))
    client.force_login(rm)
    response = client.post(reverse("customers:task-done", args=[task.pk]), {"next": target})
    assert response.status_code == 302
    assert response.url == reverse("customers:task-list")


# ---- non-numeric ids in forms --------------------------------------------------------------


@pytest.mark.parametrize("value", ["", "abc", "0001-01-01", str(2**70)])
def test_invitation_with_a_crafted_customer_id_invites_nobody(client, rm, value):
    from customers.sales.models import ActivityInvitation
    from tests.customers.sales.factories import ActivityFactory

    activity = ActivityFactory(organiser=rm)
    customer = CustomerFactory(owner=rm)
    client.force_login(rm)
    url = reverse("customers:activity-invite", args=[activity.pk])
    response = client.post(url, {"customer": [customer.pk, value]})
    assert response.status_code in (200, 302)
    assert not ActivityInvitation.objects.exists()


@pytest.mark.parametrize("value", [str(2**70), "abc"])
def test_interaction_with_a_crafted_colleague_id_is_a_form_error(client, rm, value):
    from customers.contacts.models import Interaction

    customer = CustomerFactory(owner=rm)
    client.force_login(rm)
    url = reverse("customers:interaction-create", args=[customer.pk])
    response = client.post(
        url, {"channel": "phone", "purpose": "service", "summary": "x", "staff": [value]}
    )
    assert response.status_code == 400  # the form again, with the field's error
    assert "staff" in response.context["form"].errors
    assert not Interaction.objects.exists()


# ---- integers beyond 64 bits ---------------------------------------------------------------


@pytest.mark.parametrize("score", [str(2**63), str(2**70)])
def test_risk_assessment_with_a_score_beyond_64_bits_records_nothing(client, rm, score):
    from customers.records.models import RiskAssessment

    customer = CustomerFactory(owner=rm)
    client.force_login(rm)
    url = reverse("customers:assessment-create", args=[customer.pk])
    response = client.post(url, {"risk_class": "C4", "score": score}, follow=True)
    assert response.status_code == 200
    assert not RiskAssessment.objects.exists()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


@pytest.mark.parametrize("value", [str(2**63), str(2**70), "abc"])
def test_bulk_reassign_of_a_crafted_customer_id_is_refused(client, lead, rm, rm_b, value):
    customer = CustomerFactory(owner=rm)
    client.force_login(lead)
    response = client.post(
        reverse("ui:bulk-run"),
        {
            "list": "customers:customer-list",
            "action": "reassign",
            "ids": [customer.pk, value],
            "reassign-owner": rm_b.pk,
            "reassign-reason": "重新分配",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    customer.refresh_from_db()
    assert customer.owner == rm


def test_reassignment_services_refuse_crafted_ids(lead, rm, rm_b):
    from customers.records.services import customers_reassign

    customer = CustomerFactory(owner=rm)
    for crafted in ([customer.pk, 2**70], ["x"], [str(-1)], []):
        with pytest.raises(ValidationError):
            customers_reassign(lead, crafted, rm_b, reason="重新分配")
    customer.refresh_from_db()
    assert customer.owner == rm


def test_handover_assign_skips_crafted_ids(client, head, rm, rm_b):
    from customers.sales.models import HandoverItem
    from customers.sales.services import handover

    customer = CustomerFactory(owner=rm)
    plan = handover.handover_start(head, rm, rm_b, reason="leaving")
    client.force_login(head)
    url = reverse("customers:handover-detail", args=[plan.pk])
    for value in (str(2**70), "abc"):
        response = client.post(url, {"customer": [value], "successor": rm_b.pk, "note": "x"})
        assert response.status_code == 302
    assert HandoverItem.objects.get(plan=plan, customer=customer).note == ""


def test_invitation_status_skips_crafted_ids(client, rm):
    from customers.sales.models import ActivityInvitation
    from customers.sales.services import marketing
    from tests.customers.sales.factories import ActivityFactory

    activity = ActivityFactory(organiser=rm)
    customer = CustomerFactory(owner=rm)
    marketing.activity_invite(rm, activity, [customer.pk])
    client.force_login(rm)
    url = reverse("customers:activity-status", args=[activity.pk])
    for value in (str(2**70), "abc"):
        response = client.post(url, {"customer": [value], "status": "registered"})
        assert response.status_code == 302
    assert ActivityInvitation.objects.get().status == ActivityInvitation.Status.INVITED


def test_complaint_bulk_action_refuses_crafted_ids(client, compliance):
    client.force_login(compliance)
    for action, field, value in (("accept", "notice_via", "sms"), ("assign", "handler", None)):
        response = client.post(
            reverse("ui:bulk-run"),
            {
                "list": "complaints:complaint-queue",
                "action": action,
                "ids": [str(2**70), "abc"],
                f"{action}-{field}": value or compliance.pk,
            },
        )
        assert response.status_code == 302, action


# ---- dates and times at the ends of the calendar in forms ---------------------------------


def test_every_date_field_of_every_form_checks_the_range():
    """A date or date-time a form takes is between crm.ui.forms.DATE_MIN and DATE_MAX: the ends
    of the calendar overflow in date arithmetic and time-zone conversion (a 500)."""
    from django import forms

    from crm.ui.forms import date_in_range
    from tests.crm.test_native_date_inputs import _project_forms

    unchecked = [
        f"{form.__module__}.{form.__name__}.{name}"
        for form in _project_forms()
        for name, field in getattr(form, "base_fields", {}).items()
        if isinstance(field, forms.DateField | forms.DateTimeField)
        and date_in_range not in field.validators
    ]
    assert not unchecked, "date fields without the range check:\n" + "\n".join(sorted(unchecked))


@pytest.mark.parametrize("when", ["9999-12-31T23:59", "0001-01-01T00:00"])
def test_complaint_received_at_the_ends_of_the_calendar_is_a_form_error(client, rm, when):
    from complaints.models import Complaint
    from tests.complaints.factories import codes, ensure_reference_data

    ensure_reference_data()
    channel, category, cause = codes()
    customer = CustomerFactory(owner=rm)
    client.force_login(rm)
    response = client.post(
        reverse("complaints:complaint-intake-customer", args=[customer.pk]),
        {
            "channel": channel.pk,
            "business_category": category.pk,
            "cause": cause.pk,
            "received_at": when,
            "complainant_name": "张伟",
            "complainant_contact": "13800000000",
            "facts": "理财收益与宣传不符",
            "demands": "赔偿",
        },
    )
    assert response.status_code == 200
    assert "received_at" in response.context["form"].errors
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("when", ["9999-12-31T23:59", "0001-01-01T00:00"])
def test_activity_starting_at_the_ends_of_the_calendar_is_a_form_error(client, rm, when):
    from customers.sales.models import Activity

    client.force_login(rm)
    response = client.post(
        reverse("customers:activity-create"),
        {"title": "沙龙", "kind": "seminar", "organiser": rm.pk, "starts_at": when, "budget": "0"},
    )
    assert response.status_code == 200
    assert "starts_at" in response.context["form"].errors
    assert not Activity.objects.exists()


# ---- stages ------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["abc", "", "prospect", "x" * 5000])
def test_a_crafted_stage_moves_nothing(client, rm, stage):
    from customers.sales.models import CustomerLifecycle
    from tests.customers.sales.factories import ProspectFactory

    prospect = ProspectFactory(owner=rm)
    customer = CustomerFactory(owner=rm)
    client.force_login(rm)
    moves = [
        ("customers:prospect-move", prospect.pk, {"to": stage, "reason": "x"}),
        # Of a list, the last value counts.
        ("customers:prospect-move", prospect.pk, {"to": ["onboarding", stage]}),
        ("customers:lifecycle-move", customer.pk, {"to": stage, "reason": "x"}),
    ]
    for name, pk, data in moves:
        assert client.post(reverse(name, args=[pk]), data).status_code == 302, (name, data)
    board = client.post(
        reverse("customers:prospect-move", args=[prospect.pk]),
        {"to": stage, "from": "board", "owner": str(2**70)},
        HTTP_HX_REQUEST="true",
    )
    assert board.status_code in (200, 404)
    prospect.refresh_from_db()
    assert prospect.stage == "prospect"
    assert not CustomerLifecycle.objects.exclude(stage="active").exists()


# ---- the admin ---------------------------------------------------------------------------


def test_statement_runs_are_not_added_in_the_admin(client, superuser):
    from customers.sales.models import StatementRun

    client.force_login(superuser)
    url = reverse("admin:customers_statementrun_add")
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403
    assert not StatementRun.objects.exists()


@pytest.mark.parametrize("value", [str(2**70), "abc", "0001-01-01"])
def test_admin_relation_fields_answer_a_crafted_id_with_a_form_error(client, superuser, value):
    from crm.accounts.models import Team
    from tests.factories import BranchFactory

    branch = BranchFactory()
    client.force_login(superuser)
    team = client.post(
        reverse("admin:accounts_team_add"), {"name": "团队", "branch": branch.pk, "lead": value}
    )
    assert team.status_code == 200
    assert "lead" in team.context["adminform"].form.errors
    role = client.post(reverse("admin:auth_group_add"), {"name": "角色", "permissions": [value]})
    assert role.status_code == 200
    assert not Team.objects.exists()


def test_admin_crontab_with_a_negative_minute_is_a_form_error(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:django_celery_beat_crontabschedule_add"),
        {
            "minute": "-1",
            "hour": "*",
            "day_of_month": "*",
            "month_of_year": "*",
            "day_of_week": "*",
            "timezone": "Asia/Shanghai",
        },
    )
    assert response.status_code == 200


def test_admin_tier_policy_without_custom_weights_is_saved_with_none(client, superuser):
    from tiering.models import TierPolicy

    client.force_login(superuser)
    client.post(
        reverse("admin:tiering_tierpolicy_add"),
        {
            "name": "草案",
            "formula": "bank",
            "weights": "",
            "window_months": "12",
            "a_share": "0.8",
            "b_share": "0.95",
            "vip_gold": "50000",
            "vip_platinum": "500000",
            "vip_diamond": "2000000",
            "vip_private": "6000000",
            "vip_min_trades": "0",
            "vip_min_contribution": "0",
            "segment_medium_min": "100000",
            "segment_large_min": "400000",
            "downgrade_grace_runs": "3",
            "override_days": "90",
        },
    )
    assert TierPolicy.objects.get().weights == {}


# ---- NUL bytes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "name", "data"),
    [
        ("get", "compliance:signal-list", {"kind": "\x00"}),
        ("get", "customers:customer-export", {"q": "\x00"}),
        ("post", "complaints:complaint-intake", {"customer_number": "\x00"}),
        ("post", "customers:prospect-move", {"to": "\x00"}),
    ],
)
def test_a_nul_byte_in_a_parameter_is_a_bad_request(client, compliance, method, name, data):
    """PostgreSQL refuses NUL in text and JSON: views that read a raw parameter answered 500."""
    from crm.audit.models import AuditEntry
    from tests.customers.sales.factories import ProspectFactory

    args = [ProspectFactory(owner=compliance).pk] if name == "customers:prospect-move" else []
    client.force_login(compliance)
    response = getattr(client, method)(reverse(name, args=args), data)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
    assert not AuditEntry.objects.filter(action="customer.exported").exists()


@pytest.mark.parametrize("value", [str(2**63), str(2**70), "abc"])
def test_naming_staff_with_a_crafted_id_is_a_form_error(client, make_user, value):
    """Found by the fuzz test: the named-staff form asked SQLite for an id beyond 64 bits."""
    from complaints.models import Complaint
    from tests.complaints.factories import make_complaint

    officer = make_user(roles.COMPLIANCE_OFFICER)
    c = make_complaint(make_user(roles.RELATIONSHIP_MANAGER))
    client.force_login(officer)
    response = client.post(
        reverse("complaints:complaint-named-staff", args=[c.pk]), {"staff": value}
    )
    assert response.status_code == 200
    assert "staff" in response.context["form"].errors
    assert not Complaint.objects.get(pk=c.pk).named_staff.exists()
