"""Complaint writes (DESIGN §5.4). Every change goes through a function here: atomic, takes the
acting user, writes a history row and an audit row in the same transaction.

The state machine is ONE table (`TRANSITIONS`: from, to, permission, required fields) enforced
by ONE function (`transition`). Concurrent transitions of one complaint are serialised by a row
lock; the second caller sees the new state and gets a clear message.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.accounts import roles
from crm.accounts.access import is_read_only
from crm.audit.services import record, record_many
from crm.calendar import deadline
from crm.core import approvals
from crm.core.models import ApprovalRequest
from crm.core.notifications import notify_many
from customers.records.followups import schedule_satisfaction_call
from customers.records.selectors import customers_for

from .models import (
    CLOCK_STATES,
    EXTENSION_KIND,
    OPEN_STATES,
    ClockPause,
    Complaint,
    History,
    Intake,
    Notice,
    Remedy,
    Satisfaction,
    SlaProfile,
    State,
)
from .models import Attachment as AttachmentModel

DUPLICATE_WINDOW_DAYS = 30


class TransitionError(ValidationError):
    """The transition is not possible from the complaint's current state (or it changed)."""


# ---- the transition table ---------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    permission: str
    required: tuple[str, ...] = ()
    label: str = ""


def _t(source, target, perm, required=(), label=""):
    return Transition(str(source), str(target), f"complaints.{perm}", tuple(required), label)


TRANSITIONS: tuple[Transition, ...] = (
    _t(State.RECEIVED, State.ACCEPTED, "accept_complaint", ["notice_via"], gettext_lazy("Accept")),
    _t(
        State.RECEIVED,
        State.NOT_ACCEPTED,
        "accept_complaint",
        ["reason", "notice_via"],
        gettext_lazy("Do not accept"),
    ),
    _t(State.ACCEPTED, State.IN_HANDLING, "handle_complaint", [], gettext_lazy("Start handling")),
    _t(
        State.IN_HANDLING,
        State.DECISION_ISSUED,
        "decide_complaint",
        ["decision", "remedies", "notice_via"],
        gettext_lazy("Issue decision"),
    ),
    _t(
        State.DECISION_ISSUED,
        State.REVIEW_REQUESTED,
        "request_review",
        ["review_reason"],
        gettext_lazy("Record review request"),
    ),
    _t(
        State.REVIEW_REQUESTED,
        State.REVIEW_DECIDED,
        "decide_complaint",
        ["review_result", "notice_via"],
        gettext_lazy("Issue review result"),
    ),
    _t(
        State.DECISION_ISSUED,
        State.CLOSED,
        "close_complaint",
        ["satisfaction"],
        gettext_lazy("Close"),
    ),
    _t(
        State.REVIEW_DECIDED,
        State.CLOSED,
        "close_complaint",
        ["satisfaction"],
        gettext_lazy("Close"),
    ),
    _t(State.NOT_ACCEPTED, State.CLOSED, "close_complaint", [], gettext_lazy("Close")),
    *(
        _t(
            s,
            State.WITHDRAWN,
            "withdraw_complaint",
            ["withdrawn_reason"],
            gettext_lazy("Withdrawn"),
        )
        for s in (State.RECEIVED, State.ACCEPTED, State.IN_HANDLING, State.REVIEW_REQUESTED)
    ),
)
TABLE: dict[tuple[str, str], Transition] = {(t.source, t.target): t for t in TRANSITIONS}

FIELD_LABELS = {
    "notice_via": gettext_lazy("Notice sent via"),
    "reason": gettext_lazy("Reason for not accepting"),
    "decision": gettext_lazy("Decision"),
    "remedies": gettext_lazy("Remedies stated"),
    "review_reason": gettext_lazy("Grounds for review"),
    "review_result": gettext_lazy("Review result"),
    "satisfaction": gettext_lazy("Satisfaction"),
    "withdrawn_reason": gettext_lazy("Reason for withdrawal"),
}


