"""Reads for contacts, visits and follow-up tasks, scoped to the user (DESIGN §3, §6)."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from crm.accounts.access import Scope, scope_of, staff_filter
from customers.contacts.models import Interaction
from customers.records.models import Contract, FollowUpReason, FollowUpTask
from customers.records.selectors import book_q

UPCOMING_MATURITY_DAYS = 30
RECENT_DAYS = 30
OPEN = FollowUpTask.Status.OPEN


def customer_book(user):
    """The user's book as a Q on models reaching Customer via "customer__" (one small query
    for co-served customers); compute once per request and pass as `book=`."""
    return book_q(user, prefix="customer__")


def interactions_in_book(user, book=None) -> QuerySet[Interaction]:
    return Interaction.objects.filter(customer_book(user) if book is None else book)


def get_interaction_for(user, pk) -> Interaction:
    return get_object_or_404(interactions_in_book(user).select_related("customer"), pk=pk)


def timeline_of(customer, *, limit: int = 20) -> list[Interaction]:
    """The customer's latest interactions with their participants (2 queries; 3 with the
    contact persons of an institution)."""
    User = get_user_model()
    prefetch = [
        Prefetch(
            "staff",
            queryset=User.objects.only("pk", "username", "display_name", "first_name", "last_name"),
        )
    ]
    if customer.is_institution:
        prefetch.append("contacts")
    return list(
        customer.interactions.select_related("created_by")
        .prefetch_related(*prefetch)
        .order_by("-occurred_at", "-pk")[:limit]
    )


def tasks_in_book(user, book=None) -> QuerySet[FollowUpTask]:
    return FollowUpTask.objects.filter(customer_book(user) if book is None else book)


def get_task_for(user, pk) -> FollowUpTask:
    return get_object_or_404(tasks_in_book(user).select_related("customer", "owner"), pk=pk)


def task_list_qs(qs: QuerySet[FollowUpTask]) -> QuerySet[FollowUpTask]:
    return qs.select_related("customer", "owner").only(
        "pk",
        "title",
        "reason",
        "due_on",
        "status",
        "skip_reason",
        "owner_id",
        "customer_id",
        "customer__name",
        "customer__number",
        "customer__vip_level",
        "customer__tier",
        "owner__username",
        "owner__display_name",
        "owner__first_name",
        "owner__last_name",
    )


def my_open_tasks(user, book=None) -> QuerySet[FollowUpTask]:
    # The book filter guards tasks of customers that left the user's book.
    return task_list_qs(tasks_in_book(user, book).filter(owner=user, status=OPEN))


def week_end(today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=6 - today.weekday())


def my_day_buckets(user, today: datetime.date | None = None) -> dict[str, QuerySet]:
    today = today or timezone.localdate()
    mine = my_open_tasks(user)
    return {
        "overdue": mine.filter(due_on__lt=today).order_by("due_on", "pk"),
        "today": mine.filter(due_on=today).order_by("pk"),
        "week": mine.filter(due_on__gt=today, due_on__lte=max(week_end(today), today)).order_by(
            "due_on", "pk"
        ),
    }


def team_members(user) -> QuerySet:
    """Staff whose work the user oversees (team lead: team; branch head: branch)."""
    if scope_of(user) < Scope.TEAM:
        return get_user_model().objects.none()
    return get_user_model().objects.filter(staff_filter(user)).exclude(pk=user.pk)


def team_overdue(user, today: datetime.date | None = None) -> QuerySet[FollowUpTask]:
    today = today or timezone.localdate()
    return task_list_qs(
        tasks_in_book(user).filter(
            status=OPEN, due_on__lt=today, owner__in=team_members(user).values("pk")
        )
    ).order_by("due_on", "pk")


def out_of_cadence(user, book=None) -> QuerySet[FollowUpTask]:
    """The user's customers with an open cadence task (the sweep found a gap)."""
    return my_open_tasks(user, book).filter(reason=FollowUpReason.CADENCE).order_by("due_on", "pk")


def recent_interactions(user, *, limit: int = 10, book=None) -> list[Interaction]:
    """The contacts the user logged in the last RECENT_DAYS, within their book.

    By author, not by staff participant, and within a window: the index interaction_author_time
    (created_by, -occurred_at) then yields a few hundred rows at most, where the join over
    interaction_staff read every contact of the RM's book (~100 ms at 1M customers; PostgreSQL
    cannot tell that an RM's contacts are of the RM's own customers, so without the window it
    sorts them all). The author is always a staff participant (log_interaction adds them);
    contacts others logged with the user show on the customer's timeline."""
    since = timezone.now() - datetime.timedelta(days=RECENT_DAYS)
    return list(
        interactions_in_book(user, book)
        .filter(created_by=user, occurred_at__gte=since)
        .select_related("customer")
        .only(
            "pk",
            "channel",
            "occurred_at",
            "purpose",
            "summary",
            "customer_id",
            "customer__name",
            "customer__number",
        )
        .order_by("-occurred_at", "-pk")[:limit]
    )


def upcoming_maturities(user, today: datetime.date | None = None, *, limit: int = 10, book=None):
    today = today or timezone.localdate()
    return list(
        Contract.objects.filter(
            customer_book(user) if book is None else book,
            customer__owner=user,
            status=Contract.Status.ACTIVE,
            matures_on__gte=today,
            matures_on__lte=today + datetime.timedelta(days=UPCOMING_MATURITY_DAYS),
        )
        .select_related("customer")
        .only("pk", "title", "number", "amount", "matures_on", "customer__name", "customer_id")
        .order_by("matures_on", "pk")[:limit]
    )


def open_tasks_of(customer) -> list[FollowUpTask]:
    return list(
        customer.follow_ups.filter(status=OPEN).select_related("owner").order_by("due_on", "pk")
    )
