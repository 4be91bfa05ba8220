"""Reads of the risk watch, scoped to the user (RMs: their book; compliance/risk/audit: all)."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from crm.accounts.access import Scope, read_only_filter, scope_of, staff_filter
from customers.records.access import book_q
from customers.records.models import CustomerCoServer, Holding

from .access import signals_for, warnings_for, watchlist_entries_for
from .models import (
    AuditExport,
    DisposalStep,
    Grade,
    MismatchRefresh,
    MismatchSnapshot,
    RiskWarning,
    SignalImport,
    SignalSource,
    SuitabilityCheck,
    WatchListEntry,
)


def active_warnings_for(user) -> QuerySet[RiskWarning]:
    """Active warnings in the user's book.

    For an RM this reads the warning's own owner index instead of resolving the book (a few
    thousand customer ids) first: an active warning is owned by its customer's RM (raised so,
    and moved with the customer on reassignment and handover, services.move_open_work). The
    customer's owner is still checked on the joined row, so a warning whose customer has left
    the book is never shown; co-served customers are added by id."""
    active = RiskWarning.objects.active()
    if scope_of(user) != Scope.OWN:
        return active.filter(book_q(user, "customer__"))
    own = Q(owner=user, customer__owner=user)
    coserved = list(
        CustomerCoServer.objects.filter(user=user).values_list("customer_id", flat=True)
    )
    return active.filter(own | Q(customer_id__in=coserved) if coserved else own)


def warning_list(user, *, grade="", status="active", mine=False) -> QuerySet[RiskWarning]:
    if status == RiskWarning.Status.RELEASED or not status:
        # Released warnings keep the owner they had, so only the book tells whose they are.
        qs = warnings_for(user)
        if status:
            qs = qs.filter(status=status)
    else:
        qs = active_warnings_for(user)
        if status != "active":
            qs = qs.filter(status=status)
    qs = qs.select_related("customer", "owner")
    if grade:
        qs = qs.filter(grade=grade)
    if mine:
        qs = qs.filter(owner=user)
    return qs


def my_urgent_warnings(user, limit: int = 10) -> list[RiskWarning]:
    """My day: open red/orange warnings the user owns (others in wider scopes: their scope)."""
    qs = active_warnings_for(user).filter(grade__in=[Grade.RED, Grade.ORANGE])
    if scope_of(user) <= Scope.OWN:
        qs = qs.filter(owner=user)
    return list(qs.select_related("customer").order_by("verify_by", "pk")[:limit])


def steps_of(warning: RiskWarning) -> list[DisposalStep]:
    return list(warning.steps.select_related("owner").order_by("done_at", "due_on", "pk"))


def signals_of(warning: RiskWarning, limit: int = 50) -> list:
    return list(warning.signals.select_related("source")[:limit])


def step_owners(user, warning: RiskWarning) -> QuerySet:
    """Who may own a step: staff the user may assign work to, plus the warning's owner."""
    return (
        get_user_model()
        .objects.filter(staff_filter(user) | Q(pk=warning.owner_id, is_active=True))
        .exclude(read_only_filter())
        .order_by("display_name", "username")
    )


def signal_list(user, *, kind: str = "") -> QuerySet:
    qs = signals_for(user).select_related("customer", "source", "warning")
    return qs.filter(kind=kind) if kind else qs


def watchlist_entry_list(user, *, action: str = "") -> QuerySet[WatchListEntry]:
    qs = watchlist_entries_for(user)
    return qs.filter(action=action) if action else qs


def recent_checks(customer, limit: int = 10) -> list[SuitabilityCheck]:
    return list(customer.suitability_checks.select_related("product", "checked_by")[:limit])


def imports_for(user) -> QuerySet[SignalImport]:
    return SignalImport.objects.filter(created_by=user)


def audit_exports_for(user) -> QuerySet[AuditExport]:
    return AuditExport.objects.filter(requested_by=user).select_related("approval")


def _class_number(path: str):
    # The digit of "C3" / "R4" as text: single digits compare correctly as strings, and an
    # empty risk class stays "" instead of failing a cast on PostgreSQL.
    return Substr(path, 2, 1)


def mismatching(holdings: QuerySet[Holding]) -> QuerySet[Holding]:
    """The holdings (current: market value above zero) whose product risk level is above the
    customer's risk class, or held by a customer with no risk class."""
    return (
        holdings.filter(market_value__gt=0)
        .annotate(
            product_level=_class_number("product__risk_level"),
            customer_class=_class_number("customer__risk_class"),
        )
        .filter(
            Q(customer__risk_class="") | Q(product_level__gt=_class_number("customer__risk_class"))
        )
    )


