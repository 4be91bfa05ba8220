"""Writes for contacts, visits and follow-up tasks: one function per use case, atomic, audited
(DESIGN §3, §5.2). Reads live in customers.contacts.selectors."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.access import staff_filter
from crm.accounts.permissions import require
from crm.audit.services import record
from crm.core.access import NotFound
from customers.contacts import cadence
from customers.contacts.access import access_interaction, access_task
from customers.contacts.models import CalendarFeedToken, Interaction
from customers.records.access import customers_for
from customers.records.models import Customer, FollowUpReason, FollowUpTask

# Fields of an interaction that the edit window covers (participants too).
EDITABLE = ("channel", "occurred_at", "purpose", "summary", "outcomes", "next_steps")
# Contacts may be logged after the fact, but not far in the future (clock skew allowance).
FUTURE_TOLERANCE = datetime.timedelta(minutes=10)
BACKDATE_LIMIT = datetime.timedelta(days=90)


def edit_window() -> datetime.timedelta:
    return datetime.timedelta(hours=cadence.option("EDIT_WINDOW_HOURS"))


def interaction_editable(user, interaction: Interaction, now=None) -> bool:
    """Its author, within the edit window (has_perm refuses read-only users)."""
    now = now or timezone.now()
    return (
        user.has_perm("customers.change_interaction")
        and interaction.created_by_id == user.pk
        and now - interaction.created_at <= edit_window()
    )


def _check_time(occurred_at: datetime.datetime) -> None:
    now = timezone.now()
    if occurred_at > now + FUTURE_TOLERANCE:
        raise ValidationError({"occurred_at": _("A contact cannot be logged in the future.")})
    if occurred_at < now - BACKDATE_LIMIT:
        raise ValidationError(
            {"occurred_at": _("Contacts older than 90 days cannot be logged any more.")}
        )


def _snapshot(interaction: Interaction) -> dict:
    data = {f: str(getattr(interaction, f)) for f in EDITABLE}
    data["staff"] = sorted(interaction.staff.values_list("pk", flat=True))
    data["contacts"] = sorted(interaction.contacts.values_list("pk", flat=True))
    return data


def _open_task(user, task: FollowUpTask, customer: Customer | None = None) -> FollowUpTask:
    """`task` again, locked, if it is still open and in the user's book (of `customer`)."""
    locked = access_task(user, task.pk, for_write=True, customer=customer)
    if locked.status != FollowUpTask.Status.OPEN:
        raise ValidationError(_("This task is already closed."))
    return locked


def interaction_log(
    acting_user,
    customer: Customer,
    *,
    channel: str,
    occurred_at: datetime.datetime,
    purpose: str,
    summary: str,
    outcomes: str = "",
    next_steps: str = "",
    staff=(),
    contacts=(),
    other_participants: str = "",
    attachment=None,
    task: FollowUpTask | None = None,
) -> Interaction:
    """Record a contact or visit. With `task` (of this customer), the open task is completed
    and linked."""
    require(acting_user, "customers.add_interaction")
    if not (summary or "").strip():
        raise ValidationError({"summary": _("Please summarise the contact.")})
    _check_time(occurred_at)
    with transaction.atomic():
        locked = _customer_in_book(acting_user, customer)
        contact_ids = [c.pk for c in contacts]
        if contact_ids and locked.contacts.filter(pk__in=contact_ids).count() != len(contact_ids):
            raise ValidationError({"contacts": _("Choose contacts of this customer.")})
        task = _open_task(acting_user, task, locked) if task is not None else None
        interaction = Interaction(
            customer=locked,
            channel=channel,
            occurred_at=occurred_at,
            purpose=purpose,
            summary=summary.strip(),
            outcomes=(outcomes or "").strip(),
            next_steps=(next_steps or "").strip(),
            other_participants=(other_participants or "").strip(),
            created_by=acting_user,
        )
        if attachment:
            interaction.attachment = attachment
        interaction.full_clean(exclude=["attachment"])
        interaction.save()
        interaction.staff.set({acting_user.pk, *(u.pk for u in staff)})
        interaction.contacts.set(contact_ids)
        record(
            acting_user,
            "interaction.logged",
            interaction,
            after={**_snapshot(interaction), "customer": locked.pk},
        )
        if task is not None:
            _complete(acting_user, task, interaction=interaction)
    return interaction


