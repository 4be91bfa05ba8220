"""Who may reach which interaction and follow-up task (the access contract, crm.core.access).

Both follow the customer: a user reaches the interactions and tasks of the customers in their
book (`book_q`), whoever owns the task. Missing and out-of-scope ids raise the same NotFound.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from crm.core.access import access_row
from customers.contacts.models import Interaction
from customers.records.access import book_q
from customers.records.models import FollowUpTask


def customer_book(user) -> Q:
    """The user's book as a Q on models reaching Customer via "customer__" (one small query
    for co-served customers); compute once per request and pass as `book=`."""
    return book_q(user, prefix="customer__")


def interactions_for(user, book: Q | None = None) -> QuerySet[Interaction]:
    return Interaction.objects.filter(customer_book(user) if book is None else book)


def access_interaction(user, pk, *, for_write: bool = False) -> Interaction:
    # for_write locks the interaction only (the book filter joins the customer).
    return access_row(interactions_for(user), pk, for_write=for_write, read_related=("customer",))


def tasks_for(user, book: Q | None = None) -> QuerySet[FollowUpTask]:
    return FollowUpTask.objects.filter(customer_book(user) if book is None else book)


def access_task(user, pk, *, for_write: bool = False, customer=None) -> FollowUpTask:
    """The task with this id in the user's book (of `customer`, when given)."""
    qs = tasks_for(user)
    if customer is not None:
        qs = qs.filter(customer=customer)
    return access_row(qs, pk, for_write=for_write, read_related=("customer", "owner"))
