"""Disposal steps on a warning (DESIGN §5.5). Completing a verify step verifies the warning,
a release step releases it: both through the warning's transitions table
(compliance.workflow), so the step is the move's history row and the audit row is the
workflow's."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.access import is_read_only
from crm.accounts.permissions import require
from crm.audit.services import record

from ..access import access_warning
from ..models import DisposalStep, RiskWarning, WarningStatus
from ..workflow import DISPOSE, WARNING_FLOW

CHUNK = 5000


def step_add(
    acting_user, warning: RiskWarning, *, kind: str, owner, due_on: datetime.date, outcome=""
) -> DisposalStep:
    """Plan a disposal step; with an outcome it is recorded as done at once."""
    require(acting_user, DISPOSE)
    if owner is None or not owner.is_active or is_read_only(owner):
        raise ValidationError({"owner": _("Choose an active staff member.")})
    if kind not in DisposalStep.Kind.values:
        raise ValidationError({"kind": _("Unknown step.")})
    with transaction.atomic():
        warning = access_warning(acting_user, warning.pk, for_write=True)
        if not warning.is_active:
            raise ValidationError(_("This warning has been released."))
        step = DisposalStep.objects.create(
            warning=warning, kind=kind, owner=owner, due_on=due_on, created_by=acting_user
        )
        record(
            acting_user,
            "step.planned",
            warning,
            after={"step": step.pk, "kind": kind, "owner": owner.pk, "due_on": due_on},
        )
        if outcome and outcome.strip():
            step = step_complete(acting_user, step, outcome=outcome)
    return step


def _move_of(step: DisposalStep, warning: RiskWarning) -> str | None:
    """The status completing `step` moves its warning to: verified by the first verify step,
    released by a release step; other steps (and further checks) move nothing."""
    if step.kind == DisposalStep.Kind.VERIFY and warning.verified_at is None:
        return WarningStatus.VERIFIED
    if step.kind == DisposalStep.Kind.RELEASE:
        return WarningStatus.RELEASED
    return None


def step_complete(acting_user, step: DisposalStep, *, outcome: str) -> DisposalStep:
    """Record a step's outcome; verify and release steps move the warning."""
    require(acting_user, DISPOSE)
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": _("Please record the outcome.")})
    with transaction.atomic():
        # The warning first, then its step: the sweep locks warnings, one order avoids deadlocks.
        warning = access_warning(acting_user, step.warning_id, for_write=True)
        step = DisposalStep.objects.select_for_update().get(pk=step.pk)
        if step.done_at is not None:
            raise ValidationError(_("This step has already been recorded."))
        if not warning.is_active:
            raise ValidationError(_("This warning has been released."))
        before = warning.status
        now = timezone.now()
        step.outcome = outcome
        step.done_at = now

        def save_step(_spec=None):
            step.save(update_fields=["outcome", "done_at"])

        target = _move_of(step, warning)
        if target is None:
            save_step()
        else:

            def effects(spec):
                if spec.target == WarningStatus.VERIFIED:
                    warning.verified_at = now
                else:
                    warning.released_at = now
                    warning.outcome = outcome

            WARNING_FLOW.apply(
                acting_user,
                warning,
                target,
                effects=effects,
                history=save_step,
                audited=("verified_at", "released_at", "outcome"),
                purpose=outcome,
            )
        record(
            acting_user,
            "step.completed",
            warning,
            purpose=outcome,
            before={"status": before},
            after={"status": warning.status, "step": step.pk, "kind": step.kind},
        )
    return step


# ---- owners follow the customer ---------------------------------------------------------------


def warning_reassign(
    old_owner_id: int, moves: dict[int, object], acting_user, *, reason: str
) -> int:
    """Move active warnings and open steps owned by `old_owner_id` on these customers
    (customer_id → new owner) to the new owner. One UPDATE pair per new owner; audited."""
    by_owner: dict[int, list[int]] = defaultdict(list)
    users = {}
    for customer_id, user in moves.items():
        by_owner[user.pk].append(customer_id)
        users[user.pk] = user
    moved = 0
    for new_id, customer_ids in by_owner.items():
        for start in range(0, len(customer_ids), CHUNK):
            chunk = customer_ids[start : start + CHUNK]
            warnings = RiskWarning.objects.active().filter(
                owner_id=old_owner_id, customer_id__in=chunk
            )
            pks = list(warnings.values_list("pk", flat=True))
            n = warnings.update(owner_id=new_id)
            steps = DisposalStep.objects.filter(
                owner_id=old_owner_id, warning__customer_id__in=chunk, done_at__isnull=True
            ).update(owner_id=new_id)
            moved += n
            if n or steps:
                record(
                    acting_user,
                    "warning.reassigned",
                    users[new_id],
                    purpose=reason,
                    before={"owner": old_owner_id},
                    after={"owner": new_id, "warnings": pks[:500], "steps": steps},
                )
    return moved


def on_customer_reassigned(sender, *, customer, old_owner_id, new_owner, acting_user, **kwargs):
    warning_reassign(old_owner_id, {customer.pk: new_owner}, acting_user, reason="reassignment")


def on_staff_handover(sender, *, departing_user, successor_for, acting_user, **kwargs):
    warning_reassign(departing_user.pk, successor_for, acting_user, reason="handover")
