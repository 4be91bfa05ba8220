"""Customer lifecycle and prospect pipeline (issue 9 §1).

prospect → onboarding → active → dormant → exited: the moves are the tables in
customers.sales.workflows, applied by crm.core.workflow (history row + audit row in the same
transaction). Prospects live in the pipeline until conversion links them to a Customer; their
lifecycle events then belong to the customer too, so the history is kept. Dormant detection
lives in customers.sales.services.dormancy.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.accounts.permissions import require
from crm.audit.services import record
from crm.core.access import access_in
from crm.core.reveal import reveal
from crm.core.workflow import Transition
from customers.records.access import customers_for
from customers.records.models import Customer
from customers.records.selectors import assignable_staff
from customers.sales.access import access_prospect
from customers.sales.models import (
    CustomerLifecycle,
    LifecycleEvent,
    Prospect,
    ProspectSource,
)
from customers.sales.workflows import LIFECYCLE_FLOW, PROSPECT_FLOW, S

DENIED = gettext_lazy("You may not change the pipeline.")


# ---- prospects ------------------------------------------------------------------------------


def prospect_create(acting_user, prospect: Prospect) -> Prospect:
    require(acting_user, "customers.add_prospect", message=DENIED)
    if not assignable_staff(acting_user).filter(pk=prospect.owner_id).exists():
        raise ValidationError({"owner": _("You cannot give prospects to this person.")})
    if prospect.source == ProspectSource.CHANNEL and prospect.channel_id is None:
        raise ValidationError({"channel": _("Choose the channel this prospect came from.")})
    if prospect.source == ProspectSource.ACTIVITY and prospect.activity_id is None:
        raise ValidationError({"activity": _("Choose the activity this prospect came from.")})
    if prospect.source == ProspectSource.REFERRAL and prospect.referred_by_id is None:
        raise ValidationError({"referred_by": _("Name the customer who referred this prospect.")})
    if (
        prospect.referred_by_id
        and not customers_for(acting_user).filter(pk=prospect.referred_by_id).exists()
    ):
        raise ValidationError({"referred_by": _("The referring customer is not in your book.")})
    prospect.branch_id = prospect.owner.branch_id
    prospect.team_id = prospect.owner.team_id
    prospect.stage = S.PROSPECT
    with transaction.atomic():
        prospect.save()
        LifecycleEvent.objects.create(prospect=prospect, to_stage=S.PROSPECT, actor=acting_user)
        record(
            acting_user,
            "prospect.created",
            prospect,
            after={"owner": prospect.owner_id, "source": prospect.source},
        )
    return prospect


def prospect_reveal_contact(acting_user, prospect_id, *, purpose: str) -> str:
    """A prospect's contact details in clear (to call them), for this response only; audited."""
    return reveal(
        acting_user,
        find=lambda: access_prospect(acting_user, prospect_id),
        read=lambda prospect: prospect.contact,
        action="prospect.contact_revealed",
        field="contact",
        purpose=purpose,
    )


def prospect_set_next_step(
    acting_user, prospect: Prospect, *, next_step: str, due: datetime.date | None
) -> Prospect:
    require(acting_user, "customers.change_prospect", message=DENIED)
    with transaction.atomic():
        locked = access_prospect(acting_user, prospect.pk, for_write=True)
        locked.next_step = (next_step or "").strip()[:200]
        locked.next_step_on = due
        locked.save(update_fields=["next_step", "next_step_on"])
    return locked


_REASON_NEEDED = {
    "loss_reason": lambda: _("Please give the reason the prospect was lost."),
    "win_reason": lambda: _("Please give the reason the prospect was won."),
    "reason": lambda: _("Please give a reason for this change."),
}


def move_reason(spec: Transition, reason: str) -> str:
    """The move's reason, required when its transition names one."""
    reason = (reason or "").strip()
    for field in spec.required:
        if field in _REASON_NEEDED and not reason:
            raise ValidationError({"reason": _REASON_NEEDED[field]()})
    return reason[:200]


def stage_event(acting_user, spec: Transition, before: str, reason: str, **subject) -> None:
    """The history row of a move (of a prospect, a customer, or a prospect that became one)."""
    LifecycleEvent.objects.create(
        from_stage=before, to_stage=spec.target, reason=reason, actor=acting_user, **subject
    )


