"""Reads. Every view gets customers through these, scoped to the user (DESIGN §3, §6)."""

import datetime
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from crm import crypto
from crm.accounts.access import Scope, book_filter, scope_of, staff_filter
from crm.core.config import fiducia
from customers.records.models import (
    Contract,
    Customer,
    CustomerCoServer,
    CustomerImport,
    FollowUpTask,
    Holding,
    MonthlyAggregate,
    PiiExport,
    SavedFilter,
)
from customers.records.validators import validate_resident_id, validate_uscc
from customers.records.validity import assessed_between


def book_q(user, prefix: str = ""):
    """The user's book as a Q for a model reaching Customer via `prefix` ("customer__").

    Co-served customers are looked up first (one small indexed query) and added as a plain
    `pk IN (…)`, so PostgreSQL combines the owner index and the primary key with a BitmapOr
    instead of testing an EXISTS() on every row of a million-row table.
    """
    extra = None
    if Scope.NONE < scope_of(user) < Scope.ALL:
        coserved = list(
            CustomerCoServer.objects.filter(user=user).values_list("customer_id", flat=True)
        )
        if coserved:
            extra = Q(**{f"{prefix}pk__in": coserved})
    return book_filter(
        user,
        owner=f"{prefix}owner",
        team=f"{prefix}team",
        branch=f"{prefix}branch",
        own_extra=extra,
    )


def customers_for(user) -> QuerySet[Customer]:
    return Customer.objects.filter(book_q(user))


def get_customer_for(user, pk) -> Customer:
    """The customer if in the user's book, else 404 (never 403: ids cannot be probed)."""
    return get_object_or_404(customers_for(user), pk=pk)


def assignable_staff(user) -> QuerySet:
    """Staff the user may hand customers to (owner on create, reassignment target)."""
    return (
        get_user_model()
        .objects.filter(staff_filter(user), branch__isnull=False)
        .order_by("display_name", "username")
    )


# ---- search ---------------------------------------------------------------------------------

_LAST4 = re.compile(r"^\d{4}$")
_ID_LIKE = re.compile(r"^\d{17}[\dXx]$")
_USCC_LIKE = re.compile(r"^[0-9A-Za-z]{18}$")
_NUMBER_LIKE = re.compile(r"^[A-Za-z]{0,3}\d{3,}$")


def search_kind(q: str) -> str:
    """Which search a query means: id_number, uscc, phone_last4, number or name."""
    if _ID_LIKE.match(q):
        try:
            validate_resident_id(q)
            return "id_number"
        except ValidationError:
            pass
    if _USCC_LIKE.match(q):
        try:
            validate_uscc(q)
            return "uscc"
        except ValidationError:
            pass
    if _LAST4.match(q):
        return "phone_last4"
    if _NUMBER_LIKE.match(q):
        return "number"
    return "name"


def _name_q(q: str) -> Q:
    """Name, pinyin initials ("zw") or full pinyin ("zhangwei") of 张伟.

    On PostgreSQL a substring match on the name is served by the pg_trgm GIN index
    (migration 0003), prefix matches by the pattern-ops B-tree indexes; SQLite uses plain LIKE.
    """
    key = re.sub(r"\s+", "", q).lower()
    cond = Q(name__startswith=q)
    if key.isascii() and key.isalnum():
        cond |= Q(name_initials__startswith=key) | Q(name_pinyin__startswith=key)
    if connection.vendor == "postgresql":
        # Trigrams need three characters; shorter names are covered by the prefix match.
        if len(q) >= 3:
            cond |= Q(name__contains=q)
    else:
        cond |= Q(name__icontains=q)
    return cond


def search_q(q: str) -> tuple[str, Q]:
    q = (q or "").strip()
    kind = search_kind(q)
    if kind == "id_number":
        return kind, Q(id_number_hash=crypto.lookup_hash(validate_resident_id(q)))
    if kind == "uscc":
        return kind, Q(uscc=q.upper())
    if kind == "phone_last4":
        return kind, Q(mobile_last4=q)
    if kind == "number":
        return kind, Q(number=q.upper())
    return kind, _name_q(q)


# ---- list -----------------------------------------------------------------------------------

# Sort keys offered by the list; each ends with a unique field for keyset pagination.
ORDERINGS = {
    "number": ["number", "pk"],
    "-number": ["-number", "-pk"],
    "name": ["name", "pk"],
    "-aum": ["-aum", "-pk"],
    "aum": ["aum", "pk"],
}


def kyc_expiring_q(today: datetime.date | None = None) -> Q:
    """The assessment is still valid today and expires within the next EXPIRING_DAYS days."""
    today = today or timezone.localdate()
    days = fiducia("ASSESSMENTS", "EXPIRING_DAYS")
    return Q(
        risk_assessed_on__range=assessed_between(
            today + datetime.timedelta(days=1), today + datetime.timedelta(days=days)
        )
    )


def open_tasks_exists():
    return Exists(
        FollowUpTask.objects.filter(customer=OuterRef("pk"), status=FollowUpTask.Status.OPEN)
    )


def customer_list_qs(qs: QuerySet[Customer]) -> QuerySet[Customer]:
    """What the list and exports show, in a fixed number of queries whatever the page size."""
    return qs.select_related("owner", "branch").only(
        "pk",
        "number",
        "kind",
        "institution_type",
        "name",
        "tier",
        "vip_level",
        "risk_class",
        "risk_assessed_on",
        "mobile",
        "aum",
        "updated_at",
        "owner__username",
        "owner__display_name",
        "owner__first_name",
        "owner__last_name",
        "branch__name",
    )


def saved_filters_for(user) -> QuerySet[SavedFilter]:
    return SavedFilter.objects.filter(owner=user)


# ---- customer 360 ---------------------------------------------------------------------------


def customer_360(user, pk) -> Customer:
    return get_object_or_404(
        customers_for(user).select_related("owner", "branch", "team", "kyc"), pk=pk
    )


def holdings_of(customer) -> list[Holding]:
    return list(
        customer.holdings.select_related("product").order_by("product__risk_level", "-market_value")
    )


def contracts_of(customer, *, limit: int = 20) -> list[Contract]:
    """Active contracts, soonest maturity first (open-ended ones last)."""
    return list(
        customer.contracts.filter(status=Contract.Status.ACTIVE)
        .select_related("product")
        .order_by("matures_on", "pk")[:limit]
    )


def aggregates_of(customer, months: int = 12) -> list[MonthlyAggregate]:
    rows = list(customer.aggregates.order_by("-month")[:months])
    rows.reverse()
    return rows


def open_task_count(customer) -> int:
    return customer.follow_ups.filter(status=FollowUpTask.Status.OPEN).count()


# ---- imports and exports --------------------------------------------------------------------


def imports_for(user) -> QuerySet[CustomerImport]:
    return CustomerImport.objects.filter(created_by=user)


def pii_exports_for(user) -> QuerySet[PiiExport]:
    return PiiExport.objects.filter(requested_by=user).select_related("approval")


def list_page_size() -> int:
    return settings.FIDUCIA["LIST_PAGE_SIZE"]
