"""The customer records' groups of the global search (crm.ui.search): customers, searched as
the customer list searches them (name, pinyin, number, phone last 4, exact ID number or credit
code by keyed hash), and customer documents. Registered from CustomersConfig.ready()."""

from urllib.parse import urlencode

from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from crm.ui.registry import SearchProvider
from crm.ui.search import Hit, Term, ranked
from customers.records.access import customers_for, documents_for
from customers.records.models import CustomerDocument, CustomerKind
from customers.records.selectors import search_tiers, token_q


def customer_tiers(term: Term, prefix: str = "", *, substrings: bool = True) -> list:
    """The customer list's search for `term` as ranked tiers, on a model reaching Customer
    via `prefix` (the other groups find a customer's tasks, warnings… by it). The other
    groups pass `substrings=False`: a trigram scan per group would cost more than the few
    extra hits are worth (the customers group still shows those customers)."""
    if term.token:
        return [token_q(term.token, prefix)[1], None, None]
    _kind, tiers = search_tiers(term.text)
    if not substrings:
        tiers = [*tiers[:2], None]
    if not prefix:
        return tiers
    return [_prefixed(t, prefix) if t is not None else None for t in tiers]


def _prefixed(q: Q, prefix: str) -> Q:
    """`q` with every lookup moved onto the related customer (`prefix`)."""
    out = Q()
    out.connector, out.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            out.children.append(_prefixed(child, prefix))
        else:
            out.children.append((f"{prefix}{child[0]}", child[1]))
    return out


def search_customers(user, term: Term, limit: int) -> list[Hit]:
    rows = ranked(
        customers_for(user),
        customer_tiers(term),
        limit=limit,
        fields=["pk", "name", "number", "kind", "owner__display_name", "owner__username"],
    )
    kinds = dict(CustomerKind.choices)
    return [
        Hit(
            r["name"],
            reverse("customers:customer-detail", args=[r["pk"]]),
            " · ".join(
                (
                    r["number"],
                    str(kinds.get(r["kind"], "")),
                    r["owner__display_name"] or r["owner__username"],
                )
            ),
            r["search_rank"],
        )
        for r in rows
    ]


def customer_list_url(term: Term) -> str:
    return f"{reverse('customers:customer-list')}?{urlencode(term.params())}"


def search_documents(user, term: Term, limit: int) -> list[Hit]:
    """Documents by their title, or the documents of the customers the customer search finds
    in the user's book (each condition a branch of its own, served by its index)."""
    customers = customers_for(user)
    by_customer = [
        Q(customer__in=customers.filter(t).values("pk")) if t is not None else None
        for t in customer_tiers(term, substrings=False)
    ]
    if term.token:
        tiers = by_customer
    else:
        text = term.text
        # Substrings by trigram on PostgreSQL, which needs three characters (as for names).
        contains = (
            Q(title__contains=text) if len(text) >= 3 or connection.vendor != "postgresql" else None
        )
        tiers = [
            [Q(title=text), by_customer[0]],
            [Q(title__startswith=text), by_customer[1]],
            [contains, by_customer[2]],
        ]
    rows = ranked(
        documents_for(user),
        tiers,
        limit=limit,
        fields=["pk", "title", "kind", "customer_id", "customer__name", "customer__number"],
    )
    kinds = dict(CustomerDocument.Kind.choices)
    return [
        Hit(
            r["title"],
            reverse("customers:customer-detail", args=[r["customer_id"]]) + "#profile",
            _("%(kind)s · %(customer)s %(number)s")
            % {
                "kind": kinds.get(r["kind"], r["kind"]),
                "customer": r["customer__name"],
                "number": r["customer__number"],
            },
            r["search_rank"],
        )
        for r in rows
    ]


PROVIDERS = (
    SearchProvider(
        "customers",
        pgettext_lazy("search group", "Customers"),
        search_customers,
        permission="customers.view_customer",
        order=10,
        list_url=customer_list_url,
    ),
    SearchProvider(
        "documents",
        pgettext_lazy("search group", "Documents"),
        search_documents,
        permission="customers.view_customer",
        order=70,
    ),
)
