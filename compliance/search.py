"""Risk warnings in the global search (crm.ui.search): the warnings of the customers the term
finds (number, name, pinyin, exact ID…), within the user's book (warnings_for), active ones
first. Titles are generated from the signal kind, so they are no search key."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import pgettext_lazy

from crm.ui.registry import SearchProvider
from crm.ui.search import Hit, Term, ranked
from customers.records.access import customers_for
from customers.records.search import customer_tiers

from .access import warnings_for
from .models import Grade, RiskWarning


def search_warnings(user, term: Term, limit: int) -> list[Hit]:
    # The warnings of the customers the customer search finds in the book: a subquery per tier,
    # so the database walks the (customer, status) index from a few customers.
    customers = customers_for(user)
    tiers = [
        Q(customer__in=customers.filter(t).values("pk")) if t is not None else None
        for t in customer_tiers(term, substrings=False)
    ]
    rows = ranked(
        warnings_for(user, few=True),
        tiers,
        limit=limit,
        fields=["pk", "title", "grade", "status", "customer__name", "customer__number"],
    )
    released = RiskWarning.Status.RELEASED
    rows.sort(key=lambda r: (r["search_rank"], r["status"] == released, r["pk"]))
    grades, statuses = dict(Grade.choices), dict(RiskWarning.Status.choices)
    return [
        Hit(
            r["title"],
            reverse("compliance:warning-detail", args=[r["pk"]]),
            " · ".join(
                (
                    f"{r['customer__name']} {r['customer__number']}",
                    str(grades.get(r["grade"], r["grade"])),
                    str(statuses.get(r["status"], r["status"])),
                )
            ),
            r["search_rank"],
        )
        for r in rows
    ]


PROVIDER = SearchProvider(
    "warnings",
    pgettext_lazy("search group", "Risk warnings"),
    search_warnings,
    permission="compliance.view_riskwarning",
    order=50,
)
