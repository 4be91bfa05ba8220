"""Who handles a complaint: the one writer of handler changes (assignment by compliance in
services.bulk, and the handover of a departing colleague's open complaints)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from crm.audit.services import record_many

from ..models import OPEN_STATES, Complaint, History


def move_handlers(acting_user, rows, new_handler_of, *, action, note, purpose, handover=False):
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
    move_handlers(
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
