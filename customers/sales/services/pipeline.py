"""Customer lifecycle and prospect pipeline (issue 9 §1).

prospect → onboarding → active → dormant → exited: the moves are the tables in
customers.sales.workflows, applied by crm.core.workflow (history row + audit row in the same
transaction). Prospects live in the pipeline until conversion links them to a Customer; their
lifecycle events then belong to the customer too, so the history is kept. Dormant detection is
set-based and feeds follow-ups through `schedule_follow_up` with dedupe keys.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.accounts.permissions import require
from crm.audit.services import record
from crm.core.access import access_in
from crm.core.workflow import Transition
from customers.records.followups import schedule_follow_up
from customers.records.models import Customer, FollowUpReason, FollowUpTask, MonthlyAggregate
from customers.records.selectors import assignable_staff, customers_for
from customers.sales.access import access_prospect
from customers.sales.models import (
    ActivityInvitation,
    CustomerLifecycle,
    LifecycleEvent,
    Prospect,
    ProspectSource,
    SatisfactionSurvey,
)
from customers.sales.workflows import LIFECYCLE_FLOW, PROSPECT_FLOW, S


def sales_setting(name: str, default):
    """Configurable defaults: settings.FIDUCIA_SALES = {"DORMANT_MONTHS": 6, …}."""
    return getattr(settings, "FIDUCIA_SALES", {}).get(name, default)


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


def _reason(spec: Transition, reason: str) -> str:
    """The move's reason, required when its transition names one."""
    reason = (reason or "").strip()
    for field in spec.required:
        if field in _REASON_NEEDED and not reason:
            raise ValidationError({"reason": _REASON_NEEDED[field]()})
    return reason[:200]