def prospect_move(
    acting_user,
    prospect: Prospect,
    to_stage: str,
    *,
    reason: str = "",
    customer_number: str = "",
    aum_raised: Decimal | None = None,
) -> Prospect:
    """Move a prospect to `to_stage`, if PROSPECT_FLOW allows it. Converting it (onboarding →
    active) links it to a customer: an existing one in the acting user's book with
    `customer_number`, or a new one created from the prospect."""
    require(acting_user, "customers.change_prospect", message=DENIED)
    with transaction.atomic():
        locked = access_prospect(acting_user, prospect.pk, for_write=True)
        before = locked.stage
        text = move_reason(PROSPECT_FLOW.spec(locked, to_stage, acting_user=acting_user), reason)

        def effects(spec):
            if "loss_reason" in spec.required:
                locked.loss_reason = text
            if spec.target == S.ACTIVE:
                locked.win_reason = text
                locked.customer = _convert(acting_user, locked, customer_number)
                locked.converted_at = timezone.now()
                if aum_raised is not None:
                    if aum_raised < 0:
                        raise ValidationError({"aum_raised": _("The amount cannot be negative.")})
                    locked.aum_raised = aum_raised
            locked.stage_changed_at = timezone.now()

        def history(spec):
            customer = locked.customer if spec.target == S.ACTIVE else None
            stage_event(acting_user, spec, before, text, prospect=locked, customer=customer)

        PROSPECT_FLOW.apply(
            acting_user,
            locked,
            to_stage,
            effects=effects,
            history=history,
            audited=("customer",),
            purpose=text,
        )
    return locked


def _convert(acting_user, prospect: Prospect, customer_number: str) -> Customer:
    from customers.records.services import customer_create

    number = (customer_number or "").strip().upper()
    if not number:
        raise ValidationError(
            {"customer_number": _("Enter the customer number of the new account.")}
        )
    customer = customers_for(acting_user).filter(number=number).first()
    if customer is None:
        if Customer.objects.filter(number=number).exists():
            raise ValidationError({"customer_number": _("This customer number is already taken.")})
        customer = customer_create(
            acting_user,
            Customer(number=number, kind=prospect.kind, name=prospect.name, owner=prospect.owner),
        )
    elif Prospect.objects.filter(customer=customer).exclude(pk=prospect.pk).exists():
        raise ValidationError(
            {"customer_number": _("This customer is already linked to another prospect.")}
        )
    CustomerLifecycle.objects.update_or_create(
        customer=customer,
        defaults={"stage": S.ACTIVE, "since": timezone.now(), "reason": prospect.win_reason},
    )
    # Keep the pipeline history: the prospect's events now belong to the customer as well.
    LifecycleEvent.objects.filter(prospect=prospect, customer__isnull=True).update(
        customer=customer
    )
    return customer


def lifecycle_move(acting_user, customer: Customer, to_stage: str, *, reason: str = "") -> Customer:
    """Move an existing customer to `to_stage` (active, dormant, exited), if LIFECYCLE_FLOW
    allows it. A customer without a lifecycle row is active; the row is made on the first move.
    Audited on the customer."""
    require(acting_user, "customers.change_customer", message=DENIED)
    with transaction.atomic():
        locked = access_in(customers_for(acting_user).select_for_update(of=("self",)), customer.pk)
        row = CustomerLifecycle.objects.select_for_update().filter(customer=locked).first()
        if row is None:
            row = CustomerLifecycle(customer=locked, stage=S.ACTIVE, since=timezone.now())
        before = row.stage
        text = move_reason(LIFECYCLE_FLOW.spec(row, to_stage, acting_user=acting_user), reason)

        def effects(spec):
            row.since = timezone.now()
            row.reason = text

        def history(spec):
            stage_event(acting_user, spec, before, text, customer=locked)

        LIFECYCLE_FLOW.apply(
            acting_user,
            row,
            to_stage,
            effects=effects,
            history=history,
            purpose=text,
            audit_target=locked,
        )
    return locked
