"""Bulk actions on the warning list: assign an owner, plan a disposal step on each.

One atomic service per action under the all-or-nothing rule of crm.core.bulk: the selection is
locked through the list's own scope (`warnings_for`), every warning is checked first, and one
that cannot take the action refuses the batch. An audit row per warning, in the transaction.
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
from customers.records.access import customers_for

from ..access import warnings_for
from ..models import DisposalStep, RiskWarning
from ..workflow import DISPOSE


def _label(warning: RiskWarning) -> str:
    return f"#{warning.pk} {warning.title}"


def _check_staff(acting_user, owner) -> None:
    """Work goes only to active staff the acting user may assign work to (never read-only)."""
    User = get_user_model()
    if owner is None or not User.objects.filter(staff_filter(acting_user), pk=owner.pk).exists():
        raise ValidationError({"owner": _("Choose an active colleague you may assign work to.")})


def _released(warning: RiskWarning) -> str | None:
    return None if warning.is_active else _("already released")


@transaction.atomic
def warnings_assign(acting_user, warning_ids, owner, *, reason: str = "") -> int:
    """Give the selected active warnings to one owner, who must be able to see each warning's
    customer (need-to-know). Returns how many changed owner."""
    require(acting_user, DISPOSE)
    _check_staff(acting_user, owner)
    warnings = lock_selection(warnings_for(acting_user), warning_ids)
    visible = set(
        customers_for(owner)
        .filter(pk__in={w.customer_id for w in warnings})
        .values_list("pk", flat=True)
    )

    def refused(warning):
        if not warning.is_active:
            return _("already released")
        if warning.customer_id not in visible:
            return _("%(name)s cannot see this customer") % {"name": owner}
        return None

    refuse_unless_all(warnings, refused, _label)
    return owners_move(acting_user, warnings, owner, action="warning.assigned", reason=reason)


@transaction.atomic
def warnings_add_step(acting_user, warning_ids, *, kind: str, owner, due_on: datetime.date) -> int:
    """Plan the same disposal step (kind, owner, due date) on each selected active warning."""
    require(acting_user, DISPOSE)
    if kind not in DisposalStep.Kind.values:
        raise ValidationError({"kind": _("Unknown step.")})
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": _("The due date cannot be in the past.")})
    _check_staff(acting_user, owner)
    warnings = lock_selection(warnings_for(acting_user), warning_ids)
    refuse_unless_all(warnings, _released, _label)
    steps = DisposalStep.objects.bulk_create(
        [
            DisposalStep(warning=w, kind=kind, owner=owner, due_on=due_on, created_by=acting_user)
            for w in warnings
        ]
    )
    step_of = {s.warning_id: s for s in steps}
    record_many(
        acting_user,
        "step.planned",
        warnings,
        after_of=lambda w: {
            "step": step_of[w.pk].pk,
            "kind": kind,
            "owner": owner.pk,
            "due_on": str(due_on),
            "bulk": True,
        },
    )
    return len(warnings)