def may(user, spec: Transition) -> bool:
    return user.is_active and not is_read_only(user) and user.has_perm(spec.permission)


def allowed_transitions(user, complaint: Complaint) -> list[Transition]:
    """The next actions this user may take on this complaint (for the complaint page)."""
    return [t for t in TRANSITIONS if t.source == complaint.state and may(user, t)]


# ---- scope --------------------------------------------------------------------------------------


def _visible(user, *, few: bool = False):
    from .selectors import complaints_for

    return complaints_for(user, few=few)


def _lock(acting_user, complaint_id) -> Complaint:
    """The complaint, locked for this transaction; DoesNotExist outside the user's scope."""
    if not _visible(acting_user, few=True).filter(pk=complaint_id).exists():
        raise Complaint.DoesNotExist
    return Complaint.objects.select_for_update().select_related("profile").get(pk=complaint_id)


# ---- clocks -------------------------------------------------------------------------------------


def _clocks(c: Complaint) -> None:
    """Recompute the decision deadline and the running clock (due_on) from the stored inputs."""
    p = c.profile
    start = c.clock_start + datetime.timedelta(days=c.paused_days)
    c.decision_due = deadline(
        start, p.days_for_level(c.extension_level), working_days=p.decision_working_days
    )
    c.due_on = _running_due(c)


def _running_due(c: Complaint):
    if c.state == State.RECEIVED:
        return min(c.ack_due, c.decision_due) if c.ack_due else c.decision_due
    if c.state in (State.ACCEPTED, State.IN_HANDLING):
        return c.decision_due
    if c.state == State.REVIEW_REQUESTED:
        return c.review_due
    return None


def _ack_due(profile: SlaProfile, received_on: datetime.date, regulator: bool):
    if regulator and profile.regulator_ack_days is not None:
        return deadline(
            received_on, profile.regulator_ack_days, working_days=profile.regulator_ack_working_days
        )
    if profile.ack_days is not None:
        return deadline(received_on, profile.ack_days, working_days=profile.ack_working_days)
    return None


def default_profile() -> SlaProfile:
    return SlaProfile.objects.filter(is_default=True).first() or SlaProfile.objects.first()


# ---- intake -------------------------------------------------------------------------------------


def find_duplicates(
    user,
    *,
    customer=None,
    complainant_name="",
    complainant_contact="",
    business_category=None,
    cause=None,
    product=None,
    received_at=None,
    window_days=DUPLICATE_WINDOW_DAYS,
):
    """Complaints of the same complainant about the same matter within the window (offered to
    the person logging; never blocks)."""
    received_at = received_at or timezone.now()
    if customer is not None:
        who = Q(customer=customer)
    elif complainant_name:
        who = Q(customer__isnull=True, complainant_name=complainant_name)
        if complainant_contact:
            who &= Q(complainant_contact=complainant_contact)
    else:
        return []
    matter = Q(business_category=business_category, cause=cause)
    if product is not None:
        matter |= Q(product=product)
    window = datetime.timedelta(days=window_days)
    return list(
        _visible(user)
        .filter(
            who,
            matter,
            received_at__gte=received_at - window,
            received_at__lte=received_at + window,
        )
        .exclude(state=State.WITHDRAWN)
        .only("pk", "reference", "state", "received_at")
        .order_by("-received_at")[:5]
    )


