"""Bulk actions on follow-up tasks (the task list's action bar): reassign, reschedule, skip.

Each is one atomic service under the all-or-nothing rule of crm.core.bulk: the selection is
locked through the same scope as the list (`tasks_for`), every task is checked first, and one
task that cannot take the action refuses the batch. An audit row per task, in the transaction.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.access import staff_filter
from crm.accounts.permissions import require
from crm.audit.services import record_many
from crm.core.bulk import lock_selection, owners_move, refuse_unless_all
from customers.contacts.access import tasks_for
from customers.records.access import customers_for
from customers.records.models import FollowUpTask

OPEN = FollowUpTask.Status.OPEN
# How far ahead a batch may be moved: a year covers every cadence; further is a typo.
RESCHEDULE_LIMIT = datetime.timedelta(days=366)


def _label(task: FollowUpTask) -> str:
    return f"{task} ({task.due_on:%Y-%m-%d})"


def _closable_by(user):
    """Open, and the user's own task unless they lead (as for one task: services._closable)."""
    leads = user.has_perm("customers.reassign_followuptask")

    def reason(task: FollowUpTask) -> str | None:
        if task.status != OPEN:
            return _("already closed")
        if not leads and task.owner_id != user.pk:
            return _("only its owner or a team lead may change it")
        return None

    return reason


@transaction.atomic
def tasks_reassign(acting_user, task_ids, owner, *, reason: str = "") -> int:
    """Hand the selected open tasks to a colleague in the lead's team or branch, who must be
    able to see each task's customer (need-to-know). Returns how many changed owner."""
    require(acting_user, "customers.reassign_followuptask")
    allowed = get_user_model().objects.filter(staff_filter(acting_user), pk=owner.pk)
    if not owner.is_active or not allowed.exists():
        raise ValidationError({"owner": _("You can only hand tasks to staff within your team.")})
    tasks = lock_selection(tasks_for(acting_user), task_ids)
    visible = set(
        customers_for(owner)
        .filter(pk__in={t.customer_id for t in tasks})
        .values_list("pk", flat=True)
    )

    def refused(task):
        if task.status != OPEN:
            return _("already closed")
        if task.customer_id not in visible:
            return _("%(name)s cannot see this customer") % {"name": owner}
        return None

    refuse_unless_all(tasks, refused, _label)
    return owners_move(
        acting_user, tasks, owner, action="followup.reassigned", reason=reason, after={"bulk": True}
    )


@transaction.atomic
def tasks_reschedule(acting_user, task_ids, due_on: datetime.date, *, reason: str = "") -> int:
    """Move the selected open tasks to a new due date (today at the earliest)."""
    require(acting_user, "customers.change_followuptask")
    today = timezone.localdate()
    if due_on < today:
        raise ValidationError({"due_on": _("The due date cannot be in the past.")})
    if due_on > today + RESCHEDULE_LIMIT:
        raise ValidationError({"due_on": _("Please choose a date within a year.")})
    tasks = lock_selection(tasks_for(acting_user), task_ids)
    refuse_unless_all(tasks, _closable_by(acting_user), _label)
    moved = [t for t in tasks if t.due_on != due_on]
    before = {t.pk: t.due_on for t in moved}
    FollowUpTask.objects.filter(pk__in=[t.pk for t in moved]).update(due_on=due_on)
    record_many(
        acting_user,
        "followup.rescheduled",
        moved,
        purpose=(reason or "").strip(),
        before_of=lambda t: {"due_on": str(before[t.pk])},
        after_of=lambda t: {"due_on": str(due_on)},
    )
    return len(moved)


@transaction.atomic
def tasks_skip(acting_user, task_ids, *, reason: str) -> int:
    """Close the selected open tasks as skipped, with one reason for all."""
    require(acting_user, "customers.change_followuptask")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please give a reason for skipping the task.")})
    tasks = lock_selection(tasks_for(acting_user), task_ids)
    refuse_unless_all(tasks, _closable_by(acting_user), _label)
    FollowUpTask.objects.filter(pk__in=[t.pk for t in tasks]).update(
        status=FollowUpTask.Status.SKIPPED,
        skip_reason=reason,
        completed_at=timezone.now(),
        completed_by=acting_user,
    )
    record_many(acting_user, "followup.skipped", tasks, purpose=reason)
    return len(tasks)
