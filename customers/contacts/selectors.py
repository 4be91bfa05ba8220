"""Reads for contacts, visits and follow-up tasks, scoped to the user (DESIGN §3, §6)."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.access import Scope, scope_of, staff_filter
from customers.contacts.access import customer_book, interactions_for, tasks_for
from customers.contacts.models import CalendarFeedToken, Interaction
from customers.records.access import customers_for
from customers.records.models import Contract, FollowUpReason, FollowUpTask

UPCOMING_MATURITY_DAYS = 30
RECENT_DAYS = 30
OPEN = FollowUpTask.Status.OPEN


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


def task_list_qs(qs: QuerySet[FollowUpTask]) -> QuerySet[FollowUpTask]:
    return qs.select_related("customer", "owner").only(
        "pk",
        "title",
        "text_code",
        "text_params",
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
    return task_list_qs(tasks_for(user, book).filter(owner=user, status=OPEN))


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
        tasks_for(user).filter(
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
    sorts them all). The author is always a staff participant (interaction_log adds them);
    contacts others logged with the user show on the customer's timeline."""
    since = timezone.now() - datetime.timedelta(days=RECENT_DAYS)
    return list(
        interactions_for(user, book)
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


# ---- task list, reassignment, calendar feed -------------------------------------------------

TASK_FILTERS = ("open", "overdue", "done", "skipped", "all")


def task_list(user, *, status: str, who: str, today: datetime.date) -> QuerySet[FollowUpTask]:
    """The tasks page: mine or (leads) my team's, by status filter ("overdue" is open and
    past due). `status` and `who` are already checked against TASK_FILTERS and the scope."""
    qs = tasks_for(user)
    if who == "team":
        qs = qs.filter(owner__in=team_members(user).values("pk"))
    else:
        qs = qs.filter(owner=user)
    if status == "overdue":
        qs = qs.filter(status=OPEN, due_on__lt=today)
    elif status != "all":
        qs = qs.filter(status=status)
    return task_list_qs(qs)


def reassign_targets(user) -> QuerySet:
    """Staff a lead may hand tasks to (their team or branch, with a branch)."""
    return (
        get_user_model()
        .objects.filter(staff_filter(user), branch__isnull=False)
        .only("pk", "username", "display_name", "first_name", "last_name")
        .order_by("display_name", "username")
    )


FEED_PAST_DAYS = 30
FEED_FUTURE_DAYS = 180
FEED_LIMIT = 500


def calendar_feed_of(user) -> CalendarFeedToken | None:
    return CalendarFeedToken.objects.filter(user=user).first()


def feed_tasks(user, today: datetime.date) -> list[FollowUpTask]:
    """The user's open tasks for the iCalendar feed: a month back, half a year ahead."""
    return list(
        tasks_for(user)
        .filter(
            owner=user,
            status=OPEN,
            due_on__gte=today - datetime.timedelta(days=FEED_PAST_DAYS),
            due_on__lte=today + datetime.timedelta(days=FEED_FUTURE_DAYS),
        )
        .select_related("customer")
        .order_by("due_on", "pk")[:FEED_LIMIT]
    )


# ---- the integration API (customers/contacts/api.py) -----------------------------------------


def contact_parties(user, *, customer_number: str, staff_names, task_id) -> dict:
    """The customer, colleagues and task a contact sent through the API names, looked up in
    the user's scope, with one error list per field for what is not found (as the web form
    gives them): {"customer", "staff", "task", "errors"}."""
    errors: dict[str, list] = {}
    customer = customers_for(user).filter(number=customer_number.strip().upper()).first()
    if customer is None:
        errors["customer"] = [_("Unknown customer number, or not a customer you may see.")]
    names = sorted(set(staff_names))
    staff = list(get_user_model().objects.filter(staff_filter(user), username__in=names))
    if len(staff) != len(names):
        missing = sorted(set(names) - {u.username for u in staff})
        errors["staff"] = [
            _("Unknown or inactive staff: %(names)s.") % {"names": ", ".join(missing)}
        ]
    task = None
    if task_id and customer is not None:
        task = tasks_for(user).filter(pk=task_id, customer=customer).first()
        if task is None:
            errors["task"] = [_("No such follow-up task for this customer.")]
    return {"customer": customer, "staff": staff, "task": task, "errors": errors}


def open_tasks_for_api(user, *, customer_number: str | None = None) -> QuerySet[FollowUpTask]:
    """Open follow-up tasks in the user's scope (of one customer), with customer and owner."""
    qs = tasks_for(user).filter(status=FollowUpTask.Status.OPEN)
    if customer_number:
        qs = qs.filter(customer__number=customer_number.strip().upper())
    return qs.select_related("customer", "owner")