def log_complaint(
    acting_user,
    *,
    intake: str,
    channel,
    business_category,
    cause,
    received_at,
    demands: str,
    facts: str,
    customer=None,
    is_anonymous: bool = False,
    complainant_name: str = "",
    complainant_contact: str = "",
    product=None,
    regulator_reference: str = "",
    profile: SlaProfile | None = None,
    files=(),
) -> Complaint:
    if is_read_only(acting_user) or not acting_user.has_perm("complaints.add_complaint"):
        raise PermissionDenied(_("You are not allowed to log complaints."))
    regulator = intake == Intake.REGULATOR
    if regulator and not acting_user.has_perm("complaints.log_regulator_complaint"):
        raise PermissionDenied(_("Only compliance logs complaints forwarded by the regulator."))
    errors = {}
    if customer is not None and not customers_for(acting_user).filter(pk=customer.pk).exists():
        raise Complaint.DoesNotExist
    if is_anonymous and customer is not None:
        errors["is_anonymous"] = _("An anonymous complaint cannot be linked to a customer.")
    if is_anonymous:
        complainant_name = ""
    elif not complainant_name.strip():
        if customer is not None:
            complainant_name = customer.name
        else:
            errors["complainant_name"] = _(
                "Please give the complainant's name, or mark it anonymous."
            )
    if received_at > timezone.now() + datetime.timedelta(minutes=5):
        errors["received_at"] = _("The receipt time cannot be in the future.")
    if regulator and not regulator_reference.strip():
        errors["regulator_reference"] = _("Please give the regulator's reference number.")
    if not (demands or "").strip():
        errors["demands"] = _("Please state what the complainant asks for.")
    if not (facts or "").strip():
        errors["facts"] = _("Please state the facts and reasons.")
    if errors:
        raise ValidationError(errors)
    profile = profile or default_profile()
    received_on = timezone.localdate(received_at)
    with transaction.atomic():
        c = Complaint(
            reference=f"TMP-{uuid.uuid4().hex[:20]}",
            intake=intake,
            customer=customer,
            is_anonymous=is_anonymous,
            complainant_name=complainant_name.strip(),
            complainant_contact=complainant_contact.strip(),
            channel=channel,
            business_category=business_category,
            cause=cause,
            product=product,
            received_at=received_at,
            demands=demands.strip(),
            facts=facts.strip(),
            logged_by=acting_user,
            branch=(customer.branch if customer is not None else None) or acting_user.branch,
            regulator_forwarded=regulator,
            regulator_reference=regulator_reference.strip(),
            profile=profile,
            clock_start=received_on,
            ack_due=_ack_due(profile, received_on, regulator),
        )
        _clocks(c)
        c.save()
        c.reference = f"TS{received_on:%Y%m%d}{c.pk:07d}"
        c.save(update_fields=["reference"])
        for f in files:
            AttachmentModel.objects.create(
                complaint=c, file=f, name=f.name[:200], uploaded_by=acting_user
            )
        History.objects.create(
            complaint=c, event=History.Event.CREATED, to_state=c.state, actor=acting_user
        )
        record(
            acting_user,
            "complaint.logged",
            c,
            after={"intake": intake, "customer": customer.pk if customer else None},
        )
    return c


def add_attachment(acting_user, complaint_id, file) -> AttachmentModel:
    if is_read_only(acting_user) or not acting_user.has_perm("complaints.add_complaint"):
        raise PermissionDenied(_("You are not allowed to add documents."))
    with transaction.atomic():
        c = _lock(acting_user, complaint_id)
        att = AttachmentModel.objects.create(
            complaint=c, file=file, name=file.name[:200], uploaded_by=acting_user
        )
        record(acting_user, "complaint.attachment_added", c, after={"name": att.name})
    return att


# ---- the one transition service ---------------------------------------------------------------


def _text(fields, key, errors):
    value = (fields.get(key) or "").strip() if isinstance(fields.get(key, ""), str) else ""
    if not value:
        errors[key] = _("This field is required: %(field)s.") % {"field": FIELD_LABELS[key]}
    return value