def _event(acting_user, spec: Transition, before: str, reason: str, **subject) -> None:
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
        text = _reason(PROSPECT_FLOW.spec(locked, to_stage, acting_user=acting_user), reason)

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
            _event(acting_user, spec, before, text, prospect=locked, customer=customer)

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
    from customers.records.services import create_customer

    number = (customer_number or "").strip().upper()
    if not number:
        raise ValidationError(
            {"customer_number": _("Enter the customer number of the new account.")}
        )
    customer = customers_for(acting_user).filter(number=number).first()
    if customer is None:
        if Customer.objects.filter(number=number).exists():
            raise ValidationError({"customer_number": _("This customer number is already taken.")})
        customer = create_customer(
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
        text = _reason(LIFECYCLE_FLOW.spec(row, to_stage, acting_user=acting_user), reason)

        def effects(spec):
            row.since = timezone.now()
            row.reason = text

        def history(spec):
            _event(acting_user, spec, before, text, customer=locked)

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


# ---- dormant detection ----------------------------------------------------------------------


def _contact_exists(cutoff: datetime.datetime):
    """Exists() expressions for "the customer was contacted since `cutoff`".

    Completed follow-up tasks, attended activities and surveys count; an interaction log model
    (customers.Interaction, built by the follow-ups issue) counts too when it is installed.
    """
    exprs = [
        Exists(
            FollowUpTask.objects.filter(
                customer=OuterRef("pk"), status=FollowUpTask.Status.DONE, completed_at__gte=cutoff
            )
        ),
        Exists(
            ActivityInvitation.objects.filter(
                customer=OuterRef("pk"),
                status=ActivityInvitation.Status.ATTENDED,
                attended_at__gte=cutoff,
            )
        ),
        Exists(SatisfactionSurvey.objects.filter(customer=OuterRef("pk"), recorded_at__gte=cutoff)),
    ]
    try:
        interaction = apps.get_model("customers", "Interaction")
    except LookupError:
        interaction = None
    if interaction is not None:
        names = {f.name for f in interaction._meta.get_fields()}
        for candidate in ("occurred_at", "happened_at", "contacted_at", "at", "date"):
            if candidate in names:
                value = cutoff.date() if candidate == "date" else cutoff
                exprs.append(
                    Exists(
                        interaction.objects.filter(
                            customer=OuterRef("pk"), **{f"{candidate}__gte": value}
                        )
                    )
                )
                break
    return exprs


def _traded_since(month: datetime.date):
    return Exists(
        MonthlyAggregate.objects.filter(
            customer=OuterRef("pk"), month__gte=month, trade_count__gt=0
        )
    )


def customers_detect_dormant(
    *, today: datetime.date | None = None, months: int | None = None, stdout=None
):
    """Mark customers dormant who had no contact and no transactions for `months` (default 6),
    reactivate dormant ones that came back, and give each newly dormant customer's RM a
    reactivation follow-up (once per customer and dormancy, by dedupe key). Set-based: a fixed
    number of statements per chunk of customers. These system moves (active ↔ dormant, no
    acting user) bypass LIFECYCLE_FLOW.apply on purpose: one UPDATE per chunk instead of a
    locked row, a history row and an audit row per customer; one audit row sums them up."""
    today = today or timezone.localdate()
    months = months or sales_setting("DORMANT_MONTHS", 6)
    cutoff_month = _months_back(today.replace(day=1), months - 1)
    cutoff = timezone.make_aware(
        datetime.datetime.combine(_months_back(today, months), datetime.time())
    )
    contacted = _contact_exists(cutoff)
    quiet = ~_traded_since(cutoff_month)
    for expr in contacted:
        quiet &= ~expr
    now = timezone.now()
    base = Customer.objects.filter(is_active=True, created_at__lt=cutoff)
    newly = list(
        base.exclude(lifecycle__stage__in=[S.DORMANT, S.EXITED])
        .filter(quiet)
        .values_list("pk", "owner_id")
    )
    revived_cond = _traded_since(cutoff_month)
    for expr in contacted:
        revived_cond |= expr
    revived = list(
        Customer.objects.filter(lifecycle__stage=S.DORMANT)
        .filter(revived_cond)
        .values_list("pk", flat=True)
    )
    reason = _("No contact and no transactions for %(n)d months") % {"n": months}
    with transaction.atomic():
        ids = [pk for pk, _owner in newly]
        for chunk in _chunks(ids, 5000):
            CustomerLifecycle.objects.filter(customer_id__in=chunk).update(
                stage=S.DORMANT, since=now, reason=reason
            )
            have = set(
                CustomerLifecycle.objects.filter(customer_id__in=chunk).values_list(
                    "customer_id", flat=True
                )
            )
            CustomerLifecycle.objects.bulk_create(
                [
                    CustomerLifecycle(customer_id=pk, stage=S.DORMANT, since=now, reason=reason)
                    for pk in chunk
                    if pk not in have
                ]
            )
            LifecycleEvent.objects.bulk_create(
                [
                    LifecycleEvent(
                        customer_id=pk, from_stage=S.ACTIVE, to_stage=S.DORMANT, reason=reason
                    )
                    for pk in chunk
                ]
            )
        for chunk in _chunks(revived, 5000):
            CustomerLifecycle.objects.filter(customer_id__in=chunk).update(
                stage=S.ACTIVE, since=now, reason=_("Contact or transactions again")
            )
            LifecycleEvent.objects.bulk_create(
                [
                    LifecycleEvent(customer_id=pk, from_stage=S.DORMANT, to_stage=S.ACTIVE)
                    for pk in chunk
                ]
            )
        tasks = _schedule_reactivation(newly, today)
        if newly or revived:
            record(
                None,
                "customer.dormancy_detected",
                None,
                after={
                    "dormant": len(newly),
                    "reactivated": len(revived),
                    "tasks": tasks,
                    "months": months,
                },
            )
    if stdout is not None:
        stdout.write(f"dormant: {len(newly)}, reactivated: {len(revived)}, tasks: {tasks}\n")
    return {"dormant": len(newly), "reactivated": len(revived), "tasks": tasks}


def _schedule_reactivation(newly, today) -> int:
    """One follow-up per newly dormant customer; keys already present are skipped in one query."""
    days = sales_setting("REACTIVATION_DAYS", 14)
    keys = {pk: f"dormant:{pk}:{today:%Y%m}" for pk, _owner in newly}
    existing = set()
    for chunk in _chunks(list(keys.values()), 5000):
        existing |= set(
            FollowUpTask.objects.filter(dedupe_key__in=chunk).values_list("dedupe_key", flat=True)
        )
    customers = Customer.objects.in_bulk([pk for pk, key in keys.items() if key not in existing])
    created = 0
    for pk, customer in customers.items():
        schedule_follow_up(
            customer=customer,
            reason=FollowUpReason.EVENT,
            due_on=today + datetime.timedelta(days=days),
            title=_("Reactivation call: dormant customer"),
            dedupe_key=keys[pk],
        )
        created += 1
    return created


def _months_back(day: datetime.date, n: int) -> datetime.date:
    month = day.month - n
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    last = [
        31,
        29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ]
    return day.replace(year=year, month=month, day=min(day.day, last[month - 1]))


def _chunks(items, size):
    for i in range(0, len(items), size):
        yield items[i : i + size]
