"""Keyset pagination: O(page) per request at any depth, and no COUNT(*) over the whole table.

The ordering must end with a unique field (normally "pk"). The cursor carries the last row's
values for those fields; the next page is the rows strictly after it in that ordering.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

# What a crafted cursor may not put into an integer comparison (a bigint column's range).
_INT_LIMIT = 2**63


@dataclass
class KeysetPage:
    items: list
    next_cursor: str | None
    has_next: bool
    size: int

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def _encode(values: list[Any]) -> str:
    raw = json.dumps([None if v is None else str(v) for v in values]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, n: int) -> list[Any] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, TypeError):
        return None
    if not isinstance(values, list) or len(values) != n:
        return None
    return values


def encode_cursor(values: list[Any]) -> str:
    """A page cursor carrying `values` (as strings), for pages that keyset by hand."""
    return _encode(values)


def decode_cursor(cursor: str, n: int) -> list[Any] | None:
    """The `n` values a cursor carries, or None for anything that is not such a cursor."""
    return _decode(cursor, n)


def _field(qs: QuerySet, path: str):
    """The model field (or annotation output field) that ordering path `path` compares."""
    model = qs.model
    parts = path.split("__")
    try:
        for i, part in enumerate(parts):
            field = model._meta.pk if part == "pk" else model._meta.get_field(part)
            if field.is_relation and (i < len(parts) - 1):
                model = field.related_model
            elif field.is_relation:
                field = field.target_field
    except FieldDoesNotExist:
        annotation = qs.query.annotations.get(path)
        return getattr(annotation, "output_field", None)
    return field


def _typed(qs: QuerySet, ordering: list[str], values: list[Any]) -> list[Any] | None:
    """The cursor's values as the ordering fields' types, or None when a crafted cursor holds
    values the fields cannot take (a string for a date, an integer beyond 64 bits)."""
    typed = []
    for path, value in zip(ordering, values, strict=True):
        if value is None:
            typed.append(None)
            continue
        if not isinstance(value, str | int | float | bool) or "\x00" in str(value):
            return None
        field = _field(qs, path.lstrip("-"))
        if field is None:
            return None
        try:
            value = field.to_python(str(value))
        except (ValidationError, TypeError, ValueError, OverflowError):
            return None
        if isinstance(field, models.IntegerField | models.AutoField) and not (
            -_INT_LIMIT <= value < _INT_LIMIT
        ):
            return None
        if isinstance(field, models.DateTimeField) and timezone.is_naive(value):
            return None
        typed.append(value)
    return typed


def _after(ordering: list[str], values: list[Any]) -> Q:
    """Rows after `values` in `ordering`: (a > x) | (a = x & b > y) | …"""
    condition = Q(pk__in=[])
    equal = Q()
    for field, value in zip(ordering, values, strict=True):
        name = field.lstrip("-")
        op = "lt" if field.startswith("-") else "gt"
        if value is None:
            # NULLs sort last on PostgreSQL ascending; keep it simple: skip to the next field.
            equal &= Q(**{f"{name}__isnull": True})
            continue
        condition |= equal & Q(**{f"{name}__{op}": value})
        equal &= Q(**{name: value})
    return condition


def keyset_page(qs: QuerySet, ordering: list[str], cursor: str | None, size: int) -> KeysetPage:
    """One page of `qs` ordered by `ordering` (last field unique), after `cursor` if given."""
    qs = qs.order_by(*ordering)
    if cursor:
        values = _decode(cursor, len(ordering))
        if values is not None:
            values = _typed(qs, ordering, values)
        if values is not None:
            qs = qs.filter(_after(ordering, values))
    rows = list(qs[: size + 1])
    has_next = len(rows) > size
    rows = rows[:size]
    next_cursor = None
    if has_next and rows:
        last = rows[-1]
        next_cursor = _encode([_value(last, f.lstrip("-")) for f in ordering])
    return KeysetPage(items=rows, next_cursor=next_cursor, has_next=has_next, size=size)


def _value(obj, path: str):
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj.pk if isinstance(obj, Model) else obj


def capped_count(qs: QuerySet, cap: int) -> tuple[int, bool]:
    """(count, more) counting at most `cap` rows: "1000+" instead of COUNT(*) over 1M rows."""
    n = qs.order_by()[: cap + 1].count()
    return min(n, cap), n > cap


def query_without_cursor(request) -> str:
    """The request's query string without the page cursor ("after"): the filters a page's
    "more" link keeps when it adds the next cursor."""
    query = request.GET.copy()
    query.pop("after", None)
    return query.urlencode()
