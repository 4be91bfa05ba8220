"""What tiering puts on the 360 timeline (crm.ui.timeline): value class and VIP level changes
applied by live runs."""

from django.db.models import CharField, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Concat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.ui.registry import TimelineSource
from crm.ui.timeline import project
from customers.records.models import VipLevel

from .models import TierAssignment, TierRun


def _live(qs):
    return qs.filter(run__kind=TierRun.Kind.LIVE, run__status=TierRun.Status.APPLIED)


def _changes(customer_id: int):
    # The VIP level the run before had (assignments keep only the class they replaced): probed
    # by (run, customer), like every per-customer read of assignments.
    previous_vip = (
        _live(TierAssignment.objects.filter(customer_id=OuterRef("customer_id")))
        .filter(run__as_of__lt=OuterRef("run__as_of"))
        .order_by("-run__as_of", "-run_id")
        .values("vip_level")[:1]
    )
    qs = (
        _live(TierAssignment.objects.filter(customer_id=customer_id))
        .annotate(previous_vip=Coalesce(Subquery(previous_vip), Value("")))
        .filter(~Q(applied_class=F("previous_class")) | ~Q(vip_level=F("previous_vip")))
    )
    return project(
        qs,
        source="tier",
        at=Coalesce("run__finished_at", "run__started_at"),
        link="customer_id",
        code=Concat("previous_class", Value(">"), "applied_class", output_field=CharField()),
        detail=Concat("previous_vip", Value(">"), "vip_level", output_field=CharField()),
    )


def _describe(row) -> str:
    before, _sep, after = row["code"].partition(">")
    vip_before, _sep, vip_after = row["detail"].partition(">")
    vip = dict(VipLevel.choices)
    parts = []
    if before != after:
        parts.append(
            _("value class %(before)s → %(after)s") % {"before": before or "—", "after": after}
        )
    if vip_before != vip_after:
        parts.append(
            _("VIP level %(before)s → %(after)s")
            % {"before": vip.get(vip_before, "—"), "after": vip.get(vip_after, vip_after)}
        )
    return _("Tier change: %(changes)s") % {"changes": "; ".join(parts)}


SOURCES = (
    TimelineSource(
        "tier",
        "tiers",
        gettext_lazy("Tier and VIP"),
        _changes,
        _describe,
        "customers:customer-detail",
        anchor="#panel-tiering",
        permission="tiering.view_tierassignment",
        order=50,
    ),
)
