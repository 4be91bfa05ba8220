"""The complaint state machine: ONE table of transitions (crm.core.workflow) and ONE service
that applies it. The row is locked through the access contract, so concurrent transitions of
one complaint queue; the second sees the new state and gets a clear message. The status, the
history row and the audit row change in one transaction, and so does the outbox row that
schedules the satisfaction call (crm.core.outbox: a Celery task once the commit is done).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from crm.calendar import deadline
from crm.core import outbox
from crm.core.workflow import Transition, Workflow, transitions
from customers.records.followups import schedule_satisfaction_call

from ..access import access_complaint
from ..models import CLOCK_STATES, Complaint, History, Notice, Remedy, Satisfaction, State
from . import clocks
from .history import history_add

# The action is the verb (撤回); the state it leads to reads 已撤回.
WITHDRAW = pgettext_lazy("complaint", "Withdraw")
# Open states in which compliance has taken the complaint up.
AFTER_ACCEPTANCE = (State.ACCEPTED, State.IN_HANDLING, State.REVIEW_REQUESTED)
NAMED_REFUSAL = gettext_lazy("You are named in this complaint: only compliance can withdraw it.")


def is_named(user, c: Complaint) -> bool:
    """Whether the complaint's allegation names `user` (the complaint page reads it with the
    complaint: selectors.complaint_page)."""
    known = getattr(c, "named_for", None) or {}
    if user.pk in known:
        return known[user.pk]
    return c.named_staff.filter(pk=user.pk).exists()


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
    *transitions(
        (State.DECISION_ISSUED, State.REVIEW_DECIDED),
        State.CLOSED,
        "complaints.close_complaint",
        ["satisfaction"],
        pgettext_lazy("complaint", "Close"),
    ),
    _t(
        State.NOT_ACCEPTED, State.CLOSED, "close_complaint", [], pgettext_lazy("complaint", "Close")
    ),
    # Before acceptance the front line records a withdrawal on the complainant's behalf. Once
    # compliance has taken the complaint up, only compliance withdraws it: an RM's withdrawal
    # waits for its confirmation (services.withdrawal, a four-eyes approval).
    _t(State.RECEIVED, State.WITHDRAWN, "withdraw_complaint", ["withdrawn_reason"], WITHDRAW),
    *transitions(
        AFTER_ACCEPTANCE,
        State.WITHDRAWN,
        "complaints.confirm_withdrawal",
        ["withdrawn_reason"],
        WITHDRAW,
    ),
)

WORKFLOW = Workflow(
    TRANSITIONS,
    audit_entity="complaint",
    status_field="state",
    label_of=lambda state: State(state).label,
    messages={
        "changed": gettext_lazy(
            "Someone else changed complaint %(obj)s a moment ago: it is now “%(state)s”. "
            "Nothing was changed; please look at it again."
        ),
        "impossible": gettext_lazy(
            "Complaint %(obj)s is “%(state)s” and cannot move to “%(to)s” "
            "(it may just have been changed by someone else)."
        ),
        "denied": gettext_lazy("You are not allowed to do this with the complaint."),
    },
)

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


def complaint_transitions_allowed(user, complaint: Complaint) -> list[Transition]:
    """The next actions this user may take on this complaint (for the complaint page)."""
    allowed = WORKFLOW.allowed(user, complaint)
    if any(t.target == State.WITHDRAWN for t in allowed) and is_named(user, complaint):
        allowed = [t for t in allowed if t.target != State.WITHDRAWN]
    return allowed


def complaint_transition(
    acting_user, complaint_id, to_state, *, expected_state=None, now=None, **fields
) -> Complaint:
    """Move a complaint to `to_state`. Raises PermissionDenied, TransitionError (not possible
    from the current state, or someone else changed it meanwhile), ValidationError (required
    fields), NotFound (outside the user's scope)."""
    with transaction.atomic():
        c = access_complaint(acting_user, complaint_id, for_write=True)
        apply_transition(acting_user, c, to_state, expected_state=expected_state, now=now, **fields)
    return c


def apply_transition(
    acting_user, c: Complaint, to_state, *, expected_state=None, now=None, **fields
) -> None:
    """Move `c`, already locked by the caller through the user's scope, to `to_state`: the
    status, its notice, the history row and the audit row (the bulk accept calls it per
    complaint, so a batch writes exactly what single moves write)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    note = (fields.get("note") or "").strip()
    data: dict = {}

    def effects(spec: Transition) -> None:
        data.update(_clean(c, spec, fields, today))
        _apply(acting_user, c, spec, data, now, today)
        c.state = spec.target
        if c.state not in CLOCK_STATES:
            clocks.end_open_pause(c, today)
        c.due_on = clocks.running_due(c)

    def history(spec: Transition) -> None:
        history_add(
            c,
            History.Event.TRANSITION,
            acting_user,
            from_state=spec.source,
            at=now,
            note=data["note"],
            data={k: v for k, v in data.items() if k in spec.required},
        )

    with transaction.atomic():
        if str(to_state) == State.WITHDRAWN and is_named(acting_user, c):
            raise PermissionDenied(str(NAMED_REFUSAL))
        closing = str(to_state) == State.CLOSED
        WORKFLOW.apply(
            acting_user,
            c,
            to_state,
            expected=expected_state or None,
            effects=effects,
            history=history,
            audited=("due_on", "handler"),
            purpose=note,
        )
        # A satisfaction call for the customer's RM, unless the complainant could not be
        # reached; recorded with the closing, so neither exists without the other.
        if closing and c.customer_id and c.satisfaction != Satisfaction.NOT_REACHED:
            outbox.enqueue(SATISFACTION_CALL_TASK, c.pk, today.isoformat())


# By name: complaints.tasks imports these services, not the other way round.
SATISFACTION_CALL_TASK = "complaints.tasks.satisfaction_call"


def complaint_schedule_satisfaction_call(complaint_id: int, closed_on) -> None:
    """The follow-up task for a closed complaint's satisfaction call (its dedupe key makes a
    second call a no-op)."""
    c = Complaint.objects.select_related("customer").get(pk=complaint_id)
    schedule_satisfaction_call(customer=c.customer, closed_on=closed_on, reference=c.reference)


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


def notice_create(c, kind, via, today, body, user, evidence="") -> Notice:
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


def _apply(user, c: Complaint, spec: Transition, data: dict, now, today) -> None:
    target = spec.target
    via, evidence = data.get("notice_via"), data["notice_evidence"]
    if target == State.ACCEPTED:
        c.accepted_at = now
        if c.ack_due and today > c.ack_due:
            c.breached = True
        notice_create(
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
        notice_create(
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
        notice_create(
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
        notice_create(
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
