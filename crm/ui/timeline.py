"""The customer 360 timeline: every app's events about one customer, newest first, in ONE query.

Apps register `TimelineSource`s (crm.ui.registry) whose rows are projected onto the same
columns by `project`; `timeline_page` joins the sources the user may see with UNION ALL,
orders by (when desc, source key, own id desc), which is unique, and pages by keyset: the cursor
holds the last entry's three values, and each source keeps only its rows after it. The page is
one query however many kinds there are, and its cost does not grow with the customer's history
(on PostgreSQL each source's part is ordered and limited too, so it reads a page from its
index, not every event).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from crm.ui.pagination import decode_cursor, encode_cursor
from crm.ui.registry import TimelineSource, timeline_sources

COLUMNS = ("tl_source", "tl_at", "tl_id", "tl_link", "tl_code", "tl_detail", "tl_text")
# What a crafted cursor may not put into a bigint comparison.
_INT_LIMIT = 2**63
# Texts longer than this add nothing to a one-line entry.
TEXT_LENGTH = 120


def _expr(value):
    return F(value) if isinstance(value, str) else value


def _str(value):
    """A string column: every source casts to the same type, so the UNION's columns agree."""
    if value is None or value == "":
        return Value("", output_field=CharField())
    return Cast(_expr(value), CharField())


def project(qs: QuerySet, *, source: str, at, link="pk", code=None, detail=None, text=None):
    """`qs` as timeline rows of source `source`: `at` the moment (a datetime field or
    expression), `link` the id the entry links to, `code`/`detail`/`text` three short strings
    the source's `describe` reads (field names or expressions)."""
    return qs.annotate(
        tl_source=Value(source, output_field=CharField()),
        tl_at=_expr(at),
        tl_id=F("pk"),
        tl_link=_expr(link),
        tl_code=_str(code),
        tl_detail=_str(detail),
        tl_text=_str(text),
    ).values(*COLUMNS)


@dataclass(frozen=True)
class Entry:
    at: datetime.datetime
    kind: str
    kind_label: str
    text: str
    url: str


@dataclass
class TimelinePage:
    entries: list[Entry]
    next_cursor: str | None

    def __iter__(self):
        return iter(self.entries)

    def __len__(self):
        return len(self.entries)


def timeline_kinds(user) -> list[tuple[str, str]]:
    """(kind, label) of the kinds the user may see, in the sources' order."""
    kinds: dict[str, str] = {}
    for source in timeline_sources(user):
        kinds.setdefault(source.kind, str(source.kind_label))
    return list(kinds.items())


def parse_kinds(user, values: list[str]) -> tuple[list[str], bool]:
    """The requested kinds the user may see, and whether any other value was asked for (a
    crafted or stale link: it is left out, never an error)."""
    allowed = {kind for kind, _label in timeline_kinds(user)}
    chosen = [v for v in dict.fromkeys(values) if v in allowed]
    return chosen, len(chosen) != len(set(values))


def _cursor(cursor: str | None) -> tuple[datetime.datetime, str, int] | None:
    """The cursor's (when, source, id), or None for anything a page did not make."""
    values = decode_cursor(cursor, 3) if cursor else None
    if values is None or not all(isinstance(v, str) for v in values):
        return None
    at_text, source, pk_text = values
    try:
        at = parse_datetime(at_text)
        pk = int(pk_text)
    except (ValueError, TypeError):
        return None
    if at is None or timezone.is_naive(at) or not (-_INT_LIMIT <= pk < _INT_LIMIT):
        return None
    if not source or len(source) > 40 or "\x00" in source:
        return None
    return at, source, pk


def _after(qs: QuerySet, key: str, cursor) -> QuerySet:
    """The source's rows after the cursor in (when desc, source, id desc): a source sorting
    before the cursor's starts strictly earlier, one after it may share the moment."""
    at, source, pk = cursor
    if key < source:
        return qs.filter(tl_at__lt=at)
    if key == source:
        return qs.filter(Q(tl_at__lt=at) | Q(tl_at=at, tl_id__lt=pk))
    return qs.filter(tl_at__lte=at)


def timeline_page(
    user, customer_id: int, *, kinds: list[str] | None = None, cursor: str | None, size: int
) -> TimelinePage:
    """One page of the timeline of a customer the caller already found in the user's book
    (access_customer): the entries of the sources the user may see (of `kinds`, or all),
    newest first, after `cursor` (an unreadable cursor gives the first page)."""
    after = _cursor(cursor)
    sources = {s.key: s for s in timeline_sources(user) if not kinds or s.kind in kinds}
    parts = []
    for key, source in sources.items():
        qs = source.rows(customer_id)
        parts.append(_after(qs, key, after) if after is not None else qs)
    if not parts:
        return TimelinePage(entries=[], next_cursor=None)
    ordering = ("-tl_at", "tl_source", "-tl_id")
    if len(parts) == 1:
        combined = parts[0].order_by(*ordering)[: size + 1]
    else:
        if connection.features.supports_slicing_ordering_in_compound:
            # Each part brings only its newest page (read from its index).
            parts = [qs.order_by("-tl_at", "-tl_id")[: size + 1] for qs in parts]
        else:
            parts = [qs.order_by() for qs in parts]
        combined = parts[0].union(*parts[1:], all=True).order_by(*ordering)[: size + 1]
    rows = list(combined)
    has_next = len(rows) > size
    rows = rows[:size]
    next_cursor = None
    if has_next:
        last = rows[-1]
        next_cursor = encode_cursor([last["tl_at"].isoformat(), last["tl_source"], last["tl_id"]])
    urls: dict = {}  # many entries link to one object (the customer's own page): reverse once
    return TimelinePage(
        entries=[_entry(sources[r["tl_source"]], r, urls) for r in rows], next_cursor=next_cursor
    )


def _url(source: TimelineSource, link, urls: dict) -> str:
    key = (source.url_name, source.anchor, link if source.with_id else None)
    if key not in urls:
        args = [link] if source.with_id else None
        urls[key] = reverse(source.url_name, args=args) + source.anchor
    return urls[key]


def _entry(source: TimelineSource, row: dict, urls: dict) -> Entry:
    fields = {
        "at": row["tl_at"],
        "link": row["tl_link"],
        "code": row["tl_code"] or "",
        "detail": row["tl_detail"] or "",
        "text": (row["tl_text"] or "")[:TEXT_LENGTH],
    }
    return Entry(
        at=row["tl_at"],
        kind=source.kind,
        kind_label=str(source.kind_label),
        text=str(source.describe(fields)),
        url=_url(source, row["tl_link"], urls),
    )