def _clean(c: Complaint, spec: Transition, fields: dict, today) -> dict:
    errors: dict[str, str] = {}
    out: dict = {}
    for key in spec.required:
        if key == "notice_via":
            via = fields.get("notice_via") or ""
            if via not in Notice.Via.values:
                errors[key] = _("Please say how the complainant was notified.")
            out[key] = via
        elif key == "remedies":
            remedies = [r for r in (fields.get("remedies") or []) if r]
            if not remedies or any(r not in Remedy.values for r in remedies):
                errors[key] = _(
                    "A decision must state the remedies open to the complainant "
                    "(review, mediation, arbitration, litigation)."
                )
            out[key] = remedies
        elif key == "satisfaction":
            try:
                value = int(fields.get("satisfaction"))
            except (TypeError, ValueError):
                value = None
            if value not in Satisfaction.values:
                errors[key] = _("Please record the complainant's satisfaction.")
            out[key] = value
        else:
            out[key] = _text(fields, key, errors)
    if spec.target == State.REVIEW_REQUESTED:
        if c.is_anonymous:
            errors["review_reason"] = _("An anonymous complainant cannot request a review.")
        elif c.review_request_until and today > c.review_request_until:
            errors["review_reason"] = _(
                "A review must be requested within %(days)s days of the decision; "
                "the period ended on %(until)s."
            ) % {"days": c.profile.review_request_days, "until": c.review_request_until}
    out["notice_evidence"] = (fields.get("notice_evidence") or "").strip()[:300]
    out["note"] = (fields.get("note") or "").strip()
    out["handler"] = fields.get("handler")
    if errors:
        raise ValidationError(errors)
    return out


def _notice(c, kind, via, today, body, user, evidence=""):
    return Notice.objects.create(
        complaint=c,
        kind=kind,
        via=via,
        sent_on=today,
        body=body,
        evidence=evidence,
        recorded_by=user,
    )


def _remedies_text(remedies) -> str:
    labels = dict(Remedy.choices)
    return "、".join(str(labels[r]) for r in remedies)


def _end_open_pause(c: Complaint, today) -> None:
    if c.paused:
        ClockPause.objects.filter(complaint=c, ended_on__isnull=True).update(
            ended_on=today, end_mode=ClockPause.EndMode.RESUME
        )
        c.paused = False


