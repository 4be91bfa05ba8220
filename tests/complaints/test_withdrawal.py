"""Withdrawal on the complainant's behalf (issue 15 item 14): the front line before acceptance;
after it, an RM's request that compliance confirms or refuses; never by staff the complaint
names."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from complaints import services
from complaints.models import WITHDRAWAL_KIND, History, State
from crm.audit.models import AuditEntry
from crm.core import approvals
from crm.core.access import NotFound
from crm.core.models import ApprovalRequest
from crm.core.workflow import TransitionError

from .factories import make_complaint, move

pytestmark = pytest.mark.django_db

AFTER_ACCEPTANCE = ["accepted", "in_handling", "review_requested"]


def _state(c):
    c.refresh_from_db()
    return c.state


def test_rm_withdraws_before_acceptance(rm, customer):
    c = make_complaint(rm, customer=customer)
    assert "withdrawn" in {t.target for t in services.complaint_transitions_allowed(rm, c)}
    done = services.complaint_transition(rm, c.pk, "withdrawn", withdrawn_reason="已协商一致")
    assert done.state == "withdrawn" and done.withdrawn_reason == "已协商一致"


@pytest.mark.parametrize("state", AFTER_ACCEPTANCE)
def test_after_acceptance_an_rm_cannot_withdraw_directly(state, rm, customer, officer):
    c = move(officer, make_complaint(rm, customer=customer), state)
    assert "withdrawn" not in {t.target for t in services.complaint_transitions_allowed(rm, c)}
    with pytest.raises(PermissionDenied):
        services.complaint_transition(rm, c.pk, "withdrawn", withdrawn_reason="客户撤诉")
    assert _state(c) == state


@pytest.mark.parametrize("state", AFTER_ACCEPTANCE)
def test_compliance_withdraws_an_accepted_complaint_directly(state, rm, customer, officer):
    c = move(officer, make_complaint(rm, customer=customer), state)
    done = services.complaint_transition(officer, c.pk, "withdrawn", withdrawn_reason="客户撤诉")
    assert done.state == "withdrawn"


def test_rm_request_waits_for_compliance_which_confirms(rm, customer, officer, second_officer):
    c = move(officer, make_complaint(rm, customer=customer), "in_handling")
    req = services.complaint_request_withdrawal(rm, c.pk, reason="客户已与网点和解")
    assert req.kind == WITHDRAWAL_KIND and req.status == ApprovalRequest.Status.PENDING
    # Pending: the complaint carries on where it was, its clock still running.
    assert _state(c) == "in_handling"
    assert History.objects.filter(complaint=c, event="withdrawal_requested").exists()
    assert req in approvals.approvals_pending_for(second_officer)
    with pytest.raises(PermissionDenied):  # the RM cannot confirm their own request
        approvals.approval_decide(rm, req.pk, approve=True)

    approvals.approval_decide(second_officer, req.pk, approve=True, note="已核实客户意愿")
    c.refresh_from_db()
    assert c.state == "withdrawn" and c.withdrawn_reason == "客户已与网点和解"
    row = History.objects.filter(complaint=c, event="transition").last()
    assert (row.from_state, row.to_state, row.actor_id) == (
        "in_handling",
        "withdrawn",
        second_officer.pk,
    )
    assert AuditEntry.objects.filter(
        action="complaint.withdrawn", target_id=str(c.pk), actor=second_officer
    ).exists()
    assert AuditEntry.objects.filter(action="approval.approved", target_id=str(req.pk)).exists()


def test_compliance_refuses_and_nothing_changes(rm, customer, officer, second_officer):
    c = move(officer, make_complaint(rm, customer=customer), "accepted")
    req = services.complaint_request_withdrawal(rm, c.pk, reason="客户要求撤回")
    with pytest.raises(ValidationError):  # a refusal says why
        approvals.approval_decide(second_officer, req.pk, approve=False)
    approvals.approval_decide(
        second_officer, req.pk, approve=False, note="投诉涉及违规销售，须处理完毕"
    )
    assert _state(c) == "accepted"
    refused = History.objects.get(complaint=c, event="withdrawal_refused")
    assert refused.actor == second_officer and "违规销售" in refused.note
    assert AuditEntry.objects.filter(action="approval.rejected", target_id=str(req.pk)).exists()


def test_a_request_is_refused_before_acceptance_and_when_one_waits(rm, customer, officer):
    c = make_complaint(rm, customer=customer)
    with pytest.raises(TransitionError):
        services.complaint_request_withdrawal(rm, c.pk, reason="x")
    move(officer, c, "accepted")
    with pytest.raises(ValidationError):
        services.complaint_request_withdrawal(rm, c.pk, reason="  ")
    services.complaint_request_withdrawal(rm, c.pk, reason="客户要求撤回")
    with pytest.raises(TransitionError):
        services.complaint_request_withdrawal(rm, c.pk, reason="再次申请")
    assert ApprovalRequest.objects.filter(kind=WITHDRAWAL_KIND).count() == 1


@pytest.mark.parametrize("state", ["received", *AFTER_ACCEPTANCE])
def test_an_rm_the_complaint_names_can_never_withdraw_it(state, rm, customer, officer):
    c = move(officer, make_complaint(rm, customer=customer), state)
    services.complaint_set_named_staff(officer, c.pk, staff=[rm])
    assert "withdrawn" not in {t.target for t in services.complaint_transitions_allowed(rm, c)}
    with pytest.raises(PermissionDenied):
        services.complaint_transition(rm, c.pk, "withdrawn", withdrawn_reason="客户撤诉")
    with pytest.raises(PermissionDenied):
        services.complaint_request_withdrawal(rm, c.pk, reason="客户撤诉")
    assert _state(c) == state
    assert not ApprovalRequest.objects.filter(kind=WITHDRAWAL_KIND).exists()
    # Compliance still can.
    assert services.complaint_transition(
        officer, c.pk, "withdrawn", withdrawn_reason="x"
    ).state == ("withdrawn")


def test_a_named_officer_cannot_confirm_another_one_can(rm, customer, officer, second_officer):
    c = move(officer, make_complaint(rm, customer=customer), "accepted")
    req = services.complaint_request_withdrawal(rm, c.pk, reason="客户要求撤回")
    services.complaint_set_named_staff(officer, c.pk, staff=[second_officer])
    # Not in the named officer's inbox, and deciding it answers 404 like any out-of-scope request.
    assert req not in approvals.approvals_pending_for(second_officer)
    assert req in approvals.approvals_pending_for(officer)
    with pytest.raises(NotFound):
        approvals.approval_decide(second_officer, req.pk, approve=True)
    assert _state(c) == "accepted"
    approvals.approval_decide(officer, req.pk, approve=True)
    assert _state(c) == "withdrawn"


def test_naming_staff_is_for_compliance_and_audited(rm, customer, officer):
    c = make_complaint(rm, customer=customer)
    with pytest.raises(PermissionDenied):
        services.complaint_set_named_staff(rm, c.pk, staff=[])
    services.complaint_set_named_staff(officer, c.pk, staff=[rm])
    services.complaint_set_named_staff(officer, c.pk, staff=[rm])  # no change: no second row
    entries = AuditEntry.objects.filter(action="complaint.named_staff", target_id=str(c.pk))
    assert entries.count() == 1
    assert entries.get().after == {"named_staff": [rm.pk]}


def test_labels_in_chinese_are_the_verb_and_the_state():
    withdraw = [t for t in services.TRANSITIONS if t.target == State.WITHDRAWN]
    assert {t.source for t in withdraw} == {"received", *AFTER_ACCEPTANCE}
    with translation.override("zh-hans"):
        assert {str(t.label) for t in withdraw} == {"撤回"}
        assert str(State.WITHDRAWN.label) == "已撤回"
    with translation.override("en"):
        assert {str(t.label) for t in withdraw} == {"Withdraw"}
        assert str(State.WITHDRAWN.label) == "Withdrawn"


# ---- pages ------------------------------------------------------------------------------------


def test_rm_asks_from_the_complaint_page_and_sees_it_waiting(client, rm, customer, officer):
    c = move(officer, make_complaint(rm, customer=customer), "in_handling")
    client.force_login(rm)
    url = reverse("complaints:complaint-detail", args=[c.pk])
    html = client.get(url).content.decode()
    assert 'id="withdrawal-form"' in html and 'id="action-withdrawn"' not in html
    post = reverse("complaints:complaint-withdrawal", args=[c.pk])
    client.post(post, {"reason": ""})  # incomplete: nothing asked
    assert not ApprovalRequest.objects.filter(kind=WITHDRAWAL_KIND).exists()
    response = client.post(post, {"reason": "客户已与网点和解"})
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert 'id="pending-withdrawal"' in html and 'id="withdrawal-form"' not in html
    assert _state(c) == "in_handling"


def test_the_complaint_page_shows_撤回_and_已撤回(client, rm, customer, officer):
    c = make_complaint(rm, customer=customer)
    client.force_login(rm)
    url = reverse("complaints:complaint-detail", args=[c.pk])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'id="action-withdrawn">撤回<' in html
    services.complaint_transition(rm, c.pk, "withdrawn", withdrawn_reason="已协商一致")
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "已撤回" in html


def test_compliance_names_staff_on_its_page(client, rm, customer, officer):
    c = make_complaint(rm, customer=customer)
    url = reverse("complaints:complaint-named-staff", args=[c.pk])
    client.force_login(rm)
    assert client.get(url).status_code in (403, 404)
    client.force_login(officer)
    assert client.get(url).status_code == 200
    response = client.post(url, {"staff": [str(rm.pk)]})
    assert response.status_code == 302
    assert list(c.named_staff.values_list("pk", flat=True)) == [rm.pk]
    assert client.post(url, {"staff": ["not-a-number"]}).status_code == 200  # a clear error
    assert list(c.named_staff.values_list("pk", flat=True)) == [rm.pk]
    client.force_login(rm)
    html = client.get(reverse("complaints:complaint-detail", args=[c.pk])).content.decode()
    assert 'id="viewer-named"' in html and 'id="action-withdrawn"' not in html


def test_a_confirmation_after_the_complaint_moved_on_changes_nothing(
    rm, customer, officer, second_officer
):
    c = move(officer, make_complaint(rm, customer=customer), "in_handling")
    req = services.complaint_request_withdrawal(rm, c.pk, reason="客户要求撤回")
    services.complaint_transition(
        officer, c.pk, "decision_issued", decision="同意退费", remedies=["review"], notice_via="sms"
    )
    with pytest.raises(TransitionError):
        approvals.approval_decide(second_officer, req.pk, approve=True)
    assert _state(c) == "decision_issued"
    req.refresh_from_db()
    assert req.status == ApprovalRequest.Status.PENDING


def test_compliance_confirms_from_the_approvals_inbox(
    client, rm, customer, officer, second_officer
):
    c = move(officer, make_complaint(rm, customer=customer), "accepted")
    req = services.complaint_request_withdrawal(rm, c.pk, reason="客户要求撤回")
    client.force_login(second_officer)
    assert "撤回投诉" in client.get(reverse("core:approval-list")).content.decode()
    url = reverse("core:approval-decide", args=[req.pk])
    response = client.post(url, {"decision": "approve", "note": "已核实"})
    assert response.status_code == 302
    assert _state(c) == "withdrawn"


def test_the_admin_cannot_change_the_named_staff(client, rm, customer, officer):
    from crm.accounts import roles
    from tests.factories import UserFactory

    c = make_complaint(rm, customer=customer)
    services.complaint_set_named_staff(officer, c.pk, staff=[rm])
    admin = UserFactory(role=roles.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:complaints_complaint_change", args=[c.pk])
    html = client.get(url).content.decode()
    assert 'name="named_staff"' not in html
    client.post(url, {"named_staff": []})
    assert list(c.named_staff.values_list("pk", flat=True)) == [rm.pk]
