"""Who handles a complaint: assignment by compliance, and the handover of a departing
colleague's open complaints."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.audit.services import record_many
from crm.core.access import parse_id

from ..access import complaints_for
from ..models import OPEN_STATES, Complaint, History


def complaints_assign(acting_user, complaint_ids, handler, *, note: str = "") -> int:
    """Assign (or reassign) the handler of open complaints in the user's scope; ids outside it
    are skipped like missing ones. Returns how many changed."""
    require(
        acting_user,
        "complaints.assign_complaint",
        message=_("You are not allowed to do this with the complaint."),
    )
    if handler is None or not handler.is_active:
        raise ValidationError({"handler": _("Please choose an active staff member.")})
    ids = [parse_id(i) for i in complaint_ids]
    with transaction.atomic():
        visible = set(
            complaints_for(acting_user, few=True).filter(pk__in=ids).values_list("pk", flat=True)
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


def complaints_hand_over(departing_user, successor_for: dict, acting_user) -> int:
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
        action="complaint.handed_over",
        note=_("Handover from a departing colleague"),
        purpose=_("Staff handover"),
        handover=True,
    )
    return len(rows)


def on_staff_handover(sender, departing_user, successor_for, acting_user, **kwargs):
    complaints_hand_over(departing_user, successor_for, acting_user)
