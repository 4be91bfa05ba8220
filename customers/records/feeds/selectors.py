"""Reads for the feed-run pages. Feed runs are not customer data: whoever may view them sees
them all (administrators, compliance, auditors); nobody else sees any."""

from django.db.models import QuerySet

from crm.core.access import access_in
from crm.ui.pagination import keyset_page

from .kinds import REASONS
from .models import FeedRun

ORDERING = ["-received_at", "-id"]


def feedruns_for(user) -> QuerySet:
    if not user.has_perm("customers.view_feedrun"):
        return FeedRun.objects.none()
    return FeedRun.objects.select_related("released_by").defer("errors")


def feedrun_page(user, *, kind: str = "", cursor: str | None = None, size: int = 50):
    qs = feedruns_for(user)
    if kind:
        qs = qs.filter(kind=kind)
    return keyset_page(qs, ORDERING, cursor, size)


def access_feedrun(user, pk, *, for_write: bool = False) -> FeedRun:
    qs = feedruns_for(user).defer(None) if not for_write else FeedRun.objects.all()
    if for_write and not user.has_perm("customers.view_feedrun"):
        qs = FeedRun.objects.none()
    return access_in(qs, pk, lock=for_write)


def error_rows(run: FeedRun) -> list[dict]:
    """The run's reported bad rows with their reasons in the reader's language."""
    rows = []
    for e in run.errors:
        params = e.get("params") or {}
        reason = str(REASONS.get(e["reason"], e["reason"]))
        rows.append({**e, "reason": reason % params if params else reason})
    return rows
