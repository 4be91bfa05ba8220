"""Choosing the SLA profile of one complaint. Intake starts it on the handling branch's
jurisdiction (intake.profile_for_branch); compliance may move it to another profile, with a
reason, while the decision clock runs: the deadlines are recomputed from the new profile."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.audit.services import record
from crm.core.workflow import TransitionError

from ..access import access_complaint
from ..models import Complaint, History, SlaProfile
from . import clocks
from .history import history_add


def _clocks(c: Complaint) -> dict:
    return {"profile": c.profile.code, "ack_due": c.ack_due, "decision_due": c.decision_due}


def complaint_change_profile(
    acting_user, complaint_id, *, profile: SlaProfile, reason: str
) -> Complaint:
    """Put the complaint on `profile` and recompute its acknowledgement and decision deadlines
    (receipt, pauses, new facts and extension level stay as they were). Audited with the
    reason; PermissionDenied without the override permission."""
    require(
        acting_user,
        "complaints.change_sla_profile",
        message=_("You are not allowed to change the SLA profile of a complaint."),
    )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please say why the complaint changes SLA profile.")})
    with transaction.atomic():
        c = access_complaint(acting_user, complaint_id, for_write=True)
        if c.state not in clocks.DECISION_CLOCK:
            raise TransitionError(
                _("The SLA profile can only change before the decision is issued.")
            )
        if profile.pk == c.profile_id:
            raise ValidationError({"profile": _("The complaint already runs on this profile.")})
        before = _clocks(c)
        c.profile = profile
        ack_due = clocks.ack_due(profile, c.received_on, c.regulator_forwarded)
        # A regulator-forwarded complaint keeps the regulator's acknowledgement deadline when
        # the new profile sets none.
        if ack_due is not None or not c.regulator_forwarded:
            c.ack_due = ack_due
        clocks.recompute(c)
        c.save()
        history_add(
            c,
            History.Event.PROFILE,
            acting_user,
            note=reason,
            data={"from": before["profile"], "to": profile.code},
        )
        record(
            acting_user,
            "complaint.profile_changed",
            c,
            purpose=reason,
            before=before,
            after=_clocks(c),
        )
    return c
