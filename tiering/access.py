"""Who sees which tiering rows (crm.core.access contract). Policies and runs are bank-wide (their
pages are guarded by permissions); assignments and overrides belong to a customer and follow the
user's book. Missing and out-of-scope rows are the same NotFound (404)."""

from __future__ import annotations

from django.db.models import QuerySet

from crm.core.access import access_in, access_row
from customers.records.access import book_q

from .models import TierAssignment, TierOverride, TierPolicy, TierRun


def policies_for(user) -> QuerySet[TierPolicy]:
    return TierPolicy.objects.all()


def access_policy(user, pk, *, for_write: bool = False) -> TierPolicy:
    return access_in(policies_for(user), pk, lock=for_write)


def runs_for(user, *, kind: str | None = None) -> QuerySet[TierRun]:
    qs = TierRun.objects.all()
    return qs.filter(kind=kind) if kind else qs


def access_run(user, pk, *, kind: str | None = None, for_write: bool = False) -> TierRun:
    qs = runs_for(user, kind=kind)
    return access_in(qs if for_write else qs.select_related("policy"), pk, lock=for_write)


def assignments_for(user) -> QuerySet[TierAssignment]:
    return TierAssignment.objects.filter(book_q(user, "customer__"))


def overrides_for(user) -> QuerySet[TierOverride]:
    return TierOverride.objects.filter(book_q(user, "customer__"))


def access_override(user, pk, *, for_write: bool = False) -> TierOverride:
    return access_row(overrides_for(user), pk, for_write=for_write)
