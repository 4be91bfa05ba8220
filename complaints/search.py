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
from customers.records.selectors import token_q

from .access import complaints_for
from .models import State


def _tiers(term: Term) -> list:
    if term.token:
        kind, digest = term.identifier
        by_customer = token_q(term.token, "customer__")[1]
        if kind in (identifiers.MOBILE, identifiers.EMAIL):
            by_customer |= Q(complainant_contact_hash=digest)
        return [by_customer, None, None]
    text, upper = term.text, term.text.upper()
    return [
        Q(reference=upper)
        | Q(complainant_name=text)
        | Q(customer__number=upper)
        | Q(customer__name=text),
        Q(reference__startswith=upper)
        | Q(complainant_name__startswith=text)
        | Q(customer__name__startswith=text),
        None,
    ]


def search_complaints(user, term: Term, limit: int) -> list[Hit]:
    # few=True: the book is tested per matching row, not listed first (one query).
    rows = ranked(
        complaints_for(user, few=True),
        _tiers(term),
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
