"""Bulk actions on the pipeline board: assign prospects to an RM, move them to a stage.

One atomic service per action under the all-or-nothing rule of crm.core.bulk: the selection is
locked through the board's scope (`prospects_for`), every prospect is checked first (a move
against the pipeline's transitions table, PROSPECT_FLOW), and one that cannot take the action
refuses the batch. An audit row per prospect, in the transaction.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.core.bulk import lock_selection, owners_move, refuse_unless_all
from customers.records.selectors import assignable_staff
from customers.sales.access import prospects_for
from customers.sales.models import Prospect
from customers.sales.services.pipeline import DENIED, move_reason, stage_event
from customers.sales.workflows import OPEN_STAGES, PROSPECT_FLOW, S


def _label(prospect: Prospect) -> str:
    return str(prospect)


@transaction.atomic
def prospects_assign(acting_user, prospect_ids, owner, *, reason: str = "") -> int:
    """Give the selected open prospects to one RM within the acting user's team or branch;
    branch and team follow the owner. Returns how many changed owner."""
    require(acting_user, "customers.change_prospect", message=DENIED)
    if owner is None or not assignable_staff(acting_user).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("You cannot give prospects to this person.")})
    prospects = lock_selection(prospects_for(acting_user), prospect_ids)
    refuse_unless_all(
        prospects,
        lambda p: None if p.stage in OPEN_STAGES else _("no longer in the pipeline"),
        _label,
    )
    return owners_move(
        acting_user,
        prospects,
        owner,
        action="prospect.assigned",
        reason=reason,
        branch_id=owner.branch_id,
        team_id=owner.team_id,
    )


@transaction.atomic
def prospects_move(acting_user, prospect_ids, to_stage: str, *, reason: str = "") -> int:
    """Move the selected prospects to `to_stage` where the pipeline allows it from each one's
    stage. Conversion to a customer is one prospect at a time (it names or creates the
    customer), so it is not a bulk move."""
    require(acting_user, "customers.change_prospect", message=DENIED)
    if to_stage == S.ACTIVE:
        raise ValidationError(
            {"to_stage": _("Convert prospects to customers one at a time, from their page.")}
        )
    prospects = lock_selection(prospects_for(acting_user), prospect_ids)

    def refused(prospect):
        try:
            spec = PROSPECT_FLOW.spec(prospect, to_stage, acting_user=acting_user)
            move_reason(spec, reason)
        except (ValidationError, PermissionDenied) as exc:
            return " ".join(getattr(exc, "messages", [str(exc)]))
        return None

    refuse_unless_all(prospects, refused, _label)
    for prospect in prospects:
        before = prospect.stage
        text = move_reason(PROSPECT_FLOW.spec(prospect, to_stage), reason)

        def effects(spec, p=prospect, text=text):
            if "loss_reason" in spec.required:
                p.loss_reason = text
            p.stage_changed_at = timezone.now()

        def history(spec, p=prospect, before=before, text=text):
            stage_event(acting_user, spec, before, text, prospect=p)

        # One applier for board and bulk: history row and audit row per prospect.
        PROSPECT_FLOW.apply(
            acting_user, prospect, to_stage, effects=effects, history=history, purpose=text
        )
    return len(prospects)
