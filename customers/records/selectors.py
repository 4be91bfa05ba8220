"""Reads. Every view gets customers through these, scoped to the user (DESIGN §3, §6)."""

import datetime
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from crm import crypto, identifiers
from crm.accounts.access import staff_filter
from crm.api.pagination import IsoUtc
from crm.core.access import NotFound, access_in
from crm.core.config import fiducia
from customers.records.access import customers_for
from customers.records.models import (
    Contract,
    Customer,
    FollowUpTask,
    Holding,
    MonthlyAggregate,
)
from customers.records.validity import assessed_between


def assignable_staff(user) -> QuerySet:
    """Staff the user may hand customers to (owner on create, reassignment target)."""
    return (
        get_user_model()
        .objects.filter(staff_filter(user), branch__isnull=False)
        .order_by("display_name", "username")
    )


# ---- search ---------------------------------------------------------------------------------

_LAST4 = re.compile(r"^\d{4}$")
_NUMBER_LIKE = re.compile(r"^[A-Za-z]{0,3}\d{3,}$")
# Identifier kinds (crm.identifiers) as the list names them, and their keyed-hash columns.
_IDENTIFIER_SEARCH = {
    identifiers.ID_NUMBER: ("id_number", "id_number_hash"),
    identifiers.USCC: ("uscc", "uscc_hash"),
    identifiers.MOBILE: ("mobile", "mobile_hash"),
    identifiers.EMAIL: ("email", "email_hash"),
    # Account numbers are no search key of the customer list: such a term is kept out of URLs
    # and logs like the others, and finds nobody.
    identifiers.ACCOUNT: ("account", None),
}


def search_kind(q: str) -> str:
    """Which search a query means: id_number, uscc, mobile, email, account, phone_last4,
    number or name."""
    found = identifiers.find_identifier(q)
    if found:
        return _IDENTIFIER_SEARCH[found[0]][0]
    if _LAST4.match(q):
        return "phone_last4"
    if _NUMBER_LIKE.match(q):
        return "number"
    return "name"


def token_q(token: str, prefix: str = "") -> tuple[str, Q]:
    """The search a keyed-hash token (crm.identifiers.search_token) stands for, on a model
    reaching Customer via `prefix` ("customer__"); ValueError if it is not a token."""
    parsed = identifiers.parse_token(token)
    if parsed is None:
        raise ValueError("not a search token")
    kind, column = _IDENTIFIER_SEARCH[parsed[0]]
    return kind, Q(**{f"{prefix}{column}": parsed[1]}) if column else Q(pk__in=[])


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


def search_tiers(q: str) -> tuple[str, list[Q | None]]:
    """The customer list's search (search_q) as three tiers for the global search: exact
    (number, name, phone last 4, an identifier's keyed hash), prefix (number, name, pinyin),
    substring (name)."""
    q = (q or "").strip()
    kind, condition = search_q(q)
    if kind != "name" and kind != "number":
        return kind, [condition, None, None]  # keyed hashes match exactly or not at all
    if kind == "number":
        return kind, [condition, Q(number__startswith=q.upper()), None]
    key = re.sub(r"\s+", "", q).lower()
    prefix = Q(name__startswith=q)
    if key.isascii() and key.isalnum():
        prefix |= Q(name_initials__startswith=key) | Q(name_pinyin__startswith=key)
    if connection.vendor != "postgresql":
        contains = Q(name__icontains=q)
    else:  # trigrams need three characters; shorter names are covered by the prefix match
        contains = Q(name__contains=q) if len(q) >= 3 else None
    return kind, [Q(name=q), prefix, contains]


def search_q(q: str) -> tuple[str, Q]:
    q = (q or "").strip()
    found = identifiers.find_identifier(q)
    if found:
        # Only the keyed hash is compared, whatever the term held besides the identifier.
        return token_q(identifiers.search_token(*found))
    kind = search_kind(q)
    if kind == "phone_last4":
        return kind, Q(mobile_last4_hash=crypto.lookup_hash(q))
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
        "mobile_masked",
        "aum",
        "updated_at",
        "owner__username",
        "owner__display_name",
        "owner__first_name",
        "owner__last_name",
        "branch__name",
    )


# ---- customer 360 ---------------------------------------------------------------------------


def customer_360(user, pk) -> Customer:
    """The customer with what the 360 page shows beside it, or NotFound (access_customer)."""
    return access_in(customers_for(user).select_related("owner", "branch", "team", "kyc"), pk)


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


def contacts_of(customer) -> list:
    """An institution's contacts, the primary one first."""
    return list(customer.contacts.order_by("-is_primary", "name"))


def recent_assessments(customer, *, limit: int = 5) -> list:
    return list(customer.risk_assessments.all()[:limit])


def open_task_count(customer) -> int:
    return customer.follow_ups.filter(status=FollowUpTask.Status.OPEN).count()


def list_page_size() -> int:
    return settings.FIDUCIA["LIST_PAGE_SIZE"]


def in_book(user, pk) -> bool:
    """Whether the customer is (still) in the user's book, e.g. after handing it on."""
    return customers_for(user).filter(pk=pk).exists()


def customers_by_ids(user, ids) -> list[Customer]:
    """The customers with these ids, with their owners; NotFound unless every one is in the
    user's book (a bulk action is all or nothing)."""
    customers = list(customers_for(user).filter(pk__in=ids).select_related("owner"))
    if len(customers) != len(set(ids)):
        raise NotFound
    return customers


# ---- the integration API (customers/records/api.py) ------------------------------------------


def customer_api_rows(user, fields, *, number: str | None = None) -> QuerySet:
    """Customers in the user's scope as plain rows of `fields`, with `created` and `updated`
    as ISO text made by the database (crm.api.pagination.IsoUtc); one customer by `number`."""
    qs = customers_for(user)
    if number is not None:
        qs = qs.filter(number=number)
    return qs.values(*fields, created=IsoUtc("created_at"), updated=IsoUtc("updated_at"))


def customer_pk_by_number(user, number: str) -> int | None:
    """The id of the customer with this number in the user's scope, or None."""
    return customers_for(user).filter(number=number).values_list("pk", flat=True).first()
