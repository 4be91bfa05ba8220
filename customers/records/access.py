"""Who may reach which customer record (the access contract, crm.core.access): each entity has
`<entity>s_for(user)` (a scoped queryset) and `access_<entity>(user, pk, *, for_write=False)`,
raising NotFound (404) alike for "missing" and "not yours"."""

from django.db.models import Q, QuerySet

from crm.accounts.access import Scope, book_filter, scope_of
from crm.core import memo
from crm.core.access import access_in, access_row
from customers.records.models import (
    Customer,
    CustomerCoServer,
    CustomerDocument,
    CustomerImport,
    PiiExport,
)


def book_q(user, prefix: str = ""):
    """The user's book as a Q for a model reaching Customer via `prefix` ("customer__").

    Co-served customers are looked up first (one small indexed query) and added as a plain
    `pk IN (…)`, so PostgreSQL combines the owner index and the primary key with a BitmapOr
    instead of testing an EXISTS() on every row of a million-row table. Inside a
    `crm.core.memo.scope()` (the global search) the list is read once for all the groups.
    """
    extra = None
    if Scope.NONE < scope_of(user) < Scope.ALL:
        coserved = coserved_ids(user)
        if coserved:
            extra = Q(**{f"{prefix}pk__in": coserved})
    return book_filter(
        user,
        owner=f"{prefix}owner",
        team=f"{prefix}team",
        branch=f"{prefix}branch",
        own_extra=extra,
    )


def coserved_ids(user) -> list[int]:
    """Ids of the customers the user co-serves (remembered inside a memo scope)."""
    return memo.remember(
        ("coserved", user.pk),
        lambda: list(
            CustomerCoServer.objects.filter(user=user).values_list("customer_id", flat=True)
        ),
    )


def customers_for(user) -> QuerySet[Customer]:
    return Customer.objects.filter(book_q(user))


def access_customer(user, pk, *, for_write: bool = False) -> Customer:
    """The customer if in the user's book (locked FOR UPDATE when `for_write`, inside the
    caller's transaction), else NotFound: never 403, so ids cannot be probed."""
    return access_row(customers_for(user), pk, for_write=for_write)


def documents_for(user) -> QuerySet[CustomerDocument]:
    """Documents of the customers in the user's book (the 360 page shows them)."""
    return CustomerDocument.objects.filter(book_q(user, prefix="customer__"))


def customer_imports_for(user) -> QuerySet[CustomerImport]:
    """A user's own staged customer imports (nobody else's preview, report or confirmation)."""
    return CustomerImport.objects.filter(created_by=user)


def access_customer_import(user, pk, *, for_write: bool = False) -> CustomerImport:
    return access_in(customer_imports_for(user), pk, lock=for_write)


def pii_exports_for(user) -> QuerySet[PiiExport]:
    """A user's own unmasked-export requests."""
    return PiiExport.objects.filter(requested_by=user).select_related("approval")


def access_pii_export(user, pk, *, for_write: bool = False) -> PiiExport:
    return access_row(pii_exports_for(user), pk, for_write=for_write)
