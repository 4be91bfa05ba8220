"""Four-eyes approvals (DESIGN §5.1, §5.3, §5.4): a generic request that a second person decides.

An app registers a kind once (`register_kind`) with the permission an approver needs and what to
do when it is approved; `approval_request` and `approval_decide` are the only writers, each audited in the
same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.audit.services import record

from .access import access_in
from .models import ApprovalRequest


@dataclass(frozen=True)
class ApprovalKind:
    key: str
    label: str
    permission: str  # "app_label.codename" an approver must hold
    on_approved: Callable[[ApprovalRequest, object], None] | None = None
    on_rejected: Callable[[ApprovalRequest, object], None] | None = None
    # Extra check for approvers (e.g. scope: a branch head only for their branch).
    may_decide: Callable[[object, ApprovalRequest], bool] | None = None
    default_ttl: timedelta = timedelta(days=7)


_kinds: dict[str, ApprovalKind] = {}


def register_kind(kind: ApprovalKind) -> None:
    _kinds[kind.key] = kind


def get_kind(key: str) -> ApprovalKind:
    return _kinds[key]


def kinds() -> dict[str, ApprovalKind]:
    return dict(_kinds)


def approval_request(
    acting_user,
    kind: str,
    *,
    summary: str,
    reason: str,
    target=None,
    payload=None,
    expires_at=None,
) -> ApprovalRequest:
    spec = get_kind(kind)
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Please give a reason for this request.")})
    with transaction.atomic():
        req = ApprovalRequest.objects.create(
            kind=kind,
            summary=summary[:255],
            reason=reason.strip(),
            payload=payload or {},
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            requested_by=acting_user,
            approver_permission=spec.permission,
            expires_at=expires_at or timezone.now() + spec.default_ttl,
        )
        record(
            acting_user,
            "approval.requested",
            req,
            purpose=req.reason,
            after={"kind": kind, "payload": req.payload},
        )
    return req


def can_decide(user, req: ApprovalRequest) -> bool:
    # Read-only users (auditors) hold no approving permission (the permission backend).
    if not user.is_active or user.pk == req.requested_by_id:
        return False
    if not (user.has_perm(req.approver_permission) or user.has_perm("core.decide_any_approval")):
        return False
    spec = _kinds.get(req.kind)
    return not (spec and spec.may_decide and not spec.may_decide(user, req))


def approval_decide(
    acting_user, request_id: int, *, approve: bool, note: str = ""
) -> ApprovalRequest:
    """Approve or reject a pending request. Raises PermissionDenied or ValidationError."""
    with transaction.atomic():
        req = ApprovalRequest.objects.select_for_update().get(pk=request_id)
        if req.requested_by_id == acting_user.pk:
            raise PermissionDenied(_("You cannot decide your own request; a second person must."))
        if req.status != ApprovalRequest.Status.PENDING:
            raise ValidationError(_("This request has already been decided."))
        expired = req.expires_at <= timezone.now()
        if expired:
            # Raised after the block commits: raising inside it would undo the expiry.
            req.status = ApprovalRequest.Status.EXPIRED
            req.save(update_fields=["status"])
        else:
            _decide_pending(acting_user, req, approve=approve, note=note)
    if expired:
        raise ValidationError(_("This request has expired."))
    return req


def _decide_pending(acting_user, req: ApprovalRequest, *, approve: bool, note: str) -> None:
    if not can_decide(acting_user, req):
        raise PermissionDenied(_("You are not allowed to decide this request."))
    if not approve and not note.strip():
        raise ValidationError({"note": _("Please say why you reject the request.")})
    req.status = ApprovalRequest.Status.APPROVED if approve else ApprovalRequest.Status.REJECTED
    req.decided_by = acting_user
    req.decided_at = timezone.now()
    req.decision_note = note.strip()
    req.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    record(
        acting_user,
        "approval.approved" if approve else "approval.rejected",
        req,
        purpose=req.decision_note,
        after={"kind": req.kind, "payload": req.payload},
    )
    spec = _kinds.get(req.kind)
    callback = spec and (spec.on_approved if approve else spec.on_rejected)
    if callback:
        callback(req, acting_user)


def approval_withdraw(acting_user, request_id: int) -> ApprovalRequest:
    with transaction.atomic():
        req = ApprovalRequest.objects.select_for_update().get(pk=request_id)
        if req.requested_by_id != acting_user.pk:
            raise PermissionDenied(_("Only the requester can withdraw a request."))
        if req.status != ApprovalRequest.Status.PENDING:
            raise ValidationError(_("This request has already been decided."))
        req.status = ApprovalRequest.Status.WITHDRAWN
        req.save(update_fields=["status"])
        record(acting_user, "approval.withdrawn", req)
    return req


def approvals_expire_overdue(now=None) -> int:
    """Mark pending requests past their expiry as expired (set-based)."""
    now = now or timezone.now()
    return ApprovalRequest.objects.filter(
        status=ApprovalRequest.Status.PENDING, expires_at__lte=now
    ).update(status=ApprovalRequest.Status.EXPIRED)


def approvals_pending_for(user):
    """Pending requests this user may decide (the approvals queue)."""
    perms = {k.permission for k in _kinds.values()}
    held = [p for p in perms if user.has_perm(p)]
    qs = (
        ApprovalRequest.objects.filter(
            status=ApprovalRequest.Status.PENDING, expires_at__gt=timezone.now()
        )
        .exclude(requested_by=user)
        .select_related("requested_by")
    )
    if not user.has_perm("core.decide_any_approval"):
        qs = qs.filter(approver_permission__in=held)
    return qs


def approvals_requested_by(user):
    return ApprovalRequest.objects.filter(requested_by=user).select_related("decided_by")


def access_pending_approval(user, pk) -> ApprovalRequest:
    """A pending request in the user's queue, or NotFound (ids cannot be probed)."""
    return access_in(approvals_pending_for(user), pk)


def access_own_approval(user, pk) -> ApprovalRequest:
    """One of the user's own requests, or NotFound."""
    return access_in(approvals_requested_by(user), pk)


def approval_q_for_target(target) -> Q:
    return Q(target_type=target._meta.label_lower, target_id=str(target.pk))
