"""Who sees which risk-watch rows (crm.core.access contract): `<entity>s_for(user)` scoped to the
user's book (RMs: their customers; compliance, risk and audit: all), `access_<entity>(user, pk,
*, for_write=False)` for one row, NotFound (404) for missing and out-of-scope alike. for_write
locks the row alone (access_row): FOR UPDATE over the book's join would lock the customer row
too, and a reassignment locks the customer before it moves the customer's warnings."""

from __future__ import annotations

from django.db.models import QuerySet

from crm.accounts.access import Scope, scope_of
from crm.core.access import access_row
from customers.records.access import book_q, customers_for

from .models import (
    DisposalStep,
    RiskSignal,
    RiskWarning,
    SuitabilityCheck,
    WatchListChange,
    WatchListEntry,
)


def _scoped(model, user) -> QuerySet:
    """Rows of a model with a customer FK, in the user's book.

    For an RM's own book the customer ids are fetched first (one indexed query, a book is a few
    hundred to a few thousand customers) so the database walks the (customer, …) index instead
    of scanning the newest rows of the whole table for the few that belong to the book."""
    if scope_of(user) == Scope.OWN:
        ids = list(customers_for(user).values_list("pk", flat=True))
        return model.objects.filter(customer_id__in=ids)
    return model.objects.filter(book_q(user, "customer__"))


def warnings_for(user, *, few: bool = False) -> QuerySet[RiskWarning]:
    """The warnings of the user's book. `few=True` for a look-up that its own conditions keep
    to a few rows (the global search): the same book as a join, with no query first."""
    if few:
        return RiskWarning.objects.filter(book_q(user, "customer__"))
    return _scoped(RiskWarning, user)


def access_warning(user, pk, *, for_write: bool = False) -> RiskWarning:
    # One row by primary key: the book as a join costs nothing here.
    return access_row(
        RiskWarning.objects.filter(book_q(user, "customer__")),
        pk,
        for_write=for_write,
        read_related=("customer", "owner"),
    )


def steps_for(user) -> QuerySet[DisposalStep]:
    return DisposalStep.objects.filter(book_q(user, "warning__customer__"))


def access_step(user, pk, *, for_write: bool = False) -> DisposalStep:
    return access_row(steps_for(user), pk, for_write=for_write)


def signals_for(user) -> QuerySet[RiskSignal]:
    return _scoped(RiskSignal, user)


def access_signal(user, pk, *, for_write: bool = False) -> RiskSignal:
    return access_row(
        RiskSignal.objects.filter(book_q(user, "customer__")), pk, for_write=for_write
    )


def watchlist_entries_for(user) -> QuerySet[WatchListEntry]:
    return WatchListEntry.objects.filter(book_q(user, "customer__")).select_related("customer")


def access_watchlist_entry(user, pk, *, for_write: bool = False) -> WatchListEntry:
    return access_row(watchlist_entries_for(user), pk, for_write=for_write)


def watch_changes_for(user) -> QuerySet[WatchListChange]:
    return WatchListChange.objects.filter(book_q(user, "customer__")).select_related(
        "customer", "requested_by", "decided_by"
    )


def access_watch_change(user, pk, *, for_write: bool = False) -> WatchListChange:
    qs = WatchListChange.objects.filter(book_q(user, "customer__"))
    return access_row(qs, pk, for_write=for_write)


def suitability_checks_for(user) -> QuerySet[SuitabilityCheck]:
    return _scoped(SuitabilityCheck, user)


def access_suitability_check(user, pk, *, for_write: bool = False) -> SuitabilityCheck:
    qs = SuitabilityCheck.objects.filter(book_q(user, "customer__"))
    return access_row(qs, pk, for_write=for_write)
