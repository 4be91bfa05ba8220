"""Handover when an RM leaves or changes role (issue 9 §4).

A plan lists every customer the departing person owns, each with a successor (the plan's default
unless named) and a handover note. Completing it is one audited transaction, set-based: one
UPDATE per successor for customers, open follow-up tasks and open prospects, audit rows in bulk,
the `staff_handover` signal so upper apps move their own assignments, then a completeness check
(nothing left owned by the departing person) before the person is deactivated.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.accounts.access import staff_filter
from crm.accounts.permissions import require
from crm.audit.services import record, record_rows
from crm.core.access import ids_among
from crm.core.duplicates import refuse_duplicate
from customers.records.models import Customer, CustomerCoServer, FollowUpTask
from customers.records.signals import staff_handover
from customers.sales.access import access_handover_plan
from customers.sales.models import HandoverItem, HandoverPlan, Prospect
from customers.sales.selectors import leftovers, staff_in_scope
from customers.sales.workflows import HANDOVER_FLOW, MANAGE_HANDOVER, OPEN_STAGES, plan_not_open

PERM = MANAGE_HANDOVER
_CHUNK = 2000


class HandoverIncomplete(ValidationError):
    pass


DENIED = gettext_lazy("You may not manage handovers.")


def _check_successor(acting_user, successor, departing, *, field: str = "successor") -> None:
    """`field`: the name the caller knows the successor by (its form field), for the error."""
    if successor is None:
        raise ValidationError({field: _("Choose a successor.")})
    if successor.pk == departing.pk:
        raise ValidationError({field: _("The successor must be someone else.")})
    if not successor.is_active or successor.branch_id is None:
        raise ValidationError({field: _("The successor must be active and belong to a branch.")})
    if not get_user_model().objects.filter(staff_filter(acting_user), pk=successor.pk).exists():
        raise ValidationError(
            {field: _("You can only hand customers to staff within your team or branch.")}
        )


def handover_start(
    acting_user, departing, default_successor, *, reason: str, note: str = ""
) -> HandoverPlan:
    """Create a draft plan listing every customer the departing person owns (set-based)."""
    require(acting_user, PERM, message=DENIED)
    if departing.pk == acting_user.pk:
        raise ValidationError(_("You cannot plan your own handover."))
    if not staff_in_scope(acting_user).filter(pk=departing.pk).exists():
        raise ValidationError({"departing": _("This person is not in your team or branch.")})
    _check_successor(acting_user, default_successor, departing, field="default_successor")
    if reason not in HandoverPlan.Reason.values:
        raise ValidationError({"reason": _("Choose why the handover happens.")})
    with transaction.atomic():
        if HandoverPlan.objects.filter(
            departing=departing, status=HandoverPlan.Status.DRAFT
        ).exists():
            raise ValidationError(_("A handover plan for this person is already open."))
        # Two leads starting the same handover at once both pass the check; one is refused.
        with refuse_duplicate(_("A handover plan for this person is already open.")):
            plan = HandoverPlan.objects.create(
                departing=departing,
                default_successor=default_successor,
                reason=reason,
                note=(note or "").strip(),
                created_by=acting_user,
            )
        added = _refresh_items(plan)
        record(
            acting_user,
            "handover.started",
            plan,
            after={
                "departing": departing.pk,
                "default_successor": default_successor.pk,
                "customers": added,
            },
        )
    return plan


def _refresh_items(plan: HandoverPlan) -> int:
    """Add items for customers the departing person gained since the plan was made."""
    ids = (
        Customer.objects.filter(owner=plan.departing_id)
        .exclude(handover_items__plan=plan)
        .values_list("pk", flat=True)
    )
    items = [HandoverItem(plan=plan, customer_id=pk) for pk in ids.iterator(chunk_size=_CHUNK)]
    HandoverItem.objects.bulk_create(items, batch_size=_CHUNK)
    return len(items)


def _draft(acting_user, plan) -> HandoverPlan:
    locked = access_handover_plan(acting_user, plan.pk, for_write=True)
    if locked.status != HandoverPlan.Status.DRAFT:
        raise ValidationError(plan_not_open())
    return locked


def handover_assign(acting_user, plan, customer_ids, successor, *, note: str | None = None) -> int:
    """Give the selected customers of the plan to `successor` (None: back to the default), and
    optionally set their handover note."""
    require(acting_user, PERM, message=DENIED)
    ids = ids_among(customer_ids)  # ids not in the plan change nothing; crafted ones too
    if not ids:
        raise ValidationError(_("Select at least one customer."))
    with transaction.atomic():
        locked = _draft(acting_user, plan)
        if successor is not None:
            _check_successor(acting_user, successor, locked.departing)
        changes = {"successor": successor}
        if note is not None and note.strip():
            changes["note"] = note.strip()
        return HandoverItem.objects.filter(plan=locked, customer_id__in=ids).update(**changes)


def handover_set_note(acting_user, plan, customer_id: int, note: str) -> None:
    require(acting_user, PERM, message=DENIED)
    with transaction.atomic():
        locked = _draft(acting_user, plan)
        HandoverItem.objects.filter(plan=locked, customer_id=customer_id).update(
            note=(note or "").strip()
        )


def handover_cancel(acting_user, plan) -> None:
    require(acting_user, PERM, message=DENIED)
    with transaction.atomic():
        locked = access_handover_plan(acting_user, plan.pk, for_write=True)
        HANDOVER_FLOW.apply(acting_user, locked, HandoverPlan.Status.CANCELLED)


def handover_complete(acting_user, plan) -> HandoverPlan:
    """Move everything in one transaction; refuse (and change nothing) if anything is left."""
    require(acting_user, PERM, message=DENIED)
    with transaction.atomic():
        locked = _draft(acting_user, plan)
        HANDOVER_FLOW.apply(
            acting_user,
            locked,
            HandoverPlan.Status.COMPLETED,
            effects=lambda spec: _move_everything(acting_user, locked),
            purpose=locked.note,
            audit_after=lambda: locked.summary,
        )
    return locked


def _move_everything(acting_user, locked: HandoverPlan) -> None:
    """The plan's effects: customers, open tasks and open prospects to their successors,
    co-serving ended, the staff_handover signal, the completeness check; sets the summary."""
    User = get_user_model()
    departing = User.objects.select_for_update().get(pk=locked.departing_id)
    _refresh_items(locked)  # customers gained since the plan was made go to the default
    items = HandoverItem.objects.filter(plan=locked).annotate(
        to=Coalesce("successor", "plan__default_successor")
    )
    # Only customers still owned by the departing person move (others were reassigned).
    rows = list(items.filter(customer__owner=departing).values_list("customer_id", "to"))
    successors = User.objects.in_bulk({to for _c, to in rows} | {locked.default_successor_id})
    for successor in successors.values():
        _check_successor(acting_user, successor, departing)
    counts: dict[int, int] = defaultdict(int)
    for _c, to in rows:
        counts[to] += 1
    # Audit rows first (they read the customers' branch before the move): one INSERT…SELECT.
    _bulk_audit(acting_user, locked, departing)
    moved_customers = moved_tasks = 0
    now = timezone.now()
    for to in counts:
        successor = successors[to]
        mine = items.filter(to=to).values("customer_id")
        moved_customers += Customer.objects.filter(owner=departing, pk__in=mine).update(
            owner=successor,
            branch_id=successor.branch_id,
            team_id=successor.team_id,
            updated_at=now,
        )
        moved_tasks += FollowUpTask.objects.filter(
            owner=departing, status=FollowUpTask.Status.OPEN, customer_id__in=mine
        ).update(owner=successor)
    default = successors[locked.default_successor_id]
    # Open tasks on customers the person did not own (co-served) go to the customer's owner.
    other_tasks = list(
        FollowUpTask.objects.filter(owner=departing, status=FollowUpTask.Status.OPEN).values_list(
            "pk", "customer__owner_id"
        )
    )
    for owner_id, task_ids in _group(other_tasks).items():
        target = owner_id if owner_id != departing.pk else default.pk
        moved_tasks += FollowUpTask.objects.filter(pk__in=task_ids).update(owner_id=target)
    moved_prospects = Prospect.objects.filter(owner=departing, stage__in=OPEN_STAGES).update(
        owner=default, branch_id=default.branch_id, team_id=default.team_id
    )
    # Co-serving ends with the handover: a person changing role keeps no access to the book.
    co_served, _kinds = CustomerCoServer.objects.filter(user=departing).delete()
    successor_for = {customer_id: successors[to] for customer_id, to in rows}
    staff_handover.send(
        sender=HandoverPlan,
        departing_user=departing,
        successor_for=successor_for,
        acting_user=acting_user,
    )
    left = leftovers(departing)
    if any(left.values()):
        raise HandoverIncomplete(
            _(
                "The handover is incomplete: %(customers)d customers, %(tasks)d open tasks "
                "and %(prospects)d open prospects would be left with the departing person."
            )
            % left
        )
    if locked.reason == HandoverPlan.Reason.LEAVING:
        departing.is_active = False
        departing.save(update_fields=["is_active"])
    locked.completed_by = acting_user
    locked.completed_at = now
    locked.summary = {
        "customers": moved_customers,
        "tasks": moved_tasks,
        "prospects": moved_prospects,
        "co_servers_removed": co_served,
        "successors": {str(pk): n for pk, n in counts.items()},
        "deactivated": locked.reason == HandoverPlan.Reason.LEAVING,
    }


_AUDIT_SQL = """
SELECT c.id, c.name, c.number, i.note, c.owner_id, c.branch_id, c.team_id,
       s.id, s.branch_id, s.team_id, i.plan_id
