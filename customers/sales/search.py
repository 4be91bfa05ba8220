"""Prospects in the global search (crm.ui.search): by name, within prospects_for(user)."""

from django.urls import reverse
from django.utils.translation import pgettext_lazy

from crm.ui.registry import SearchProvider
from crm.ui.search import Hit, Term, ranked, tiers_for_text
from customers.sales.access import prospects_for
from customers.sales.models import LifecycleStage


def search_prospects(user, term: Term, limit: int) -> list[Hit]:
    if not term.text:
        return []  # a prospect's contact has no keyed hash to match an identifier against
    rows = ranked(
        prospects_for(user),
        tiers_for_text(term.text, exact=["name"], prefix=["name"], contains=["name"]),
        limit=limit,
        fields=["pk", "name", "stage", "owner__display_name", "owner__username"],
    )
    stages = dict(LifecycleStage.choices)
    return [
        Hit(
            r["name"],
            reverse("customers:prospect-detail", args=[r["pk"]]),
            " · ".join(
                (
                    str(stages.get(r["stage"], r["stage"])),
                    r["owner__display_name"] or r["owner__username"],
                )
            ),
            r["search_rank"],
        )
        for r in rows
    ]


PROVIDER = SearchProvider(
    "prospects",
    pgettext_lazy("search group", "Prospects"),
    search_prospects,
    permission="customers.view_prospect",
    order=20,
)