def transition(acting_user, complaint_id, to_state, *, expected_state=None, now=None, **fields):
    """Move a complaint to `to_state`. Raises PermissionDenied, TransitionError (not possible
    from the current state, or someone else changed it meanwhile), ValidationError (required
    fields), Complaint.DoesNotExist (outside the user's scope)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    to_state = str(to_state)
    with transaction.atomic():
        c = _lock(acting_user, complaint_id)
        current = State(c.state).label
        if expected_state and c.state != expected_state:
            raise TransitionError(
                _(
                    "Someone else changed complaint %(ref)s a moment ago: it is now “%(state)s”. "
                    "Nothing was changed; please look at it again."
                )
                % {"ref": c.reference, "state": current}
            )
        spec = TABLE.get((c.state, to_state))
        if spec is None:
            raise TransitionError(
                _(
                    "Complaint %(ref)s is “%(state)s” and cannot move to “%(to)s” "
                    "(it may just have been changed by someone else)."
                )
                % {"ref": c.reference, "state": current, "to": State(to_state).label}
            )
        if not may(acting_user, spec):
            raise PermissionDenied(_("You are not allowed to do this with the complaint."))
        data = _clean(c, spec, fields, today)
        before = {"state": c.state, "due_on": c.due_on, "handler": c.handler_id}
        _apply(acting_user, c, spec, data, now, today)
        c.state = spec.target
        if c.state not in CLOCK_STATES:
            _end_open_pause(c, today)
        c.due_on = _running_due(c)
        c.save()
        History.objects.create(
            complaint=c,
            event=History.Event.TRANSITION,
            from_state=spec.source,
            to_state=spec.target,
            actor=acting_user,
            at=now,
            note=data["note"],
            data={k: v for k, v in data.items() if k in spec.required},
        )
        record(
            acting_user,
            f"complaint.{spec.target}",
            c,
            purpose=data["note"],
            before=before,
            after={"state": c.state, "due_on": c.due_on, "handler": c.handler_id},
        )
        if (
            spec.target == State.CLOSED
            and c.customer_id
            and c.satisfaction != Satisfaction.NOT_REACHED
        ):
            schedule_satisfaction_call(customer=c.customer, closed_on=today, reference=c.reference)
    return c


def _apply(user, c: Complaint, spec: Transition, data: dict, now, today) -> None:
    target = spec.target
    via, evidence = data.get("notice_via"), data["notice_evidence"]
    if target == State.ACCEPTED:
        c.accepted_at = now
        if c.ack_due and today > c.ack_due:
            c.breached = True
        _notice(
            c,
            Notice.Kind.ACCEPTANCE,
            via,
            today,
            _(
                "Your complaint %(ref)s received on %(received)s has been accepted. "
                "A decision will be issued by %(due)s."
            )
            % {"ref": c.reference, "received": c.received_on, "due": c.decision_due},
            user,
            evidence,
        )
    elif target == State.NOT_ACCEPTED:
        c.not_accepted_reason = data["reason"]
        _notice(
            c,
            Notice.Kind.NON_ACCEPTANCE,
            via,
            today,
            _("Your complaint %(ref)s cannot be accepted. Reason: %(reason)s")
            % {"ref": c.reference, "reason": data["reason"]},
            user,
            evidence,
        )
    elif target == State.IN_HANDLING:
        handler = data.get("handler")
        if handler is not None:
            c.handler = handler
        elif c.handler_id is None:
            c.handler = user
    elif target == State.DECISION_ISSUED:
        c.decision = data["decision"]
        c.remedies = data["remedies"]
        c.decided_at = now
        c.handling_days = max((today - c.received_on).days, 0)
        if today > c.decision_due:
            c.breached = True
        if c.profile.review_request_days:
            c.review_request_until = deadline(today, c.profile.review_request_days)
        _notice(
            c,
            Notice.Kind.DECISION,
            via,
            today,
            _(
                "Decision on your complaint %(ref)s: %(decision)s\n"
                "If you do not accept it you may: %(remedies)s."
            )
            % {
                "ref": c.reference,
                "decision": data["decision"],
                "remedies": _remedies_text(data["remedies"]),
            },
            user,
            evidence,
        )
    elif target == State.REVIEW_REQUESTED:
        c.review_reason = data["review_reason"]
        c.review_requested_at = now
        c.review_due = deadline(today, c.profile.review_days or c.profile.decision_days)
    elif target == State.REVIEW_DECIDED:
        c.review_result = data["review_result"]
        c.review_decided_at = now
        if c.review_due and today > c.review_due:
            c.breached = True
        _notice(
            c,
            Notice.Kind.REVIEW_DECISION,
            via,
            today,
            _("Review result on your complaint %(ref)s: %(result)s")
            % {"ref": c.reference, "result": data["review_result"]},
            user,
            evidence,
        )
    elif target == State.CLOSED:
        c.closed_at = now
        if "satisfaction" in data:
            c.satisfaction = data["satisfaction"]
    elif target == State.WITHDRAWN:
        c.withdrawn_reason = data["withdrawn_reason"]
        c.closed_at = now


# ---- clock pauses and new facts ---------------------------------------------------------------


def _require(user, perm):
    if is_read_only(user) or not user.has_perm(perm):
        raise PermissionDenied(_("You are not allowed to do this with the complaint."))


DECISION_CLOCK = (State.RECEIVED, State.ACCEPTED, State.IN_HANDLING)


def pause_clock(acting_user, complaint_id, *, reason: str, started_on=None, note: str = ""):
    _require(acting_user, "complaints.handle_complaint")
    today = timezone.localdate()
    started_on = started_on or today
    with transaction.atomic():
        c = _lock(acting_user, complaint_id)
        if c.state not in DECISION_CLOCK:
            raise TransitionError(_("The clock only stops while the complaint is being handled."))
        if c.paused:
            raise TransitionError(_("The clock is already stopped."))
        if reason not in ClockPause.Reason.values:
            raise ValidationError({"reason": _("Please choose why the clock stops.")})
        if started_on > today or started_on < c.clock_start:
            raise ValidationError(
                {"started_on": _("The pause must start between receipt and today.")}
            )
        pause = ClockPause.objects.create(
            complaint=c, reason=reason, started_on=started_on, note=note, created_by=acting_user
        )
        c.paused = True
        c.save(update_fields=["paused", "updated_at"])
        History.objects.create(
            complaint=c,
            event=History.Event.PAUSE,
            from_state=c.state,
            to_state=c.state,
            actor=acting_user,
            note=note,
            data={"reason": reason, "from": started_on.isoformat()},
        )
        record(acting_user, "complaint.clock_paused", c, purpose=note, after={"pause": pause.pk})
    return pause


def resume_clock(acting_user, complaint_id, *, ended_on=None, new_facts: bool = False, note=""):
    """End the open pause. Paused days are added to the period; with new facts the period
    starts again from the day they arrived."""
    _require(acting_user, "complaints.handle_complaint")
    today = timezone.localdate()
    ended_on = ended_on or today
    with transaction.atomic():
        c = _lock(acting_user, complaint_id)
        pause = ClockPause.objects.filter(complaint=c, ended_on__isnull=True).first()
        if pause is None:
            raise TransitionError(_("The clock is not stopped."))
        if ended_on < pause.started_on or ended_on > today:
            raise ValidationError(
                {"ended_on": _("The clock must resume between the pause start and today.")}
            )
        before = c.decision_due
        pause.ended_on = ended_on
        pause.end_mode = ClockPause.EndMode.RESTART if new_facts else ClockPause.EndMode.RESUME
        pause.save(update_fields=["ended_on", "end_mode"])
        if new_facts:
            c.clock_start, c.paused_days = ended_on, 0
        else:
            c.paused_days += pause.days
        c.paused = False
        _clocks(c)
        c.save()
        History.objects.create(
            complaint=c,
            event=History.Event.NEW_FACTS if new_facts else History.Event.RESUME,
            from_state=c.state,
            to_state=c.state,
            actor=acting_user,
            note=note,
            data={"days": pause.days, "decision_due": c.decision_due.isoformat()},
        )
        record(
            acting_user,
            "complaint.clock_resumed",
            c,
            purpose=note,
            before={"decision_due": before},
            after={"decision_due": c.decision_due, "new_facts": new_facts},
        )
    return c


def record_new_facts(acting_user, complaint_id, *, on=None, note: str = ""):
    """New facts and reasons: the decision period restarts from the day they arrived."""
    _require(acting_user, "complaints.handle_complaint")
    today = timezone.localdate()
    on = on or today
    if not note.strip():
        raise ValidationError({"note": _("Please describe the new facts.")})
    with transaction.atomic():
        c = _lock(acting_user, complaint_id)
        if c.state not in DECISION_CLOCK:
            raise TransitionError(_("New facts restart the clock only before the decision."))
        if c.paused:
            raise TransitionError(_("Resume the stopped clock (with new facts) instead."))
        if on > today or on < c.clock_start:
            raise ValidationError({"on": _("The date must be between the clock start and today.")})
        before = c.decision_due
        c.clock_start, c.paused_days = on, 0
        _clocks(c)
        c.save()
        History.objects.create(
            complaint=c,
            event=History.Event.NEW_FACTS,
            from_state=c.state,
            to_state=c.state,
            actor=acting_user,
            note=note,
            data={"on": on.isoformat(), "decision_due": c.decision_due.isoformat()},
        )
        record(
            acting_user,
            "complaint.new_facts",
            c,
            purpose=note,
            before={"decision_due": before},
            after={"decision_due": c.decision_due},
        )
    return c


# ---- extensions (four-eyes) ---------------------------------------------------------------------


def pending_extension(c: Complaint):
    return ApprovalRequest.objects.filter(
        approvals.approval_q_for_target(c),
        kind=EXTENSION_KIND,
        status=ApprovalRequest.Status.PENDING,
    ).first()


def request_extension(acting_user, complaint_id, *, reason: str, notice_via: str):
    _require(acting_user, "complaints.request_extension")
    if notice_via not in Notice.Via.values:
        raise ValidationError({"notice_via": _("Please say how the complainant will be notified.")})
    with transaction.atomic():
        c = _lock(acting_user, complaint_id)
        if c.state not in DECISION_CLOCK:
            raise TransitionError(_("Only a complaint before its decision can be extended."))
        level = c.profile.next_extension_level(c.extension_level)
        if level is None:
            raise TransitionError(
                _("The longest period allowed by the profile is already reached.")
            )
        if pending_extension(c):
            raise TransitionError(_("An extension request for this complaint is already waiting."))
        days = c.profile.days_for_level(level)
        return approvals.request_approval(
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
    """Approval callback: move the deadline and record the extension notice (same transaction)."""
    c = (
        Complaint.objects.select_for_update()
        .select_related("profile")
        .get(pk=req.payload["complaint_id"])
    )
    level = int(req.payload["to_level"])
    if c.state not in DECISION_CLOCK or c.extension_level >= level:
        raise ValidationError(
            _("The complaint can no longer be extended (its status has changed).")
        )
    before = c.decision_due
    c.extension_level = level
    c.is_complex = True
    _clocks(c)
    c.save()
    today = timezone.localdate()
    _notice(
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
    History.objects.create(
        complaint=c,
        event=History.Event.EXTENSION,
        from_state=c.state,
        to_state=c.state,
        actor=approver,
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


# ---- assignment ---------------------------------------------------------------------------------


def assign(acting_user, complaint_ids, handler, *, note: str = "") -> int:
    """Assign (or reassign) the handler of open complaints in the user's scope."""
    _require(acting_user, "complaints.assign_complaint")
    if handler is None or not handler.is_active:
        raise ValidationError({"handler": _("Please choose an active staff member.")})
    ids = [int(i) for i in complaint_ids]
    with transaction.atomic():
        visible = set(
            _visible(acting_user, few=True).filter(pk__in=ids).values_list("pk", flat=True)
        )
        rows = list(
            Complaint.objects.select_for_update()
            .filter(pk__in=visible, state__in=OPEN_STATES)
            .order_by("pk")
        )
        changed = [c for c in rows if c.handler_id != handler.pk]
        _move_handlers(
            acting_user,
            changed,
            lambda c: handler,
            action="complaint.assigned",
            note=note,
            purpose=note,
        )
    return len(changed)