FROM customers_handoveritem i
JOIN customers_customer c ON c.id = i.customer_id
JOIN accounts_user s ON s.id = COALESCE(i.successor_id, %s)
WHERE i.plan_id = %s AND c.owner_id = %s
ORDER BY c.id
"""


def _bulk_audit(acting_user, plan, departing) -> int:
    """One "customer.reassigned" row per moving customer, carrying its handover note: read in
    one query, written in chained batches by the audit service (crm.audit.chain) — the
    append-only trigger still applies."""
    reason = _("Handover: %(person)s") % {"person": departing}
    with connection.cursor() as cursor:
        cursor.execute(_AUDIT_SQL, [plan.default_successor_id, plan.pk, departing.pk])
        moving = cursor.fetchall()
    return record_rows(
        {
            "actor_id": acting_user.pk,
            "action": "customer.reassigned",
            "target_type": "customers.customer",
            "target_id": str(pk),
            "target_repr": f"{name} ({number})"[:255],
            "purpose": note or reason,
            "before": {"owner": owner, "branch": branch, "team": team},
            "after": {"owner": to, "branch": to_branch, "team": to_team, "handover_plan": plan_id},
        }
        for pk, name, number, note, owner, branch, team, to, to_branch, to_team, plan_id in moving
    )


def _group(pairs):
    out = defaultdict(list)
    for pk, key in pairs:
        out[key].append(pk)
    return out


def _chunks(items):
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]
