"""Deadline extensions for complex cases: requested here, decided by a second person through
crm.core.approvals (four-eyes), applied by the approval callback."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.audit.services import record
from crm.core import approvals
from crm.core.models import ApprovalRequest
from crm.core.workflow import TransitionError

from ..access import access_complaint
from ..models import EXTENSION_KIND, Complaint, History, Notice
from . import clocks
from .history import history_add
from .workflow import notice_create


def _pending_extension(c: Complaint):
    return ApprovalRequest.objects.filter(
        approvals.approval_q_for_target(c),
        kind=EXTENSION_KIND,
        status=ApprovalRequest.Status.PENDING,
    ).first()


def complaint_request_extension(acting_user, complaint_id, *, reason: str, notice_via: str):
    require(
        acting_user,
        "complaints.request_extension",
        message=_("You are not allowed to do this with the complaint."),
    )
    if notice_via not in Notice.Via.values:
        raise ValidationError({"notice_via": _("Please say how the complainant will be notified.")})
    with transaction.atomic():
        c = access_complaint(acting_user, complaint_id, for_write=True)
        if c.state not in clocks.DECISION_CLOCK:
            raise TransitionError(_("Only a complaint before its decision can be extended."))
        level = c.profile.next_extension_level(c.extension_level)
        if level is None:
            raise TransitionError(
                _("The longest period allowed by the profile is already reached.")
            )
        if _pending_extension(c):
            raise TransitionError(_("An extension request for this complaint is already waiting."))
        days = c.profile.days_for_level(level)
        return approvals.approval_request(
            acting_user,
            EXTENSION_KIND,
            summary=_("Extend complaint %(ref)s to %(days)s days")
            % {"ref": c.reference, "days": days},
            reason=reason,
            target=c,
            payload={
                "complaint_id": c.pk,
                "to_level": level,
                "days": days,
                "notice_via": notice_via,
            },
        )


def on_extension_approved(req, approver) -> None:
    """Approval callback: move the deadline and record the extension notice (same transaction).
    The approval itself was checked by crm.core.approvals; the complaint is found by id, as the
    approver's scope need not include it."""
    c = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("profile")
        .get(pk=req.payload["complaint_id"])
    )
    level = int(req.payload["to_level"])
    if c.state not in clocks.DECISION_CLOCK or c.extension_level >= level:
        raise ValidationError(
            _("The complaint can no longer be extended (its status has changed).")
        )
    before = c.decision_due
    c.extension_level = level
    c.is_complex = True
    clocks.recompute(c)
    c.save()
    today = timezone.localdate()
    notice_create(
        c,
        Notice.Kind.EXTENSION,
        req.payload.get("notice_via") or Notice.Via.POST,
        today,
        _(
            "Your complaint %(ref)s needs more time because the case is complex. "
            "The decision will be issued by %(due)s."
        )
        % {"ref": c.reference, "due": c.decision_due},
        approver,
        _("Approval #%(id)s by %(who)s") % {"id": req.pk, "who": approver},
    )
    history_add(
        c,
        History.Event.EXTENSION,
        approver,
        note=req.reason,
        data={
            "approval": req.pk,
            "days": req.payload["days"],
            "decision_due": c.decision_due.isoformat(),
        },
    )
    record(
        approver,
        "complaint.extended",
        c,
        purpose=req.reason,
        before={"decision_due": before},
        after={"decision_due": c.decision_due, "approval": req.pk},
    )
