"""The complaint's own timeline row, written beside the audit row of every change."""

from __future__ import annotations

from django.utils import timezone

from ..models import Complaint, History


def history_add(
    c: Complaint, event, actor, *, note: str = "", data=None, from_state=None, at=None
) -> History:
    """One timeline row; a change that keeps the state records it as from and to."""
    return History.objects.create(
        complaint=c,
        event=event,
        from_state=c.state if from_state is None else from_state,
        to_state=c.state,
        actor=actor,
        at=at or timezone.now(),
        note=note,
        data=data or {},
    )