def _move_handlers(acting_user, rows, new_handler_of, *, action, note, purpose, handover=False):
    """Give each locked complaint in `rows` its new handler: one UPDATE per batch, the history
    rows and the audit rows each in bulk (a handover can move thousands at once)."""
    old = {c.pk: c.handler_id for c in rows}
    now = timezone.now()
    for c in rows:
        c.handler, c.updated_at = new_handler_of(c), now
    Complaint.objects.bulk_update(rows, ["handler", "updated_at"], batch_size=1000)
    extra = {"handover": True} if handover else {}
    History.objects.bulk_create(
        [
            History(
                complaint=c,
                event=History.Event.ASSIGN,
                from_state=c.state,
                to_state=c.state,
                actor=acting_user,
                note=note,
                data={"from": old[c.pk], "to": c.handler_id, **extra},
            )
            for c in rows
        ],
        batch_size=1000,
    )
    record_many(
        acting_user,
        action,
        rows,
        purpose=purpose,
        before_of=lambda c: {"handler": old[c.pk]},
        after_of=lambda c: {"handler": c.handler_id},
    )


def handover(departing_user, successor_for: dict, acting_user) -> int:
    """Open complaints handled by a departing user go to the customer's successor (audited)."""
    rows = list(
        Complaint.objects.select_for_update()
        .filter(handler=departing_user, state__in=OPEN_STATES, customer_id__in=list(successor_for))
        .order_by("pk")
    )
    _move_handlers(
        acting_user,
        rows,
        lambda c: successor_for[c.customer_id],
        action="complaint.handover",
        note=_("Handover from a departing colleague"),
        purpose=_("Staff handover"),
        handover=True,
    )
    return len(rows)


