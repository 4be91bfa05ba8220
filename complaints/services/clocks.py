"""The SLA clocks: deadlines from the profile and the business calendar, and the services that
stop, resume and restart them (appraisal or mediation, new facts)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.audit.services import record
from crm.calendar import deadline
from crm.core.workflow import TransitionError

from ..access import access_complaint
from ..models import ClockPause, Complaint, History, SlaProfile, State
from .history import history_add

# States before the decision: the decision clock runs (and may stop, restart or be extended).
DECISION_CLOCK = (State.RECEIVED, State.ACCEPTED, State.IN_HANDLING)


def _denied():
    return _("You are not allowed to do this with the complaint.")


def recompute(c: Complaint) -> None:
    """Recompute the decision deadline and the running clock (due_on) from the stored inputs."""
    p = c.profile
    start = c.clock_start + datetime.timedelta(days=c.paused_days)
    c.decision_due = deadline(
        start, p.days_for_level(c.extension_level), working_days=p.decision_working_days
    )
    c.due_on = running_due(c)


def running_due(c: Complaint):
    """The deadline of the clock that runs in the complaint's state (None when none runs)."""
    if c.state == State.RECEIVED:
        return min(c.ack_due, c.decision_due) if c.ack_due else c.decision_due
    if c.state in (State.ACCEPTED, State.IN_HANDLING):
        return c.decision_due
    if c.state == State.REVIEW_REQUESTED:
        return c.review_due
    return None


def ack_due(profile: SlaProfile, received_on: datetime.date, regulator: bool):
    if regulator and profile.regulator_ack_days is not None:
        return deadline(
            received_on, profile.regulator_ack_days, working_days=profile.regulator_ack_working_days
        )
    if profile.ack_days is not None:
        return deadline(received_on, profile.ack_days, working_days=profile.ack_working_days)
    return None


def end_open_pause(c: Complaint, today) -> None:
    """A complaint leaving the clock states takes its open pause with it."""
    if c.paused:
        ClockPause.objects.filter(complaint=c, ended_on__isnull=True).update(
            ended_on=today, end_mode=ClockPause.EndMode.RESUME
        )
        c.paused = False


def complaint_pause_clock(acting_user, complaint_id, *, reason: str, started_on=None, note=""):
    require(acting_user, "complaints.handle_complaint", message=_denied())
    today = timezone.localdate()
    started_on = started_on or today
    with transaction.atomic():
        c = access_complaint(acting_user, complaint_id, for_write=True)
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
        history_add(
            c,
            History.Event.PAUSE,
            acting_user,
            note=note,
            data={"reason": reason, "from": started_on.isoformat()},
        )
        record(acting_user, "complaint.clock_paused", c, purpose=note, after={"pause": pause.pk})
    return pause


def complaint_resume_clock(
    acting_user, complaint_id, *, ended_on=None, new_facts: bool = False, note=""
):
    """End the open pause. Paused days are added to the period; with new facts the period
    starts again from the day they arrived."""
    require(acting_user, "complaints.handle_complaint", message=_denied())
    today = timezone.localdate()
    ended_on = ended_on or today
    with transaction.atomic():
        c = access_complaint(acting_user, complaint_id, for_write=True)
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
        recompute(c)
        c.save()
        history_add(
            c,
            History.Event.NEW_FACTS if new_facts else History.Event.RESUME,
            acting_user,
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


def complaint_record_new_facts(acting_user, complaint_id, *, on=None, note: str = ""):
    """New facts and reasons: the decision period restarts from the day they arrived."""
    require(acting_user, "complaints.handle_complaint", message=_denied())
    today = timezone.localdate()
    on = on or today
    if not note.strip():
        raise ValidationError({"note": _("Please describe the new facts.")})
    with transaction.atomic():
        c = access_complaint(acting_user, complaint_id, for_write=True)
        if c.state not in DECISION_CLOCK:
            raise TransitionError(_("New facts restart the clock only before the decision."))
        if c.paused:
            raise TransitionError(_("Resume the stopped clock (with new facts) instead."))
        if on > today or on < c.clock_start:
            raise ValidationError({"on": _("The date must be between the clock start and today.")})
        before = c.decision_due
        c.clock_start, c.paused_days = on, 0
        recompute(c)
        c.save()
        history_add(
            c,
            History.Event.NEW_FACTS,
            acting_user,
            note=note,
            data={"on": on.isoformat(), "decision_due": c.decision_due.isoformat()},
        )
        record(
            acting_user,
            "complaint.new_facts_recorded",
            c,
            purpose=note,
            before={"decision_due": before},
            after={"decision_due": c.decision_due},
        )
    return c
