"""Clocks on the business calendar (Civil Code counting), pauses, new facts and extensions."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from complaints import services
from complaints.models import History, Notice, SlaProfile
from crm.accounts import roles
from crm.audit.models import AuditEntry
from crm.core import approvals
from crm.core.models import ApprovalRequest
from crm.core.workflow import TransitionError
from tests.factories import UserFactory

from .factories import make_complaint, move, received

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "receipt,due",
    [
        # 2025 National Day: 10-01..10-08 off; Sun 09-28 and Sat 10-11 are make-up workdays.
        (date(2025, 9, 20), date(2025, 10, 9)),  # +15 = 10-05 (holiday) -> 10-09
        (date(2025, 9, 16), date(2025, 10, 9)),  # +15 = 10-01 -> 10-09
        (date(2025, 9, 28), date(2025, 10, 13)),  # received on the make-up Sunday: day not counted
        (date(2025, 9, 26), date(2025, 10, 11)),  # +15 = Sat 10-11, a make-up workday: stays
        # 2026 Spring Festival: 02-15..02-23 off; Sat 02-14 and Sat 02-28 are make-up workdays.
        (date(2026, 2, 1), date(2026, 2, 24)),  # +15 = 02-16 (holiday) -> 02-24
        (date(2026, 1, 30), date(2026, 2, 14)),  # +15 = make-up Saturday 02-14: stays
        (date(2026, 2, 13), date(2026, 2, 28)),  # +15 = make-up Saturday 02-28
        (date(2026, 2, 14), date(2026, 3, 2)),  # +15 = Sun 03-01 -> Mon 03-02
    ],
)
def test_decision_due_15_calendar_days_on_the_business_calendar(rm, customer, receipt, due):
    c = make_complaint(rm, customer=customer, received_at=received(receipt))
    assert c.decision_due == due
    assert c.due_on == due


@pytest.mark.parametrize(
    "receipt,ack",
    [
        (date(2025, 9, 26), date(2025, 10, 13)),  # 09-28(1) 29 30 | 10-09 10 11(make-up) 13(7)
        (date(2026, 2, 10), date(2026, 2, 26)),  # 11 12 13 14(make-up) | 24 25 26
    ],
)
def test_regulator_forwarded_acknowledged_within_7_working_days(officer, receipt, ack):
    c = make_complaint(
        officer,
        intake="regulator",
        customer=None,
        regulator_reference="R1",
        received_at=received(receipt),
    )
    assert c.ack_due == ack
    assert c.due_on == min(ack, c.decision_due)
    c = services.complaint_transition(officer, c.pk, "accepted", notice_via="post")
    assert c.due_on == c.decision_due
    assert c.breached  # accepted today, long after the acknowledgement deadline


def test_pause_adds_the_paused_days_and_new_facts_restart(rm, customer, officer):
    c = make_complaint(rm, customer=customer, received_at=received(date(2026, 1, 20)))
    assert c.decision_due == date(2026, 2, 4)
    c = move(officer, c, "in_handling")
    services.complaint_pause_clock(
        officer, c.pk, reason="appraisal", started_on=date(2026, 1, 25), note="鉴定"
    )
    c.refresh_from_db()
    assert c.paused and c.decision_due == date(2026, 2, 4)
    c = services.complaint_resume_clock(officer, c.pk, ended_on=date(2026, 1, 30))
    assert not c.paused and c.paused_days == 5
    assert c.decision_due == date(2026, 2, 9)  # 01-25 + 15
    # New facts on 02-03: the 15 days start again from that day -> 02-18 (holiday) -> 02-24.
    c = services.complaint_record_new_facts(
        officer, c.pk, on=date(2026, 2, 3), note="投诉人补充录音证据"
    )
    assert (c.clock_start, c.paused_days, c.decision_due) == (
        date(2026, 2, 3),
        0,
        date(2026, 2, 24),
    )
    events = list(History.objects.filter(complaint=c).values_list("event", flat=True))
    assert events[-3:] == ["pause", "resume", "new_facts"]
    assert AuditEntry.objects.filter(
        action="complaint.new_facts_recorded", target_id=str(c.pk)
    ).exists()


def test_resume_with_new_facts_restarts_from_the_resume_day(rm, customer, officer):
    c = move(
        officer,
        make_complaint(rm, customer=customer, received_at=received(date(2025, 9, 10))),
        "accepted",
    )
    services.complaint_pause_clock(officer, c.pk, reason="mediation", started_on=date(2025, 9, 12))
    c = services.complaint_resume_clock(officer, c.pk, ended_on=date(2025, 9, 20), new_facts=True)
    assert c.decision_due == date(2025, 10, 9)  # 09-20 + 15 = 10-05 (National Day) -> 10-09
    assert c.pauses.get().end_mode == "restart"


def test_pause_rules(rm, customer, officer):
    c = move(officer, make_complaint(rm, customer=customer), "in_handling")
    with pytest.raises(PermissionDenied):
        services.complaint_pause_clock(rm, c.pk, reason="appraisal")
    with pytest.raises(ValidationError):
        services.complaint_pause_clock(officer, c.pk, reason="holiday")
    services.complaint_pause_clock(officer, c.pk, reason="appraisal")
    with pytest.raises(TransitionError):
        services.complaint_pause_clock(officer, c.pk, reason="appraisal")
    assert c.pauses.count() == 1


def test_decision_ends_an_open_pause(rm, customer, officer):
    c = move(officer, make_complaint(rm, customer=customer), "in_handling")
    services.complaint_pause_clock(officer, c.pk, reason="appraisal")
    c = services.complaint_transition(
        officer, c.pk, "decision_issued", decision="维持", remedies=["review"], notice_via="post"
    )
    assert not c.paused
    assert c.pauses.get().ended_on is not None


def test_extension_needs_a_second_person_and_moves_the_deadline(
    rm, customer, officer, second_officer
):
    c = move(
        officer,
        make_complaint(rm, customer=customer, received_at=received(date(2025, 9, 20))),
        "in_handling",
    )
    assert c.decision_due == date(2025, 10, 9)
    req = services.complaint_request_extension(officer, c.pk, reason="案情复杂", notice_via="sms")
    assert req.payload["days"] == 30
    with pytest.raises(TransitionError):
        services.complaint_request_extension(officer, c.pk, reason="again", notice_via="sms")
    with pytest.raises(PermissionDenied):
        approvals.approval_decide(officer, req.pk, approve=True)  # no self-approval
    c.refresh_from_db()
    assert c.decision_due == date(2025, 10, 9)
    approvals.approval_decide(second_officer, req.pk, approve=True, note="同意")
    c.refresh_from_db()
    assert (c.extension_level, c.is_complex, c.decision_due) == (1, True, date(2025, 10, 20))
    assert c.due_on == c.decision_due
    notice = c.notices.get(kind=Notice.Kind.EXTENSION)
    assert notice.via == "sms" and str(req.pk) in notice.evidence
    assert History.objects.filter(complaint=c, event="extension").exists()
    assert AuditEntry.objects.filter(action="complaint.extended", actor=second_officer).exists()
    # Second extension: 60 days in all (2025-11-19), again with approval.
    req2 = services.complaint_request_extension(officer, c.pk, reason="特别复杂", notice_via="post")
    assert req2.payload["days"] == 60
    approvals.approval_decide(second_officer, req2.pk, approve=True)
    c.refresh_from_db()
    assert (c.extension_level, c.decision_due) == (2, date(2025, 11, 19))
    with pytest.raises(TransitionError):
        services.complaint_request_extension(officer, c.pk, reason="more", notice_via="post")
    assert c.notices.filter(kind=Notice.Kind.EXTENSION).count() == 2


def test_rejected_extension_changes_nothing(rm, customer, officer, second_officer):
    c = move(officer, make_complaint(rm, customer=customer), "accepted")
    due = c.decision_due
    req = services.complaint_request_extension(officer, c.pk, reason="复杂", notice_via="sms")
    approvals.approval_decide(second_officer, req.pk, approve=False, note="理由不足")
    c.refresh_from_db()
    assert c.decision_due == due and c.extension_level == 0
    assert ApprovalRequest.objects.get(pk=req.pk).status == "rejected"


def test_extension_approved_after_the_decision_is_refused(rm, customer, officer, second_officer):
    c = move(officer, make_complaint(rm, customer=customer), "in_handling")
    req = services.complaint_request_extension(officer, c.pk, reason="复杂", notice_via="sms")
    services.complaint_transition(
        officer, c.pk, "decision_issued", decision="x", remedies=["review"], notice_via="sms"
    )
    with pytest.raises(ValidationError):
        approvals.approval_decide(second_officer, req.pk, approve=True)
    assert ApprovalRequest.objects.get(pk=req.pk).status == "pending"  # rolled back


def test_rm_and_branch_head_roles_for_extensions(rm, customer, officer):
    c = move(officer, make_complaint(rm, customer=customer), "accepted")
    with pytest.raises(PermissionDenied):
        services.complaint_request_extension(rm, c.pk, reason="x", notice_via="sms")
    req = services.complaint_request_extension(officer, c.pk, reason="复杂", notice_via="sms")
    # A branch head above the requester may decide (issue 15 item 3), one elsewhere may not.
    head = UserFactory(role=roles.BRANCH_HEAD, branch=officer.branch.parent, team=None)
    assert approvals.can_decide(head, req)
    assert not approvals.can_decide(UserFactory(role=roles.BRANCH_HEAD, team=None), req)
    assert not approvals.can_decide(rm, req)


@pytest.mark.parametrize(
    "code,receipt,decision,ack",
    [
        ("UK_FCA", date(2025, 9, 1), date(2025, 10, 27), None),  # 56 days = Sun 10-26 -> Mon 10-27
        ("US_CFPB", date(2026, 2, 1), date(2026, 2, 24), None),
        (
            "HK_HKMA",
            date(2026, 2, 1),
            date(2026, 3, 3),
            date(2026, 2, 9),
        ),  # 30 d; ack 7 d (Sun) -> Mon
    ],
)
def test_other_profiles_are_data(rm, customer, code, receipt, decision, ack):
    profile = SlaProfile.objects.get(code=code)
    c = make_complaint(rm, customer=customer, received_at=received(receipt), profile=profile)
    assert c.decision_due == decision
    assert c.ack_due == ack


def test_profile_extension_levels():
    cn = SlaProfile.objects.get(code="CN_BANK")
    assert [cn.days_for_level(i) for i in range(3)] == [15, 30, 60]
    assert cn.next_extension_level(0) == 1 and cn.next_extension_level(2) is None
    us = SlaProfile.objects.get(code="US_CFPB")
    assert us.next_extension_level(0) == 2 and us.days_for_level(1) == 15
    assert SlaProfile.objects.get(code="UK_FCA").next_extension_level(0) is None
    assert SlaProfile.objects.filter(is_default=True).get() == cn
