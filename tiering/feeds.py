"""Tiering's side of the core-banking feeds: after a month's aggregates (or a holdings snapshot,
which moves AUM and so VIP levels) load, the tier run for that month can start, at once when
FIDUCIA_FEEDS["AUTO_TIER_RUN"] says so, otherwise from the feed-run page (records asks through
the providers registered here, never importing tiering)."""

import calendar
import datetime

from django.urls import reverse

from crm.accounts.permissions import require
from crm.core import outbox
from crm.core.config import fiducia

from .models import TierRun

FEED_KINDS = ("aggregates", "holdings")
START_PERMISSION = "tiering.publish_tierpolicy"


def as_of_for(kind: str, business_date: datetime.date) -> datetime.date:
    """Aggregates: the last day of their month. Holdings: the last complete month's end, or the
    latest applied run's date if later (an earlier date cannot be recalculated)."""
    if kind == "aggregates":
        last = calendar.monthrange(business_date.year, business_date.month)[1]
        return business_date.replace(day=last)
    previous = business_date.replace(day=1) - datetime.timedelta(days=1)
    latest = (
        TierRun.objects.filter(kind=TierRun.Kind.LIVE, status=TierRun.Status.APPLIED)
        .order_by("-as_of")
        .values_list("as_of", flat=True)
        .first()
    )
    return max(previous, latest) if latest else previous


def tier_run_for_feed(kind: str, business_date: datetime.date) -> dict | None:
    """What the feed-run page shows: the run's date, whether it is applied, where to see it."""
    if kind not in FEED_KINDS:
        return None
    as_of = as_of_for(kind, business_date)
    run = (
        TierRun.objects.filter(kind=TierRun.Kind.LIVE, as_of=as_of)
        .order_by("-pk")
        .only("status", "finished_at")
        .first()
    )
    return {
        "as_of": as_of,
        "status": run.get_status_display() if run else "",
        "url": reverse("tiering:report-list"),
        "permission": START_PERMISSION,
    }


def tier_run_start(kind: str, business_date: datetime.date, *, acting_user) -> datetime.date:
    """Queue the tier run a feed calls for (recomputed: AUM or aggregates have moved)."""
    require(acting_user, START_PERMISSION)
    as_of = as_of_for(kind, business_date)
    from .tasks import run_after_feed

    outbox.enqueue(run_after_feed, as_of.isoformat())
    return as_of


def on_feed_loaded(sender, run, **kwargs) -> None:
    if run.kind in FEED_KINDS and fiducia("FEEDS", "AUTO_TIER_RUN"):
        from .tasks import run_after_feed

        outbox.enqueue(run_after_feed, as_of_for(run.kind, run.business_date).isoformat())