def _customer_in_book(user, customer: Customer) -> Customer:
    # NotFound (404) when the customer left the user's book since the page was opened.
    if customer is None or not customers_for(user).filter(pk=customer.pk).exists():
        raise NotFound
    return customer


def edit_refused() -> PermissionDenied:
    """The refusal of a change outside the edit window or by someone else."""
    return PermissionDenied(
        _("Interactions can only be changed by their author within %(hours)s hours.")
        % {"hours": cadence.option("EDIT_WINDOW_HOURS")}
    )


def interaction_edit(
    acting_user, interaction: Interaction, *, staff=None, contacts=None, **changes
):
    """Change an interaction within the edit window (its author only); later changes are
    refused. Writes the before/after audit row."""
    if not interaction_editable(acting_user, interaction):
        raise edit_refused()
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if "summary" in changes and not (changes["summary"] or "").strip():
        raise ValidationError({"summary": _("Please summarise the contact.")})
    if "occurred_at" in changes:
        _check_time(changes["occurred_at"])
    with transaction.atomic():
        locked = access_interaction(acting_user, interaction.pk, for_write=True)
        if not interaction_editable(acting_user, locked):
            raise edit_refused()
        before = _snapshot(locked)
        for name, value in changes.items():
            setattr(locked, name, value.strip() if isinstance(value, str) else value)
        locked.full_clean(exclude=["attachment"])
        locked.save()
        if staff is not None:
            locked.staff.set({acting_user.pk, *(u.pk for u in staff)})
        if contacts is not None:
            ids = [c.pk for c in contacts]
            if locked.customer.contacts.filter(pk__in=ids).count() != len(ids):
                raise ValidationError({"contacts": _("Choose contacts of this customer.")})
            locked.contacts.set(ids)
        after = _snapshot(locked)
        if after != before:
            record(acting_user, "interaction.changed", locked, before=before, after=after)
    return locked


# ---- tasks ----------------------------------------------------------------------------------


def _may_work_on(user, task: FollowUpTask) -> bool:
    return task.owner_id == user.pk or user.has_perm("customers.reassign_followuptask")


def _closable(user, task: FollowUpTask) -> FollowUpTask:
    locked = _open_task(user, task)
    if not _may_work_on(user, locked):
        raise PermissionDenied(_("Only the task's owner or a team lead may close it."))
    return locked


def _complete(acting_user, task: FollowUpTask, *, interaction=None) -> FollowUpTask:
    task.status = FollowUpTask.Status.DONE
    task.completed_at = timezone.now()
    task.completed_by = acting_user
    task.interaction = interaction
    task.save(update_fields=["status", "completed_at", "completed_by", "interaction"])
    record(
        acting_user,
        "followup.completed",
        task,
        after={"interaction": interaction.pk if interaction else None},
    )
    return task


def task_complete(
    acting_user, task: FollowUpTask, *, interaction_id: int | None = None
) -> FollowUpTask:
    """Mark a task done, optionally linking an interaction of the same customer."""
    require(acting_user, "customers.change_followuptask")
    with transaction.atomic():
        locked = _closable(acting_user, task)
        interaction = None
        if interaction_id:
            interaction = Interaction.objects.filter(
                pk=interaction_id, customer_id=locked.customer_id
            ).first()
            if interaction is None:
                raise ValidationError(_("Choose an interaction with this customer."))
        return _complete(acting_user, locked, interaction=interaction)


