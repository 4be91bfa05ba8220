"""Withdrawal of a complaint compliance has already taken up, and the staff it names.

Why an approval rather than a "withdrawal pending" state: while the request waits, the complaint
stays where it was (its clock keeps running, handling goes on) and a refusal needs no way back
to the state it came from; crm.core.approvals already gives the confirm/refuse queue, the
four-eyes check (the requester never decides) and the audit rows, as for extensions. The
withdrawal itself is still the workflow table's move, made by the confirming officer.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, Q, Subquery
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.audit.services import record
from crm.core import approvals
from crm.core.models import ApprovalRequest
from crm.core.workflow import TransitionError

from ..access import access_complaint
from ..models import WITHDRAWAL_KIND, Complaint, History, State
from .history import history_add
from .workflow import AFTER_ACCEPTANCE, NAMED_REFUSAL, complaint_transition, is_named


def pending_withdrawal(c: Complaint) -> ApprovalRequest | None:
    return ApprovalRequest.objects.filter(
        approvals.approval_q_for_target(c),
        kind=WITHDRAWAL_KIND,
        status=ApprovalRequest.Status.PENDING,
    ).first()


def complaint_request_withdrawal(acting_user, complaint_id, *, reason: str) -> ApprovalRequest:
    """Ask compliance to confirm the withdrawal of an accepted complaint on the complainant's
    behalf. Refused to staff the complaint names, before acceptance (withdraw it directly) and
    while a request is already waiting."""
    require(
        acting_user,
        "complaints.withdraw_complaint",
        message=_("You are not allowed to do this with the complaint."),
    )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please give the complainant's reason for withdrawal.")})
    with transaction.atomic():
        c = access_complaint(acting_user, complaint_id, for_write=True)
        if is_named(acting_user, c):
            raise PermissionDenied(str(NAMED_REFUSAL))
        if c.state not in AFTER_ACCEPTANCE:
            raise TransitionError(
                _("Only a complaint compliance has taken up needs its confirmation to withdraw.")
            )
        if pending_withdrawal(c):
            raise TransitionError(_("A withdrawal request for this complaint is already waiting."))
        req = approvals.approval_request(
            acting_user,
            WITHDRAWAL_KIND,
            summary=_("Withdraw complaint %(ref)s") % {"ref": c.reference},
            reason=reason,
            target=c,
            payload={"complaint_id": c.pk, "state": c.state},
        )
        history_add(
            c,
            History.Event.WITHDRAWAL_REQUESTED,
            acting_user,
            note=reason,
            data={"approval": req.pk},
        )
    return req


def withdrawals_naming(user) -> Q:
    """Approvals hook: staff a complaint names do not decide its withdrawal either (one SQL
    condition, so the inbox does not list those requests and deciding one answers 404)."""
    named = (
        Complaint.named_staff.through.objects.filter(user_id=user.pk)
        .annotate(key=Cast("complaint_id", CharField()))
        .values("key")
    )
    return Q(target_type=Complaint._meta.label_lower, target_id__in=Subquery(named))


def on_withdrawal_confirmed(req: ApprovalRequest, approver) -> None:
    """Approval callback: the confirming officer makes the workflow's move (same transaction,
    so a complaint that has moved on meanwhile refuses it and the approval stays pending)."""
    complaint_transition(
        approver,
        req.payload["complaint_id"],
        State.WITHDRAWN,
        withdrawn_reason=req.reason,
        note=_("Withdrawal requested by %(who)s, confirmed (approval #%(id)s)")
        % {"who": req.requested_by, "id": req.pk},
    )


def on_withdrawal_refused(req: ApprovalRequest, approver) -> None:
    """Approval callback: the complaint carries on; its timeline says the withdrawal was refused."""
    c = Complaint.objects.select_for_update(of=("self",)).get(pk=req.payload["complaint_id"])
    history_add(
        c,
        History.Event.WITHDRAWAL_REFUSED,
        approver,
        note=req.decision_note,
        data={"approval": req.pk},
    )


def complaint_set_named_staff(acting_user, complaint_id, *, staff) -> Complaint:
    """Record which staff the complaint's allegation names (replaces the list; audited by id)."""
    require(
        acting_user,
        "complaints.handle_complaint",
        message=_("You are not allowed to do this with the complaint."),
    )
    with transaction.atomic():
        c = access_complaint(acting_user, complaint_id, for_write=True)
        before = sorted(c.named_staff.values_list("pk", flat=True))
        after = sorted({u.pk for u in staff})
        if before == after:
            return c
        c.named_staff.set(after)
        history_add(c, History.Event.NAMED_STAFF, acting_user, data={"staff": after})
        record(
            acting_user,
            "complaint.named_staff",
            c,
            before={"named_staff": before},
            after={"named_staff": after},
        )
    return c