def mismatches_for(user) -> QuerySet[Holding]:
    """The mismatch report, live (one query; no Python loop)."""
    return mismatching(Holding.objects.filter(book_q(user, "customer__"))).select_related(
        "customer", "product"
    )


def mismatch_count(user) -> tuple[int | None, datetime.datetime | None]:
    """(mismatched holdings in the user's book, as of) from the last snapshot refresh, or
    (None, None) before the first. One query: bank-wide the run's stored total, otherwise the
    sum over the snapshot rows in the book (indexed by owner, team and branch)."""
    runs = MismatchRefresh.objects.order_by("-pk")
    everyone = scope_of(user) == Scope.ALL
    if not everyone:
        in_book = (
            MismatchSnapshot.objects.filter(book_q(user))
            .order_by()
            .values(one=Value(1))
            .annotate(n=Sum("holdings"))
            .values("n")
        )
        runs = runs.annotate(in_book=Coalesce(Subquery(in_book), 0))
    refresh = runs.first()
    if refresh is None:
        return None, None
    return (refresh.holdings if everyone else refresh.in_book), refresh.refreshed_at


def latest_check(customer) -> SuitabilityCheck | None:
    return customer.suitability_checks.select_related("product").first()


AGE_BUCKETS = [(0, 3), (4, 10), (11, 30), (31, None)]


def dashboard(user, today: datetime.date | None = None) -> dict:
    """Figures for the compliance dashboard in a fixed number of queries."""
    today = today or timezone.localdate()
    # One grouped pass over the active warnings, read from the warning_active_ages index alone:
    # (grade, raised on) → count and overdue verifications, bucketed by age here (a few
    # hundred groups; cheaper than a CASE or one FILTER per figure in the database).
    rows = (
        active_warnings_for(user)
        .values_list("grade", "raised_on")
        .annotate(
            n=Count("*"),
            overdue=Count("status", filter=Q(status=RiskWarning.Status.OPEN, verify_by__lt=today)),
        )
        .order_by()
    )
    ages = {f"{g}_{low}": 0 for g in Grade.values for low, _high in AGE_BUCKETS}
    by_grade = dict.fromkeys(Grade.values, 0)
    overdue_verification = 0
    for grade, raised_on, n, overdue in rows:
        by_grade[grade] += n
        overdue_verification += overdue
        age = (today - raised_on).days
        for low, high in AGE_BUCKETS:
            if low <= age and (high is None or age <= high):
                ages[f"{grade}_{low}"] += n
                break
    steps = DisposalStep.objects.filter(
        book_q(user, "warning__customer__"), done_at__isnull=True, due_on__lt=today
    )
    overdue_steps = dict(steps.values_list("kind").annotate(n=Count("pk")).order_by())
    mismatches, mismatches_as_of = mismatch_count(user)
    return {
        "by_grade": by_grade,
        "ages": ages,
        "overdue_steps": {k: overdue_steps.get(k, 0) for k in DisposalStep.Kind.values},
        "overdue_verification": overdue_verification,
        "mismatches": mismatches,
        "mismatches_as_of": mismatches_as_of,
    }


def metric_warnings_verified(users, start: datetime.date, end: datetime.date) -> dict:
    """Team figure: warnings each staff member verified in the period (one grouped query)."""
    rows = (
        DisposalStep.objects.filter(
            owner__in=users, kind=DisposalStep.Kind.VERIFY, done_at__date__range=(start, end)
        )
        .values_list("owner_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)


def customer_risk_state(customer) -> dict:
    """The 360 panel's facts for a customer the caller has already fetched in scope
    (access_customer), so no second scope look-up is needed."""
    # At most one active warning per kind (a DB constraint), so no LIMIT: sorting the few rows
    # here keeps PostgreSQL on the customer index instead of walking the deadline index.
    warnings = sorted(
        RiskWarning.objects.active().filter(customer=customer),
        key=lambda w: (w.verify_by, w.pk),
    )
    entry = WatchListEntry.objects.filter(customer=customer).first()
    mismatched = mismatching(Holding.objects.filter(customer=customer)).count()
    return {"warnings": warnings, "entry": entry, "mismatched": mismatched}


# ---- the integration API (compliance/api.py) --------------------------------------------------


def signal_source_active(code: str) -> bool:
    return SignalSource.objects.filter(code=code, is_active=True).exists()


def active_warning_rows(user, *, customer_number: str | None = None) -> QuerySet:
    """Active warnings in the user's scope (of one customer) as plain rows for the API."""
    qs = active_warnings_for(user)
    if customer_number:
        qs = qs.filter(customer__number=customer_number.strip().upper())
    return qs.values(
        "id",
        "customer__number",
        "kind",
        "grade",
        "status",
        "title",
        "raised_on",
        "verify_by",
        "owner__username",
    )
