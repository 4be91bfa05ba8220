"""The complaint queue as the shared list machinery sees it: saved views of its filters and
sort (crm.ui.lists) and its bulk actions (crm.ui.bulk)."""

from django.utils.translation import gettext_lazy as _

from crm.ui.bulk import BulkAction
from crm.ui.lists import ListSpec

from . import services
from .forms import QueueBulkAcceptForm, QueueBulkAssignForm

QUEUE = "complaints:complaint-queue"

LISTS = (ListSpec(QUEUE, _("Complaint queue"), permission="complaints.view_complaint"),)


def _accept(user, ids, *, notice_via, note):
    return services.complaints_accept(user, ids, notice_via=notice_via, note=note)


def _assign(user, ids, *, handler, note):
    return services.complaints_assign(user, ids, handler, note=note)


ACTIONS = (
    BulkAction(
        QUEUE,
        "accept",
        _("Accept"),
        "complaints.accept_complaint",
        _accept,
        QueueBulkAcceptForm,
        done=_("%(n)s complaint(s) accepted."),
        icon="check2-circle",
        order=10,
    ),
    BulkAction(
        QUEUE,
        "assign",
        _("Assign"),
        "complaints.assign_complaint",
        _assign,
        QueueBulkAssignForm,
        done=_("%(n)s complaint(s) assigned."),
        icon="person-check",
        order=20,
    ),
)
