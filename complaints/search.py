"""Complaints in the global search (crm.ui.search): by reference, complainant or customer,
within complaints_for(user) (the queue's scope). An identifier finds the complaints of the
customer it belongs to, or whose complainant left that mobile or e-mail (keyed hashes)."""

from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import pgettext_lazy

from crm import identifiers
from crm.ui.registry import SearchProvider
from crm.ui.search import Hit, Term, ranked
from customers.records.access import customers_for
from customers.records.search import customer_tiers

from .access import complaints_for
from .models import State


def _tiers(user, term: Term) -> list:
    """Each tier: the complaint's own reference or complainant, and (a branch of its own, so
    each is served by its index) the complaints of the customers of the user's book that the
    customer search's same tier finds."""
    customers = customers_for(user)
    by_customer = [
        Q(customer__in=customers.filter(t).values("pk")) if t is not None else None
        for t in customer_tiers(term, substrings=False)
    ]
    if term.token:
        kind, digest = term.identifier
        if kind in (identifiers.MOBILE, identifiers.EMAIL):
            by_customer[0] = [by_customer[0], Q(complainant_contact_hash=digest)]
        return by_customer
    text, upper = term.text, term.text.upper()
    own = [
        Q(reference=upper) | Q(complainant_name=text),
        Q(reference__startswith=upper) | Q(complainant_name__startswith=text),
        None,
    ]
    return [[own_t, cust_t] for own_t, cust_t in zip(own, by_customer, strict=True)]


def search_complaints(user, term: Term, limit: int) -> list[Hit]:
    # few=True: the scope is tested on the few complaints the indexed conditions find.
    rows = ranked(
        complaints_for(user, few=True),
        _tiers(user, term),
        limit=limit,
        fields=["pk", "reference", "state", "complainant_name", "customer__name", "received_at"],
    )
    states = dict(State.choices)
    return [
        Hit(
            r["reference"],
            reverse("complaints:complaint-detail", args=[r["pk"]]),
            " · ".join(
                filter(
                    None,
                    (r["complainant_name"] or r["customer__name"], str(states.get(r["state"], ""))),
                )
            ),
            r["search_rank"],
        )
        for r in rows
    ]


def queue_url(term: Term) -> str | None:
    """The queue's own search (reference, complainant, customer number), all states."""
    if not term.text:
        return None
    return f"{reverse('complaints:complaint-queue')}?{urlencode({'q': term.text, 'status': 'all'})}"


PROVIDER = SearchProvider(
    "complaints",
    pgettext_lazy("search group", "Complaints"),
    search_complaints,
    permission="complaints.view_complaint",
    order=30,
    list_url=queue_url,
)
