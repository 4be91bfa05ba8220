"""The state machine: one table, one service; every allowed and forbidden transition per role."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from complaints import services
from complaints.models import Complaint, History, Notice, State
from crm.accounts import roles
from crm.audit.models import AuditEntry
from crm.core.access import NotFound
from crm.core.workflow import TransitionError
from customers.records.models import FollowUpReason, FollowUpTask
from tests.factories import CustomerFactory, TeamFactory, UserFactory

from .factories import FIELDS, make_complaint, move

pytestmark = pytest.mark.django_db

FRONT_LINE = {"withdrawn", "review_requested"}
# After acceptance only compliance withdraws (the front line asks it to: test_withdrawal.py).
FRONT_LINE_SOURCES = {"withdrawn": {"received"}}
# Which roles may perform which transition target (by the permission in the table).
EXPECTED = {
    roles.RELATIONSHIP_MANAGER: FRONT_LINE,
    roles.TEAM_LEAD: FRONT_LINE,
    roles.BRANCH_HEAD: FRONT_LINE,
    roles.COMPLIANCE_OFFICER: {t.target for t in services.TRANSITIONS},
    roles.AUDITOR: set(),
    roles.ADMINISTRATOR: set(),
}


def _actor_with_customer(role):
    team = TeamFactory()
    owner = UserFactory(role=roles.RELATIONSHIP_MANAGER, team=team, branch=team.branch)
    actor = UserFactory(role=role, team=team, branch=team.branch)
    if role == roles.RELATIONSHIP_MANAGER:
        owner = actor
    return actor, CustomerFactory(owner=owner)


@pytest.mark.parametrize("spec", services.TRANSITIONS, ids=lambda t: f"{t.source}->{t.target}")
@pytest.mark.parametrize("role", list(EXPECTED))
def test_every_transition_per_role(role, spec):
    officer = UserFactory(role=roles.COMPLIANCE_OFFICER)
    actor, customer = _actor_with_customer(role)
    c = make_complaint(customer.owner, customer=customer)
    c = move(officer, c, spec.source)
    assert c.state == spec.source
    allowed = spec.target in EXPECTED[role] and (
        role == roles.COMPLIANCE_OFFICER
        or spec.source in FRONT_LINE_SOURCES.get(spec.target, {spec.source})
    )
    if allowed:
        done = services.complaint_transition(actor, c.pk, spec.target, **FIELDS[spec.target])
        assert done.state == spec.target
        row = History.objects.filter(complaint=c, event="transition").last()
        assert (row.from_state, row.to_state, row.actor_id) == (spec.source, spec.target, actor.pk)
        assert AuditEntry.objects.filter(
            action=f"complaint.{spec.target}", target_id=str(c.pk)
        ).exists()
    else:
        with pytest.raises(PermissionDenied):
            services.complaint_transition(actor, c.pk, spec.target, **FIELDS[spec.target])
        c.refresh_from_db()
        assert c.state == spec.source


def test_risk_officer_cannot_even_see_complaints(officer):
    risk = UserFactory(role=roles.RISK_OFFICER)
    c = make_complaint(UserFactory(role=roles.RELATIONSHIP_MANAGER))
    with pytest.raises(NotFound):
        services.complaint_transition(risk, c.pk, "withdrawn", withdrawn_reason="x")


def test_rm_outside_the_book_gets_not_found(rm, other_rm, customer):
    c = make_complaint(rm, customer=customer)
    with pytest.raises(NotFound):
        services.complaint_transition(other_rm, c.pk, "withdrawn", withdrawn_reason="x")


FORBIDDEN = [
    (source, target)
    for source in State.values
    for target in State.values
    if (source, target) not in services.WORKFLOW.by_key
]


@pytest.mark.parametrize("source,target", FORBIDDEN)
def test_forbidden_transitions_are_refused_and_change_nothing(
    source, target, rm, customer, officer
):
    c = move(
        officer, make_complaint(rm, customer=customer), "closed" if source == "closed" else source
    )
    if source == "closed":
        assert c.state == "closed"
    before = History.objects.filter(complaint=c).count()
    with pytest.raises(TransitionError) as exc:
        services.complaint_transition(officer, c.pk, target, **FIELDS.get(target, {}))
    assert c.reference in " ".join(exc.value.messages)
    c.refresh_from_db()
    assert c.state == source
    assert History.objects.filter(complaint=c).count() == before


@pytest.mark.parametrize(
    "target,missing",
    [
        ("accepted", "notice_via"),
        ("not_accepted", "reason"),
        ("not_accepted", "notice_via"),
        ("withdrawn", "withdrawn_reason"),
    ],
)
def test_required_fields_from_received(target, missing, rm, customer, officer):
    c = make_complaint(rm, customer=customer)
    fields = dict(FIELDS[target])
    fields.pop(missing)
    with pytest.raises(ValidationError) as exc:
        services.complaint_transition(officer, c.pk, target, **fields)
    assert missing in exc.value.message_dict
    c.refresh_from_db()
    assert c.state == "received"
    assert not Notice.objects.filter(complaint=c).exists()


@pytest.mark.parametrize("missing", ["decision", "remedies", "notice_via"])
def test_decision_requires_decision_remedies_and_notice(missing, rm, customer, officer):
    c = move(officer, make_complaint(rm, customer=customer), "in_handling")
    fields = dict(FIELDS["decision_issued"])
    fields.pop(missing)
    with pytest.raises(ValidationError) as exc:
        services.complaint_transition(officer, c.pk, "decision_issued", **fields)
    assert missing in exc.value.message_dict


def test_unknown_remedy_is_refused(rm, customer, officer):
    c = move(officer, make_complaint(rm, customer=customer), "in_handling")
    fields = dict(FIELDS["decision_issued"], remedies=["prayer"])
    with pytest.raises(ValidationError):
        services.complaint_transition(officer, c.pk, "decision_issued", **fields)


def test_closing_requires_satisfaction(rm, customer, officer):
    c = move(officer, make_complaint(rm, customer=customer), "decision_issued")
    with pytest.raises(ValidationError) as exc:
        services.complaint_transition(officer, c.pk, "closed", satisfaction="9")
    assert "satisfaction" in exc.value.message_dict


# Fixed instants (Asia/Shanghai), not "an hour ago": received an hour before a decision at
# 00:30 falls on the previous local day. The day of receipt is not counted (Civil Code).
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MARCH_2 = datetime.date(2026, 3, 2)


def _at(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("received_at", "decided_at", "days"),
    [
        (_at(MARCH_2, 0, 5), _at(MARCH_2, 0, 30), 0),  # just after midnight, same local day
        (_at(MARCH_2, 11), _at(MARCH_2, 12), 0),  # midday
        (_at(MARCH_2 - datetime.timedelta(days=1), 23, 50), _at(MARCH_2, 0, 10), 1),
        (_at(MARCH_2, 9), _at(MARCH_2 + datetime.timedelta(days=9), 16), 9),
    ],
    ids=["after-midnight", "midday", "across-midnight", "nine-days"],
)
def test_decision_records_notice_with_remedies_and_handling_time(
    rm, customer, officer, received_at, decided_at, days
):
    c = make_complaint(rm, customer=customer, received_at=received_at)
    c = move(officer, c, "decision_issued", now=decided_at)
    notice = c.notices.get(kind=Notice.Kind.DECISION)
    assert "诉讼" in notice.body or "Litigation" in notice.body
    assert c.remedies == ["review", "litigation"]
    assert c.handling_days == days
    assert c.review_request_until is not None
    assert c.due_on is None


def test_review_must_be_requested_within_30_days(rm, customer, officer):
    import datetime

    from django.utils import timezone

    c = move(officer, make_complaint(rm, customer=customer), "decision_issued")
    late = timezone.now() + datetime.timedelta(days=45)
    with pytest.raises(ValidationError) as exc:
        services.complaint_transition(rm, c.pk, "review_requested", now=late, review_reason="不服")
    assert "30" in " ".join(exc.value.messages)
    ok = services.complaint_transition(rm, c.pk, "review_requested", review_reason="不服")
    assert ok.review_due is not None and ok.due_on == ok.review_due


def test_anonymous_complaints_cannot_request_review(rm, officer):
    c = make_complaint(rm, intake="counter", is_anonymous=True, customer=None)
    assert c.complainant_name == "" and c.customer_id is None
    c = move(officer, c, "decision_issued")
    with pytest.raises(ValidationError):
        services.complaint_transition(officer, c.pk, "review_requested", review_reason="不服")


def test_closing_schedules_the_satisfaction_call(
    rm, customer, officer, django_capture_on_commit_callbacks
):
    c = make_complaint(rm, customer=customer)
    with django_capture_on_commit_callbacks(execute=False) as scheduled:
        c = move(officer, c, "closed")
    # Scheduled for after the commit: a transition that rolls back leaves no call behind.
    assert not FollowUpTask.objects.filter(customer=customer).exists()
    for callback in scheduled:
        callback()
    task = FollowUpTask.objects.get(customer=customer, reason=FollowUpReason.COMPLAINT_SATISFACTION)
    assert c.reference in task.title
    assert task.owner == rm
    assert c.satisfaction == 4 and c.closed_at is not None


def test_closing_a_non_customer_complaint_schedules_nothing(
    rm, officer, django_capture_on_commit_callbacks
):
    c = make_complaint(rm, intake="counter", customer=None, complainant_name="钱先生")
    with django_capture_on_commit_callbacks(execute=True):
        move(officer, c, "closed")
    assert not FollowUpTask.objects.exists()


def test_start_handling_assigns_the_actor_when_nobody_is_assigned(rm, customer, officer):
    c = move(officer, make_complaint(rm, customer=customer), "in_handling")
    assert c.handler == officer


def test_expected_state_gives_the_someone_else_message(rm, customer, officer, second_officer):
    c = make_complaint(rm, customer=customer)
    services.complaint_transition(officer, c.pk, "accepted", notice_via="sms")
    with pytest.raises(TransitionError) as exc:
        services.complaint_transition(
            second_officer, c.pk, "accepted", expected_state="received", notice_via="sms"
        )
    assert "Someone else" in str(exc.value) or "他人" in str(exc.value) or "其他" in str(exc.value)


def test_allowed_transitions_lists_only_permitted_next_steps(rm, customer, officer):
    c = make_complaint(rm, customer=customer)
    assert {t.target for t in services.complaint_transitions_allowed(officer, c)} == {
        "accepted",
        "not_accepted",
        "withdrawn",
    }
    assert {t.target for t in services.complaint_transitions_allowed(rm, c)} == {"withdrawn"}
    auditor = UserFactory(role=roles.AUDITOR)
    assert services.complaint_transitions_allowed(auditor, c) == []


def test_intake_validation_changes_nothing(rm, customer):
    import datetime

    from django.utils import timezone

    with pytest.raises(ValidationError) as exc:
        make_complaint(
            rm,
            customer=customer,
            demands=" ",
            received_at=timezone.now() + datetime.timedelta(days=1),
        )
    assert {"demands", "received_at"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError):
        make_complaint(rm, intake="counter", customer=None, complainant_name="")
    assert not Complaint.objects.exists()


def test_only_compliance_logs_regulator_forwarded(rm, officer):
    with pytest.raises(PermissionDenied):
        make_complaint(rm, intake="regulator", customer=None, regulator_reference="X1")
    with pytest.raises(ValidationError):
        make_complaint(officer, intake="regulator", customer=None)
    c = make_complaint(
        officer, intake="regulator", customer=None, regulator_reference="银保监转〔2026〕1号"
    )
    assert c.regulator_forwarded and c.ack_due is not None
    assert c.due_on == min(c.ack_due, c.decision_due)


def test_rm_cannot_log_for_a_customer_outside_the_book(rm, other_rm):
    with pytest.raises(NotFound):
        make_complaint(rm, customer=CustomerFactory(owner=other_rm))
