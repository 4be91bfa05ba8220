"""Four-eyes approvals (DESIGN §5.1, §5.3, §5.4): a generic request that a second person decides.

An app registers a kind once (`register_kind`) with the permission an approver needs, who may
decide (`Deciders`: a scope rule over the organisation, never the requester) and what to do when
it is approved; `approval_request` and `approval_decide` are the only writers, each audited in the
same transaction as the change. A request the user may not decide is "missing" to them (NotFound,
a 404), like any object outside their scope.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.access import is_central, line_filter
from crm.audit.services import record

from .access import access_in, access_row
from .models import ApprovalRequest


class Deciders(Enum):
    """Who may decide a kind's requests, besides holding its permission (never the requester)."""

    # The requester's team lead, the head of the requester's branch or of a branch above it,
    # or a central role (crm.accounts.access.line_filter).
    LINE = "line"
    # Central roles only (compliance, risk, administrators).
    CENTRAL = "central"


@dataclass(frozen=True)
class ApprovalKind:
    key: str
    label: str
    permission: str  # "app_label.codename" an approver must hold
    on_approved: Callable[[ApprovalRequest, object], None] | None = None
    on_rejected: Callable[[ApprovalRequest, object], None] | None = None
    default_ttl: timedelta = timedelta(days=7)
    # Mandatory: every kind says who may decide it (a PII export from one branch must not be
    # approved by a lead of another).
    deciders: Deciders = field(kw_only=True)
    # Requests of this kind a user must not decide although in scope, as a condition on
    # ApprovalRequest (e.g. staff a complaint names do not confirm its withdrawal).
    excluded_for: Callable[[object], Q] | None = field(default=None, kw_only=True)


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


def decidable_q(user) -> Q:
    """The requests (of any status) `user` may decide, as one SQL condition: a registered kind
    whose permission they hold (or `core.decide_any_approval`), requested by someone in the
    kind's `Deciders` scope, never by themself. Read-only users (auditors) hold no approving
    permission (the permission backend)."""
    if not user.is_active:
        return Q(pk__in=[])
    any_kind = user.has_perm("core.decide_any_approval")
    held = [k for k in _kinds.values() if any_kind or user.has_perm(k.permission)]
    line = [k.key for k in held if k.deciders is Deciders.LINE]
    central = [k.key for k in held if k.deciders is Deciders.CENTRAL and is_central(user)]
    q = (Q(kind__in=line) | Q(kind__in=central)) & line_filter(user, staff="requested_by")
    for k in held:
        if k.excluded_for is not None:
            q &= ~(Q(kind=k.key) & k.excluded_for(user))
    if not any_kind:
        # The permission stored on the request when it was made, as well as the kind's today.
        q &= Q(approver_permission__in=[k.permission for k in held])
    return q


def can_decide(user, req: ApprovalRequest) -> bool:
    return ApprovalRequest.objects.filter(decidable_q(user), pk=req.pk).exists()


def approval_decide(
    acting_user, request_id: int, *, approve: bool, note: str = ""
) -> ApprovalRequest:
    """Approve or reject a pending request. Raises NotFound for a request the user may not
    decide (outside their line, a kind they hold no permission for), PermissionDenied for
    their own, ValidationError for one already decided or expired."""
    with transaction.atomic():
        visible = ApprovalRequest.objects.filter(
            decidable_q(acting_user) | Q(requested_by=acting_user)
        )
        req = access_row(visible, request_id, for_write=True)
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
    """Pending requests this user may decide (the approvals queue), filtered in SQL."""
    return ApprovalRequest.objects.filter(
        decidable_q(user), status=ApprovalRequest.Status.PENDING, expires_at__gt=timezone.now()
    ).select_related("requested_by")


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
