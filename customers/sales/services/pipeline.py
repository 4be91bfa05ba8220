"""Customer lifecycle and prospect pipeline (issue 9 §1).

prospect → onboarding → active → dormant → exited, as one transition table enforced by one
service, `transition()`. Prospects live in the pipeline until conversion links them to a Customer;
their lifecycle events then belong to the customer too, so the history is kept. Dormant detection
is set-based and feeds follow-ups through `schedule_follow_up` with dedupe keys.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.accounts.access import book_filter, is_read_only
from crm.audit.services import record
from crm.core.config import fiducia
from customers.records.followups import schedule_follow_up
from customers.records.models import Customer, FollowUpReason, FollowUpTask, MonthlyAggregate
from customers.records.selectors import assignable_staff, customers_for
from customers.sales.models import (
    ActivityInvitation,
    CustomerLifecycle,
    LifecycleEvent,
    LifecycleStage,
    Prospect,
    ProspectSource,
    SatisfactionSurvey,
)

S = LifecycleStage


@dataclass(frozen=True)
class Rule:
    label: str
    requires: str = ""  # "loss_reason", "win_reason" or "reason"
    prospect: bool = False  # allowed for pipeline prospects
    customer: bool = False  # allowed for existing customers


# The one table of allowed moves. Anything not here is refused.
TRANSITIONS: dict[tuple[str, str], Rule] = {
    (S.PROSPECT, S.ONBOARDING): Rule(gettext_lazy("Start onboarding"), prospect=True),
    (S.PROSPECT, S.EXITED): Rule(gettext_lazy("Mark lost"), "loss_reason", prospect=True),
    (S.ONBOARDING, S.PROSPECT): Rule(gettext_lazy("Back to prospect"), prospect=True),
    (S.ONBOARDING, S.ACTIVE): Rule(gettext_lazy("Convert to customer"), "win_reason", True),
    (S.ONBOARDING, S.EXITED): Rule(gettext_lazy("Mark lost"), "loss_reason", prospect=True),
    (S.EXITED, S.PROSPECT): Rule(gettext_lazy("Re-open"), prospect=True),
    (S.ACTIVE, S.DORMANT): Rule(gettext_lazy("Mark dormant"), "reason", customer=True),
    (S.ACTIVE, S.EXITED): Rule(gettext_lazy("Customer exits"), "reason", customer=True),
    (S.DORMANT, S.ACTIVE): Rule(gettext_lazy("Reactivate"), customer=True),
    (S.DORMANT, S.EXITED): Rule(gettext_lazy("Customer exits"), "reason", customer=True),
    (S.EXITED, S.ACTIVE): Rule(gettext_lazy("Win back"), "reason", customer=True),
}
OPEN_STAGES = (S.PROSPECT, S.ONBOARDING)


def allowed_moves(stage: str, *, prospect: bool) -> list[tuple[str, Rule]]:
    return [
        (to, rule)
        for (frm, to), rule in TRANSITIONS.items()
        if frm == stage and (rule.prospect if prospect else rule.customer)
    ]


def _require_writer(user, perm: str) -> None:
    if is_read_only(user) or not user.has_perm(perm):
        raise PermissionDenied(_("You may not change the pipeline."))


# ---- reads ----------------------------------------------------------------------------------


def prospects_for(user):
    return Prospect.objects.filter(book_filter(user))


def customer_stage(customer) -> str:
    row = CustomerLifecycle.objects.filter(customer=customer).only("stage").first()
    return row.stage if row else S.ACTIVE


def history_of_customer(customer) -> list[LifecycleEvent]:
    return list(customer.lifecycle_events.select_related("actor").order_by("at", "pk"))


# ---- prospects ------------------------------------------------------------------------------


def create_prospect(acting_user, prospect: Prospect) -> Prospect:
    _require_writer(acting_user, "customers.add_prospect")
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


def update_next_step(acting_user, prospect: Prospect, *, next_step: str, due: datetime.date | None):
    _require_writer(acting_user, "customers.change_prospect")
    with transaction.atomic():
        locked = prospects_for(acting_user).select_for_update().get(pk=prospect.pk)
        locked.next_step = (next_step or "").strip()[:200]
        locked.next_step_on = due
        locked.save(update_fields=["next_step", "next_step_on"])
    return locked


def _reason(rule: Rule, reason: str) -> str:
    reason = (reason or "").strip()
    if rule.requires and not reason:
        messages = {
            "loss_reason": _("Please give the reason the prospect was lost."),
            "win_reason": _("Please give the reason the prospect was won."),
            "reason": _("Please give a reason for this change."),
        }
        raise ValidationError({"reason": messages[rule.requires]})
    return reason[:200]


def transition(
    acting_user,
    subject: Prospect | Customer,
    to_stage: str,
    *,
    reason: str = "",
    customer_number: str = "",
    aum_raised: Decimal | None = None,
):
    """Move a prospect or a customer to `to_stage`, if the table allows it. Audited.

    Converting a prospect (onboarding → active) links it to a customer: an existing one in the
    acting user's book with `customer_number`, or a new one created from the prospect.
    """
    if isinstance(subject, Prospect):
        return _transition_prospect(
            acting_user, subject, to_stage, reason, customer_number, aum_raised
        )
    return _transition_customer(acting_user, subject, to_stage, reason)


def _transition_prospect(acting_user, prospect, to_stage, reason, customer_number, aum_raised):
    _require_writer(acting_user, "customers.change_prospect")
    with transaction.atomic():
        locked = prospects_for(acting_user).select_for_update().filter(pk=prospect.pk).first()
        if locked is None:
            raise Prospect.DoesNotExist
        rule = TRANSITIONS.get((locked.stage, to_stage))
        if rule is None or not rule.prospect:
            raise ValidationError(
                _("A prospect cannot move from %(from)s to %(to)s.")
                % {"from": S(locked.stage).label, "to": S(to_stage).label}
            )
        text = _reason(rule, reason)
        before = locked.stage
        fields = ["stage", "stage_changed_at"]
        if rule.requires == "loss_reason":
            locked.loss_reason = text
            fields.append("loss_reason")
        if to_stage == S.ACTIVE:
            locked.win_reason = text
            locked.customer = _convert(acting_user, locked, customer_number)
            locked.converted_at = timezone.now()
            if aum_raised is not None:
                if aum_raised < 0:
                    raise ValidationError({"aum_raised": _("The amount cannot be negative.")})
                locked.aum_raised = aum_raised
            fields += ["customer", "win_reason", "converted_at", "aum_raised"]
        locked.stage = to_stage
        locked.stage_changed_at = timezone.now()
        locked.save(update_fields=fields)
        LifecycleEvent.objects.create(
            prospect=locked,
            customer=locked.customer if to_stage == S.ACTIVE else None,
            from_stage=before,
            to_stage=to_stage,
            reason=text,
            actor=acting_user,
        )
        record(
            acting_user,
            "prospect.transition",
            locked,
            purpose=text,
            before={"stage": before},
            after={"stage": to_stage, "customer": locked.customer_id},
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


def _transition_customer(acting_user, customer, to_stage, reason):
    _require_writer(acting_user, "customers.change_customer")
    with transaction.atomic():
        locked = customers_for(acting_user).select_for_update(of=("self",)).filter(pk=customer.pk)
        locked = locked.first()
        if locked is None:
            raise Customer.DoesNotExist
        row = CustomerLifecycle.objects.select_for_update().filter(customer=locked).first()
        current = row.stage if row else S.ACTIVE
        rule = TRANSITIONS.get((current, to_stage))
        if rule is None or not rule.customer:
            raise ValidationError(
                _("A customer cannot move from %(from)s to %(to)s.")
                % {"from": S(current).label, "to": S(to_stage).label}
            )
        text = _reason(rule, reason)
        CustomerLifecycle.objects.update_or_create(
            customer=locked, defaults={"stage": to_stage, "since": timezone.now(), "reason": text}
        )
        LifecycleEvent.objects.create(
            customer=locked, from_stage=current, to_stage=to_stage, reason=text, actor=acting_user
        )
        record(
            acting_user,
            "customer.lifecycle",
            locked,
            purpose=text,
            before={"stage": current},
            after={"stage": to_stage},
        )
    return locked


# ---- pipeline board -------------------------------------------------------------------------

BOARD_COLUMNS = (S.PROSPECT, S.ONBOARDING, S.ACTIVE, S.EXITED)
BOARD_CARDS_PER_COLUMN = 20
# On the board the closed columns read as outcomes of the last 90 days.
BOARD_LABELS = {S.ACTIVE: gettext_lazy("Converted"), S.EXITED: gettext_lazy("Lost")}
RECENT_DAYS = 90


def pipeline_board(user, *, owner=None, team=None) -> dict:
    """Columns with totals and the first cards, in 2 queries whatever the size of the book."""
    qs = prospects_for(user)
    if owner is not None:
        qs = qs.filter(owner=owner)
    if team is not None:
        qs = qs.filter(team=team)
    recent = timezone.now() - datetime.timedelta(days=RECENT_DAYS)
    # Closed columns show the last 90 days only.
    qs = qs.filter(Q(stage__in=OPEN_STAGES) | Q(stage_changed_at__gte=recent))
    totals = {
        row["stage"]: row
        for row in qs.values("stage").annotate(
            n=Count("pk"), aum=Sum("expected_aum"), raised=Sum("aum_raised")
        )
    }
    # One query for the cards: the first N of each column by a window-free union of slices.
    cards = list(
        qs.select_related("owner", "channel", "activity")
        .annotate(
            rank=models.Window(
                models.functions.RowNumber(),
                partition_by=[models.F("stage")],
                order_by=[models.F("next_step_on").asc(nulls_last=True), models.F("pk").asc()],
            )
        )
        .filter(rank__lte=BOARD_CARDS_PER_COLUMN)
        .order_by("stage", "rank")
    )
    columns = []
    for stage in BOARD_COLUMNS:
        t = totals.get(stage, {})
        columns.append(
            {
                "stage": stage,
                "label": BOARD_LABELS.get(stage, S(stage).label),
                "count": t.get("n", 0),
                "aum": t.get("aum") or Decimal(0),
                "raised": t.get("raised") or Decimal(0),
                "cards": [
                    {"prospect": c, "moves": allowed_moves(c.stage, prospect=True)}
                    for c in cards
                    if c.stage == stage
                ],
            }
        )
    return {"columns": columns}


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


def detect_dormant(*, today: datetime.date | None = None, months: int | None = None, stdout=None):
    """Mark customers dormant who had no contact and no transactions for `months` (default 6),
    reactivate dormant ones that came back, and give each newly dormant customer's RM a
    reactivation follow-up (once per customer and dormancy, by dedupe key). Set-based: a fixed
    number of statements per chunk of customers."""
    today = today or timezone.localdate()
    months = months or fiducia("SALES", "DORMANT_MONTHS")
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
    days = fiducia("SALES", "REACTIVATION_DAYS")
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


def converted_metric(users, start, end) -> dict:
    """Metric "prospects_converted": prospects converted per RM in the period (one query)."""
    ids = [getattr(u, "pk", u) for u in users]
    rows = (
        Prospect.objects.filter(
            owner_id__in=ids, converted_at__date__gte=start, converted_at__date__lte=end
        )
        .values("owner_id")
        .annotate(n=Count("pk"))
    )
    return {r["owner_id"]: r["n"] for r in rows}
