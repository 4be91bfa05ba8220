"""Four-eyes approvals: a second person with the right permission decides (DESIGN §5)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from crm.accounts import roles
from crm.audit.models import AuditEntry
from crm.core import approvals
from crm.core.access import NotFound
from crm.core.models import ApprovalRequest
from crm.core.tasks import expire_approvals

pytestmark = pytest.mark.django_db

KIND = "test.export"
PERMISSION = "audit.export_auditentry"


@pytest.fixture(autouse=True)
def kind():
    calls = []

    def on_approved(req, user):
        # Runs inside approval_decide()'s transaction: the decision is already saved, not yet committed.
        calls.append(("approved", req.pk, user.pk, transaction.get_connection().in_atomic_block))
        req.payload = {**req.payload, "done": True}
        req.save(update_fields=["payload"])

    def on_rejected(req, user):
        calls.append(("rejected", req.pk, user.pk))

    spec = approvals.ApprovalKind(
        KIND,
        "Test export",
        PERMISSION,
        on_approved=on_approved,
        on_rejected=on_rejected,
        deciders=approvals.Deciders.LINE,
    )
    approvals.register_kind(spec)
    yield calls
    approvals._kinds.pop(KIND, None)


@pytest.fixture
def approver(make_user):
    return _with_permission(make_user(roles.COMPLIANCE_OFFICER))


def _with_permission(user):
    user.user_permissions.add(Permission.objects.get(codename="export_auditentry"))
    return user


@pytest.fixture
def requester(rm_user):
    return rm_user


def _request(user, **kwargs):
    return approvals.approval_request(
        user, KIND, summary="Export 20 customers", reason="Quarterly review", **kwargs
    )


def test_request_is_pending_and_audited(requester):
    req = _request(requester)
    assert req.status == ApprovalRequest.Status.PENDING
    assert req.approver_permission == PERMISSION
    assert req.expires_at > timezone.now() + timedelta(days=6)
    entry = AuditEntry.objects.get(action="approval.requested")
    assert entry.actor == requester
    assert entry.target_id == str(req.pk)
    assert entry.purpose == "Quarterly review"


def test_request_needs_a_reason(requester):
    with pytest.raises(ValidationError) as exc:
        approvals.approval_request(requester, KIND, summary="x", reason="   ")
    assert "reason" in exc.value.message_dict
    assert not ApprovalRequest.objects.exists()


def test_approve_runs_callback_in_the_same_transaction(requester, approver, kind):
    req = _request(requester)
    decided = approvals.approval_decide(approver, req.pk, approve=True, note="ok")
    assert decided.status == ApprovalRequest.Status.APPROVED
    assert decided.decided_by == approver
    assert kind == [("approved", req.pk, approver.pk, True)]
    req.refresh_from_db()
    assert req.payload["done"] is True
    assert AuditEntry.objects.filter(action="approval.approved", actor=approver).exists()


def test_failing_callback_rolls_back_the_decision(requester, approver):
    def boom(req, user):
        raise RuntimeError("downstream failure")

    approvals.register_kind(
        approvals.ApprovalKind(
            "test.boom", "Boom", PERMISSION, on_approved=boom, deciders=approvals.Deciders.LINE
        )
    )
    req = approvals.approval_request(requester, "test.boom", summary="s", reason="r")
    with pytest.raises(RuntimeError):
        approvals.approval_decide(approver, req.pk, approve=True)
    req.refresh_from_db()
    assert req.status == ApprovalRequest.Status.PENDING
    assert req.decided_by is None
    assert not AuditEntry.objects.filter(action="approval.approved").exists()
    approvals._kinds.pop("test.boom")


def test_self_approval_is_refused_by_the_service(requester, kind):
    requester.user_permissions.add(Permission.objects.get(codename="export_auditentry"))
    req = _request(requester)
    with pytest.raises(PermissionDenied):
        approvals.approval_decide(requester, req.pk, approve=True)
    req.refresh_from_db()
    assert req.status == ApprovalRequest.Status.PENDING
    assert kind == []


def test_self_approval_is_refused_by_the_database(requester):
    req = _request(requester)
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalRequest.objects.filter(pk=req.pk).update(
            status="approved", decided_by=requester, decided_at=timezone.now()
        )


def test_decided_request_must_have_decision_time(requester, approver):
    req = _request(requester)
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalRequest.objects.filter(pk=req.pk).update(decided_at=timezone.now())


def test_approver_needs_the_permission(requester, make_user):
    other_rm = make_user(roles.RELATIONSHIP_MANAGER)
    req = _request(requester)
    with pytest.raises(NotFound):
        approvals.approval_decide(other_rm, req.pk, approve=True)
    assert not approvals.can_decide(other_rm, req)
    req.refresh_from_db()
    assert req.status == ApprovalRequest.Status.PENDING


def test_inactive_approver_cannot_decide(requester, approver):
    req = _request(requester)
    approver.is_active = False
    approver.save()
    assert not approvals.can_decide(approver, req)


def test_central_kind_is_not_decided_by_the_line(requester, approver, make_user):
    approvals.register_kind(
        approvals.ApprovalKind(
            "test.central", "Central", PERMISSION, deciders=approvals.Deciders.CENTRAL
        )
    )
    head = _with_permission(make_user(roles.BRANCH_HEAD, branch=requester.branch, team=None))
    req = approvals.approval_request(requester, "test.central", summary="s", reason="r")
    with pytest.raises(NotFound):
        approvals.approval_decide(head, req.pk, approve=True)
    assert approvals.approval_decide(approver, req.pk, approve=True).decided_by == approver
    approvals._kinds.pop("test.central")


def test_reject_needs_a_note(requester, approver, kind):
    req = _request(requester)
    with pytest.raises(ValidationError) as exc:
        approvals.approval_decide(approver, req.pk, approve=False, note="  ")
    assert "note" in exc.value.message_dict
    decided = approvals.approval_decide(approver, req.pk, approve=False, note="Purpose too broad")
    assert decided.status == ApprovalRequest.Status.REJECTED
    assert decided.decision_note == "Purpose too broad"
    assert kind == [("rejected", req.pk, approver.pk)]
    assert AuditEntry.objects.get(action="approval.rejected").purpose == "Purpose too broad"


def test_cannot_decide_twice(requester, approver, make_user):
    req = _request(requester)
    approvals.approval_decide(approver, req.pk, approve=True)
    second = _with_permission(make_user(roles.COMPLIANCE_OFFICER))
    with pytest.raises(ValidationError):
        approvals.approval_decide(second, req.pk, approve=False, note="too late")


def test_expired_request_cannot_be_decided(requester, approver):
    req = _request(requester, expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationError):
        approvals.approval_decide(approver, req.pk, approve=True)
    req.refresh_from_db()
    assert req.status == ApprovalRequest.Status.EXPIRED
    assert req.decided_by is None


def test_expire_overdue_and_task(requester):
    overdue = _request(requester, expires_at=timezone.now() - timedelta(hours=1))
    current = _request(requester)
    assert expire_approvals.delay().get() == 1
    assert approvals.approvals_expire_overdue() == 0  # idempotent
    overdue.refresh_from_db()
    current.refresh_from_db()
    assert overdue.status == ApprovalRequest.Status.EXPIRED
    assert current.status == ApprovalRequest.Status.PENDING


def test_expiry_is_scheduled_daily_by_beat():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="crm.core.tasks.expire_approvals")
    assert task.enabled
    assert (task.crontab.hour, task.crontab.minute, task.crontab.day_of_week) == ("1", "30", "*")


def test_withdraw_only_by_requester_and_only_pending(requester, approver):
    req = _request(requester)
    with pytest.raises(PermissionDenied):
        approvals.approval_withdraw(approver, req.pk)
    approvals.approval_withdraw(requester, req.pk)
    req.refresh_from_db()
    assert req.status == ApprovalRequest.Status.WITHDRAWN
    assert AuditEntry.objects.filter(action="approval.withdrawn").exists()
    with pytest.raises(ValidationError):
        approvals.approval_withdraw(requester, req.pk)
    with pytest.raises(ValidationError):
        approvals.approval_decide(approver, req.pk, approve=True)


def test_pending_for_lists_what_the_user_may_decide(requester, approver, make_user):
    mine = _request(requester)
    _request(requester, expires_at=timezone.now() - timedelta(minutes=1))
    own = _request(approver)
    assert list(approvals.approvals_pending_for(approver)) == [mine]
    assert list(approvals.approvals_pending_for(make_user(roles.RELATIONSHIP_MANAGER))) == []
    # The requester never sees their own request in the queue, only under "mine".
    assert own not in approvals.approvals_pending_for(approver)
    assert mine not in approvals.approvals_pending_for(requester)
    assert list(approvals.approvals_requested_by(requester).filter(pk=mine.pk)) == [mine]


def test_queue_page_and_decide_view(client, requester, approver):
    req = _request(requester)
    client.force_login(approver)
    response = client.get(reverse("core:approval-list"))
    assert response.status_code == 200
    assert "Export 20 customers" in response.content.decode()
    response = client.post(reverse("core:approval-decide", args=[req.pk]), {"decision": "approve"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == ApprovalRequest.Status.APPROVED


def test_decide_view_is_404_for_own_or_unknown_request(client, requester):
    req = _request(requester)
    client.force_login(requester)
    url = reverse("core:approval-decide", args=[req.pk])
    assert client.post(url, {"decision": "approve"}).status_code == 404
    assert client.post(reverse("core:approval-decide", args=[999999])).status_code == 404
    req.refresh_from_db()
    assert req.status == ApprovalRequest.Status.PENDING


def test_reject_without_note_in_view_shows_message(client, requester, approver):
    req = _request(requester)
    client.force_login(approver)
    response = client.post(
        reverse("core:approval-decide", args=[req.pk]), {"decision": "reject"}, follow=True
    )
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()
    req.refresh_from_db()
    assert req.status == ApprovalRequest.Status.PENDING


def test_withdraw_view(client, requester, approver):
    req = _request(requester)
    client.force_login(approver)
    assert client.post(reverse("core:approval-withdraw", args=[req.pk])).status_code == 404
    client.force_login(requester)
    assert client.post(reverse("core:approval-withdraw", args=[req.pk])).status_code == 302
    req.refresh_from_db()
    assert req.status == ApprovalRequest.Status.WITHDRAWN


def test_auditor_cannot_decide_even_with_the_permission(requester, make_user):
    auditor = _with_permission(make_user(roles.AUDITOR))
    req = _request(requester)
    with pytest.raises(NotFound):
        approvals.approval_decide(auditor, req.pk, approve=True)


def test_administrator_decides_any_kind(requester, make_user):
    admin = make_user(roles.ADMINISTRATOR, is_superuser=True)
    req = _request(requester)
    assert req in approvals.approvals_pending_for(admin)
    assert (
        approvals.approval_decide(admin, req.pk, approve=True).status
        == ApprovalRequest.Status.APPROVED
    )
