"""Recently viewed pages: each user's last detail pages, for the user menu.

Apps register a `RecentKind` for each detail page they record (`recent_record` in the view);
the list resolves the ids through the kind's scoped query when shown, so an object reassigned
away or deleted simply drops out. Rows hold a kind and an id only, in the database (they outlive
logout and are the same on every web node); the daily purge keeps the table small.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from .models import RecentView

SHOWN = 10
KEEP_DAYS = 90


@dataclass(frozen=True)
class RecentKind:
    """`resolve(user, ids)` returns {id: (text, url)} for the ids still in the user's scope, in
    one query (a scoped selector filtered by pk__in)."""

    key: str
    label: str
    icon: str
    resolve: Callable[[object, list[int]], dict[int, tuple[str, str]]]


_kinds: dict[str, RecentKind] = {}


def register_recent(kind: RecentKind) -> None:
    _kinds[kind.key] = kind


def recent_kinds() -> dict[str, RecentKind]:
    return dict(_kinds)


def recent_record(user, kind: str, object_id: int) -> None:
    """Note that `user` opened the page of (kind, object_id): one upsert, no read."""
    if kind not in _kinds:
        raise ValueError(f"unregistered recently-viewed kind {kind!r}")
    RecentView.objects.bulk_create(
        [RecentView(user=user, kind=kind, object_id=object_id, viewed_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "kind", "object_id"],
        update_fields=["viewed_at"],
    )


def _latest(user) -> QuerySet[RecentView]:
    return RecentView.objects.filter(user=user, kind__in=list(_kinds)).order_by("-viewed_at", "-pk")


def recent_for(user, *, limit: int = SHOWN) -> list[dict]:
    """The user's last `limit` pages still in their scope, newest first: 1 query, plus one per
    kind among them. Looks a little further back so pages gone out of scope leave no gap."""
    rows = list(_latest(user).values_list("kind", "object_id", "viewed_at")[: limit * 2])
    ids: dict[str, list[int]] = {}
    for kind, object_id, _at in rows:
        ids.setdefault(kind, []).append(object_id)
    resolved = {key: _kinds[key].resolve(user, pks) for key, pks in ids.items()}
    out = []
    for kind, object_id, viewed_at in rows:
        found = resolved[kind].get(object_id)
        if found is None:
            continue
        text, url = found
        k = _kinds[kind]
        out.append(
            {
                "kind": kind,
                "label": k.label,
                "icon": k.icon,
                "text": text,
                "url": url,
                "viewed_at": viewed_at,
            }
        )
        if len(out) == limit:
            break
    return out


def recent_purge(*, keep_days: int = KEEP_DAYS) -> int:
    """Delete views older than `keep_days` (daily task); a rerun finds nothing more."""
    cutoff = timezone.now() - datetime.timedelta(days=keep_days)
    return RecentView.objects.filter(viewed_at__lt=cutoff).delete()[0]
