"""Dormant customers: detected set-based from contacts and transactions, with a reactivation
follow-up for each newly dormant one (issue 9 §1)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.audit.services import record
from crm.core.config import fiducia
from customers.contacts.models import Interaction
from customers.records.followups import schedule_follow_up
from customers.records.models import Customer, FollowUpReason, FollowUpTask, MonthlyAggregate
from customers.sales.models import (
    ActivityInvitation,
    CustomerLifecycle,
    LifecycleEvent,
    SatisfactionSurvey,
)
from customers.sales.texts import REACTIVATION
from customers.sales.workflows import S

# ---- dormant detection ----------------------------------------------------------------------


def _contact_exists(cutoff: datetime.datetime):
    """Exists() expressions for "the customer was contacted since `cutoff`".

    Completed follow-up tasks, attended activities, surveys and logged contacts or visits count.
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
        Exists(Interaction.objects.filter(customer=OuterRef("pk"), occurred_at__gte=cutoff)),
    ]
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
            code=REACTIVATION,
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
