"""The task list as the shared list machinery sees it: its optional columns (crm.ui.lists) and
its bulk actions (crm.ui.bulk), declared beside the list view and registered by the app."""

from django.utils.translation import gettext_lazy as _

from crm.ui.bulk import BulkAction
from crm.ui.lists import ListSpec
from customers.contacts import bulk
from customers.contacts.forms import TaskBulkReassignForm, TaskBulkRescheduleForm, TaskBulkSkipForm

TASKS = "customers:task-list"

TASK_LIST = ListSpec(
    TASKS,
    _("Follow-up tasks"),
    columns={"reason": _("Reason"), "status": _("Status"), "owner": _("Owner")},
    permission="customers.view_followuptask",
)


def _reassign(user, ids, *, owner, reason):
    return bulk.tasks_reassign(user, ids, owner, reason=reason)


def _reschedule(user, ids, *, due_on, reason):
    return bulk.tasks_reschedule(user, ids, due_on, reason=reason)


def _skip(user, ids, *, reason):
    return bulk.tasks_skip(user, ids, reason=reason)


TASK_ACTIONS = (
    BulkAction(
        TASKS,
        "reschedule",
        _("Reschedule"),
        "customers.change_followuptask",
        _reschedule,
        TaskBulkRescheduleForm,
        done=_("%(n)d task(s) rescheduled."),
        icon="calendar-event",
        order=10,
    ),
    BulkAction(
        TASKS,
        "skip",
        _("Skip"),
        "customers.change_followuptask",
        _skip,
        TaskBulkSkipForm,
        done=_("%(n)d task(s) skipped."),
        icon="skip-forward",
        order=20,
    ),
    BulkAction(
        TASKS,
        "reassign",
        _("Reassign"),
        "customers.reassign_followuptask",
        _reassign,
        TaskBulkReassignForm,
        done=_("%(n)d task(s) reassigned."),
        icon="people",
        order=30,
    ),
)
