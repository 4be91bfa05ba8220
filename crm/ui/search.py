"""Global search (issue 20): one box for every kind of record, one result group per registered
`crm.ui.registry.SearchProvider`.

Each provider reads through the same scoped selector as its group's own list, in one query with
a small LIMIT and no COUNT(*); `ranked` puts exact matches (a number, an ID) before prefix
matches before substring matches. All groups run inside one `crm.core.memo.scope()`, so what
every scoped selector asks first (the user's co-served customers) is read once per request.

Clear identifiers never travel in a URL: a term holding one (ID number, credit code, mobile,
e-mail, account number) becomes its keyed-hash token (`crm.identifiers.search_token`), which is
all a provider sees of it, as on the customer list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse

from crm import identifiers
from crm.core import memo
from crm.core.config import fiducia
from crm.ui.registry import search_providers

EXACT, PREFIX, CONTAINS = 0, 1, 2


@dataclass(frozen=True)
class Term:
    """What was searched: free text, or only an identifier's keyed-hash token."""

    text: str = ""
    token: str = ""

    def __bool__(self) -> bool:
        return bool(self.text or self.token)

    @property
    def identifier(self) -> tuple[str, str] | None:
        """(kind, keyed hash) when the term is an identifier, else None."""
        return identifiers.parse_token(self.token) if self.token else None

    def params(self) -> dict:
        """The term as it may appear in a URL."""
        return {"qk": self.token} if self.token else {"q": self.text} if self.text else {}


def term_of(q: str = "", qk: str = "") -> Term:
    """The term for a typed query `q` (an identifier in it becomes its token) or a token `qk`."""
    q = (q or "").strip()
    found = identifiers.find_identifier(q)
    if found:
        return Term(token=identifiers.search_token(*found))
    if q:
        return Term(text=q)
    if identifiers.parse_token(qk or ""):
        return Term(token=qk.strip())
    return Term()


@dataclass(frozen=True)
class Hit:
    title: str
    url: str
    detail: str = ""
    rank: int = CONTAINS


@dataclass
class Group:
    key: str
    label: str
    hits: list[Hit]
    more_url: str
    best: int = field(default=CONTAINS)


def ranked(qs: QuerySet, tiers, *, limit: int, fields) -> list[dict]:
    """At most `limit` rows of `qs` (dicts of `fields`, which must hold "pk", plus
    `search_rank`, the tier's index) matching one of `tiers`, best first: each tier a Q, None
    (skipped), or a list of Qs that rank alike. The rows of a better tier come first. One query.

    On PostgreSQL each Q is its own LIMITed branch of one UNION ALL, so a common surname over a
    million customers stops after `limit` rows instead of ranking every match, and conditions
    that each have an index (a reference; a customer's complaints) are not ORed into a scan of
    the whole table; elsewhere (SQLite) one CASE orders the matches."""
    branches = []  # (rank, Q)
    for rank, tier in enumerate(tiers):
        for q in tier if isinstance(tier, list | tuple) else [tier]:
            if q is not None:
                branches.append((rank, q))
    if not branches:
        return []
    fields = [*fields, "search_rank"]
    if len(branches) > 1 and connection.features.supports_slicing_ordering_in_compound:
        parts = [
            qs.filter(q).annotate(search_rank=Value(r, IntegerField())).values(*fields).order_by()
            for r, q in branches
        ]
        parts = [p[:limit] for p in parts]
        rows = list(parts[0].union(*parts[1:], all=True))
    else:
        rank = Case(
            *(When(q, then=Value(r)) for r, q in branches),
            default=Value(len(tiers)),
            output_field=IntegerField(),
        )
        rows = list(
            qs.filter(reduce(or_, (q for _r, q in branches)))
            .annotate(search_rank=rank)
            .values(*fields)
            .order_by("search_rank", "pk")[:limit]
        )
    best: dict = {}
    for row in rows:  # a row in several tiers keeps its best
        if row["pk"] not in best or row["search_rank"] < best[row["pk"]]["search_rank"]:
            best[row["pk"]] = row
    return sorted(best.values(), key=lambda r: (r["search_rank"], r["pk"]))[:limit]


def tiers_for_text(text: str, *, exact: list, prefix: list, contains: list | None = None):
    """Exact, prefix and (optionally) substring conditions, each a list of lookups ORed with
    `text` (the caller's casing already applied): the three tiers `ranked` takes."""

    def any_of(lookups, suffix):
        return reduce(or_, (Q(**{f"{lk}{suffix}": text}) for lk in lookups)) if lookups else None

    return [any_of(exact, ""), any_of(prefix, "__startswith"), any_of(contains or [], "__contains")]


def search(user, term: Term, *, only: str = "", limit: int | None = None) -> list[Group]:
    """The groups (with at least one hit) the user's registered providers find for `term`,
    the group holding the best match first; `only` keeps one provider's group."""
    if not term:
        return []
    limit = limit or fiducia("SEARCH", "GROUP_LIMIT")
    groups = []
    with memo.scope():
        for provider in search_providers(user):
            if only and provider.key != only:
                continue
            hits = provider.search(user, term, limit)
            if not hits:
                continue
            more = provider.list_url(term) if provider.list_url else None
            if not more:
                more = (
                    f"{reverse('ui:search')}?{urlencode({**term.params(), 'group': provider.key})}"
                )
            groups.append(
                Group(provider.key, str(provider.label), hits, more, min(h.rank for h in hits))
            )
    groups.sort(key=lambda g: g.best)  # stable: equal ranks keep the providers' order
    return groups