def on_staff_handover(sender, departing_user, successor_for, acting_user, **kwargs):
    handover(departing_user, successor_for, acting_user)


# ---- deadline sweep -----------------------------------------------------------------------------

SWEEP_CHUNK = 2000


def _compliance_officers():
    return list(
        get_user_model()
        .objects.filter(groups__name=roles.COMPLIANCE_OFFICER, is_active=True)
        .distinct()
    )


def sweep_deadlines(today=None, stdout=None) -> dict:
    """Warn before and escalate after a breach, each notice once per (complaint, deadline).

    Set-based: one UPDATE marks breaches; the due ones are found with one query per profile
    (warnings) and one for breaches; markers (warned_for / escalated_for = due_on) are set with
    UPDATEs, so a second run finds nothing. Notifications carry dedupe keys as a second guard.
    """
    from django.urls import reverse

    today = today or timezone.localdate()
    base = Complaint.objects.filter(state__in=CLOCK_STATES, paused=False)
    result = {"breached": 0, "escalated": 0, "warned": 0}
    result["breached"] = base.filter(due_on__lt=today, breached=False).update(breached=True)
    users = {u.pk: u for u in _compliance_officers()}
    officers = list(users.values())

    def _recipients(row):
        pk = row["handler_id"] or row["logged_by_id"]
        return pk

    overdue = list(
        base.filter(due_on__lt=today)
        .filter(Q(escalated_for__isnull=True) | ~Q(escalated_for=F("due_on")))
        .values("pk", "reference", "due_on", "handler_id", "logged_by_id")
    )
    warn_rows = []
    for profile in SlaProfile.objects.all():
        warn_rows += list(
            base.filter(
                profile=profile,
                due_on__gte=today,
                due_on__lte=today + datetime.timedelta(days=profile.warning_days),
            )
            .filter(Q(warned_for__isnull=True) | ~Q(warned_for=F("due_on")))
            .values("pk", "reference", "due_on", "handler_id", "logged_by_id")
        )

    officer_ids = [u.pk for u in officers]

    def _send(rows, *, kind, title, marker, extra_recipients, counter):
        """Notify chunk by chunk; each chunk's notices and markers commit together."""
        for start in range(0, len(rows), SWEEP_CHUNK):
            chunk = rows[start : start + SWEEP_CHUNK]
            items = []
            for row in chunk:
                text = title % {"ref": row["reference"], "due": row["due_on"]}
                url = reverse("complaints:detail", args=[row["pk"]])
                key = f"complaint:{row['pk']}:{kind}:{row['due_on']:%Y%m%d}"
                items += [
                    {"recipient_id": user_id, "title": text, "url": url, "dedupe_key": key}
                    for user_id in {_recipients(row), *extra_recipients}
                ]
            with transaction.atomic():
                notify_many(items)
                _mark(chunk, marker)
            result[counter] += len(chunk)
            if stdout:
                stdout.write(f"  {counter} {result[counter]}/{len(rows)}")

    _send(
        overdue,
        kind="breach",
        title=_("Complaint %(ref)s is past its deadline (%(due)s)"),
        marker="escalated_for",
        extra_recipients=officer_ids,
        counter="escalated",
    )
    _send(
        warn_rows,
        kind="warn",
        title=_("Complaint %(ref)s is due on %(due)s"),
        marker="warned_for",
        extra_recipients=(),
        counter="warned",
    )
    return result


def _mark(rows, field) -> None:
    """Set the marker to each row's due date: one UPDATE per distinct due date in the chunk."""
    by_due: dict = {}
    for row in rows:
        by_due.setdefault(row["due_on"], []).append(row["pk"])
    for due, pks in by_due.items():
        Complaint.objects.filter(pk__in=pks).update(**{field: due})
