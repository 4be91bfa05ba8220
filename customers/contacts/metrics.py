"""Team figures for the KPI dashboard (crm.ui.registry metrics): set-based, a fixed number of
queries whatever the number of staff."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from customers.contacts.models import Interaction
from customers.records.models import Customer, FollowUpReason, FollowUpTask


def _ids(users) -> list[int]:
    return [u if isinstance(u, int) else u.pk for u in users]


def _bounds(start: datetime.date, end: datetime.date):
    tz = timezone.get_current_timezone()
    lo = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    hi = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return lo, hi


def contacts_made(users, start: datetime.date, end: datetime.date) -> dict[int, int]:
    """Interactions a staff member took part in, occurring between start and end (inclusive)."""
    ids = _ids(users)
    lo, hi = _bounds(start, end)
    rows = (
        Interaction.staff.through.objects.filter(
            user_id__in=ids, interaction__occurred_at__gte=lo, interaction__occurred_at__lt=hi
        )
        .values("user_id")
        .annotate(n=Count("interaction_id", distinct=True))
        .values_list("user_id", "n")
    )
    out = dict.fromkeys(ids, 0)
    out.update(dict(rows))
    return out


def contacts_made_monthly(users, start, end) -> dict[tuple[int, datetime.date], int]:
    """contacts_made for each month between start and end, in one query."""
    from crm.ui.registry import per_owner_month

    lo, hi = _bounds(start, end)
    # (interaction, user) is unique in the M2M table, so no DISTINCT (which would sort).
    return per_owner_month(
        Interaction.staff.through.objects.filter(
            user_id__in=_ids(users),
            interaction__occurred_at__gte=lo,
            interaction__occurred_at__lt=hi,
        ),
        "user_id",
        "interaction__occurred_at",
        Count("interaction_id"),
    )


def cadence_coverage(users, start: datetime.date, end: datetime.date) -> dict[int, float]:
    """Share (%) of a staff member's active customers with no open cadence task, i.e. within
    their service cadence at the time of asking (a snapshot; the period is not used). One query."""
    ids = _ids(users)
    out_of_cadence = FollowUpTask.objects.filter(
        customer=OuterRef("pk"),
        status=FollowUpTask.Status.OPEN,
        reason=FollowUpReason.CADENCE,
    )
    rows = (
        Customer.objects.filter(owner_id__in=ids, is_active=True)
        .values("owner_id")
        .annotate(n=Count("pk"), gaps=Count("pk", filter=Q(Exists(out_of_cadence))))
        .values_list("owner_id", "n", "gaps")
    )
    owned, gaps = {}, {}
    for owner_id, n, gap in rows:
        owned[owner_id], gaps[owner_id] = n, gap
    out = {}
    for uid in ids:
        total = owned.get(uid, 0)
        out[uid] = round(100.0 * (total - gaps.get(uid, 0)) / total, 1) if total else 100.0
    return out


def register() -> None:
    from django.utils.translation import gettext_lazy as _

    from crm.ui.registry import Metric, register_metric

    register_metric(
        Metric(
            "contacts_made",
            _("Contacts made"),
            contacts_made,
            order=20,
            monthly=contacts_made_monthly,
            additive=True,
        )
    )
    register_metric(
        Metric(
            "cadence_coverage",
            _("Cadence coverage"),
            cadence_coverage,
            unit="%",
            point_in_time=True,
            order=21,
            aggregate="mean",
        )
    )


__all__ = [
    "cadence_coverage",
    "contacts_made",
    "contacts_made_monthly",
    "register",
]
