"""What complaints put on the 360 timeline (crm.ui.timeline): each complaint's history
(logged, status changes, extensions, pauses…) and the notices sent to the complainant."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.ui.registry import TimelineSource
from crm.ui.timeline import project

from .models import History, Notice, State


def _history(customer_id: int):
    return project(
        History.objects.filter(complaint__customer_id=customer_id),
        source="complaint",
        at="at",
        link="complaint_id",
        code="event",
        detail="to_state",
        text="complaint__reference",
    )


def _describe_history(row) -> str:
    if row["code"] == History.Event.TRANSITION and row["detail"]:
        return _("Complaint %(reference)s: %(state)s") % {
            "reference": row["text"],
            "state": dict(State.choices).get(row["detail"], row["detail"]),
        }
    return _("Complaint %(reference)s: %(event)s") % {
        "reference": row["text"],
        "event": dict(History.Event.choices).get(row["code"], row["code"]),
    }


def _notices(customer_id: int):
    return project(
        Notice.objects.filter(complaint__customer_id=customer_id),
        source="notice",
        at="created_at",
        link="complaint_id",
        code="kind",
        detail="via",
        text="complaint__reference",
    )


def _describe_notice(row) -> str:
    return _("Complaint %(reference)s: %(notice)s sent (%(via)s)") % {
        "reference": row["text"],
        "notice": dict(Notice.Kind.choices).get(row["code"], row["code"]),
        "via": dict(Notice.Via.choices).get(row["detail"], row["detail"]),
    }


SOURCES = (
    TimelineSource(
        "complaint",
        "complaints",
        gettext_lazy("Complaints"),
        _history,
        _describe_history,
        "complaints:complaint-detail",
        permission="complaints.view_complaint",
        order=20,
    ),
    TimelineSource(
        "notice",
        "complaints",
        gettext_lazy("Complaints"),
        _notices,
        _describe_notice,
        "complaints:complaint-detail",
        permission="complaints.view_complaint",
        order=21,
    ),
)