def task_skip(acting_user, task: FollowUpTask, *, reason: str) -> FollowUpTask:
    require(acting_user, "customers.change_followuptask")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"skip_reason": _("Please give a reason for skipping the task.")})
    with transaction.atomic():
        locked = _closable(acting_user, task)
        locked.status = FollowUpTask.Status.SKIPPED
        locked.skip_reason = reason
        locked.completed_at = timezone.now()
        locked.completed_by = acting_user
        locked.save(update_fields=["status", "skip_reason", "completed_at", "completed_by"])
        record(acting_user, "followup.skipped", locked, purpose=reason)
    return locked


def task_reassign(acting_user, task: FollowUpTask, new_owner, *, reason: str = "") -> FollowUpTask:
    """A team lead hands an open task to someone in their team/branch (staff_filter)."""
    require(acting_user, "customers.reassign_followuptask")
    allowed = get_user_model().objects.filter(staff_filter(acting_user), pk=new_owner.pk)
    if not new_owner.is_active or not allowed.exists():
        raise ValidationError({"owner": _("You can only hand tasks to staff within your team.")})
    with transaction.atomic():
        locked = _open_task(acting_user, task)
        if not customers_for(new_owner).filter(pk=locked.customer_id).exists():
            # Need-to-know: a task never gives access to a customer outside the new owner's book.
            raise ValidationError(
                {
                    "owner": _(
                        "%(name)s cannot see this customer. Add them as a co-server or "
                        "reassign the customer first."
                    )
                    % {"name": new_owner}
                }
            )
        before = {"owner": locked.owner_id}
        locked.owner = new_owner
        locked.save(update_fields=["owner"])
        record(
            acting_user,
            "followup.reassigned",
            locked,
            purpose=(reason or "").strip(),
            before=before,
            after={"owner": new_owner.pk},
        )
    return locked


def task_create(acting_user, customer: Customer, *, title: str, due_on, notes: str = ""):
    """A manual follow-up on a customer of the acting user's book."""
    require(acting_user, "customers.add_followuptask")
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Please give the task a title.")})
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": _("The due date cannot be in the past.")})
    with transaction.atomic():
        locked = _customer_in_book(acting_user, customer)
        task = FollowUpTask.objects.create(
            customer=locked,
            owner=acting_user,
            title=title[:200],
            reason=FollowUpReason.MANUAL,
            due_on=due_on,
            notes=notes,
        )
        record(acting_user, "followup.created", task, after={"due_on": str(due_on)})
    return task


def tasks_move_open(*, customer, old_owner_id, new_owner, acting_user, **kwargs) -> int:
    """Receiver of customers.records.signals.customer_reassigned (inside the reassignment
    transaction): the customer's open tasks held by the previous owner follow the customer."""
    moved = FollowUpTask.objects.filter(
        customer=customer, owner_id=old_owner_id, status=FollowUpTask.Status.OPEN
    ).update(owner=new_owner)
    if moved:
        record(
            acting_user,
            "followup.moved",
            customer,
            before={"owner": old_owner_id},
            after={"owner": new_owner.pk, "tasks": moved},
        )
    return moved


# ---- iCalendar feed -------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_token_issue(acting_user) -> str:
    """A new secret feed link for the user (the old one stops working); returns the token,
    which is shown once: only its hash is kept."""
    require(acting_user, "customers.add_calendarfeedtoken")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeedToken.objects.update_or_create(
            user=acting_user, defaults={"token_hash": _hash(token), "last_used_at": None}
        )
        record(acting_user, "calendar_feed.issued", acting_user)
    return token


def feed_token_revoke(acting_user) -> None:
    require(acting_user, "customers.delete_calendarfeedtoken")
    with transaction.atomic():
        CalendarFeedToken.objects.filter(user=acting_user).delete()
        record(acting_user, "calendar_feed.revoked", acting_user)


def feed_token_use(token: str):
    """The active user this feed token belongs to (noting when it was used), or NotFound for
    an unknown or revoked token."""
    feed = (
        CalendarFeedToken.objects.select_related("user")
        .filter(token_hash=_hash(token), user__is_active=True)
        .first()
    )
    if feed is None:
        raise NotFound
    CalendarFeedToken.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return feed.user
