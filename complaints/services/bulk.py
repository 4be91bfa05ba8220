"""Bulk actions on the complaint queue: assign a handler, accept received complaints.

Both follow the all-or-nothing rule of crm.core.bulk: the selection is locked through the
queue's own scope (`complaints_for`), every complaint is checked first, and one that cannot take
the action refuses the batch with a message naming it. Accepting goes through the workflow's
applier per complaint, so each gets its notice, history row and audit row as a single move does.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.core.bulk import lock_selection, refuse_unless_all

from ..access import complaints_for
from ..models import OPEN_STATES, Complaint, Notice, State
from .assignment import move_handlers
from .workflow import apply_transition


def _label(c: Complaint) -> str:
    return c.reference


def _state(c: Complaint) -> str:
    return _("it is “%(state)s”") % {"state": State(c.state).label}


@transaction.atomic
def complaints_assign(acting_user, complaint_ids, handler, *, note: str = "") -> int:
    """Give the selected open complaints to one handler (active, placed in a branch). Returns
    how many changed handler; one already with that handler is left as it is."""
    require(
        acting_user,
        "complaints.assign_complaint",
        message=_("You are not allowed to do this with the complaint."),
    )
    if handler is None or not handler.is_active or handler.branch_id is None:
        raise ValidationError({"handler": _("Please choose an active staff member.")})
    rows = lock_selection(complaints_for(acting_user, few=True), complaint_ids)
    refuse_unless_all(rows, lambda c: None if c.state in OPEN_STATES else _state(c), _label)
    changed = [c for c in rows if c.handler_id != handler.pk]
    note = (note or "").strip()
    move_handlers(
        acting_user,
        changed,
        lambda c: handler,
        action="complaint.assigned",
        note=note,
        purpose=note,
    )
    return len(changed)


@transaction.atomic
def complaints_accept(acting_user, complaint_ids, *, notice_via: str, note: str = "") -> int:
    """Accept the selected received complaints, the acceptance notice sent by `notice_via`."""
    require(
        acting_user,
        "complaints.accept_complaint",
        message=_("You are not allowed to do this with the complaint."),
    )
    if notice_via not in Notice.Via.values:
        raise ValidationError({"notice_via": _("Please say how the complainant was notified.")})
    # The profile holds the deadlines the acceptance notice states.
    scope = complaints_for(acting_user, few=True).select_related("profile")
    rows = lock_selection(scope, complaint_ids)
    refuse_unless_all(rows, lambda c: None if c.state == State.RECEIVED else _state(c), _label)
    now = timezone.now()
    for c in rows:
        apply_transition(
            acting_user,
            c,
            State.ACCEPTED,
            expected_state=State.RECEIVED,
            now=now,
            notice_via=notice_via,
            note=note,
        )
    return len(rows)
