"""Marketing channels and activities (issue 9 §2): selection and evaluation of channels, activity
invitations within the organiser's book, registration and attendance, follow-ups for attendees,
and results (prospects created, AUM raised) per activity and per channel."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.access import Scope, book_filter, is_read_only, scope_of
from crm.audit.services import record
from customers.records.models import FollowUpReason, FollowUpTask
from customers.records.selectors import assignable_staff, customers_for
from customers.sales.models import (
    Activity,
    ActivityInvitation,
    Channel,
    ChannelEvaluation,
    Prospect,
)

# Weights of the four evaluation scores (sum 1); a compliance score of 2 or less means review.
EVALUATION_WEIGHTS = {
    "volume_score": Decimal("0.30"),
    "quality_score": Decimal("0.30"),
    "compliance_score": Decimal("0.25"),
    "service_score": Decimal("0.15"),
}
RATING_A = Decimal("4.00")
RATING_B = Decimal("3.00")
ATTENDEE_FOLLOW_UP_DAYS = 3


def _require(user, perm: str) -> None:
    if is_read_only(user) or not user.has_perm(perm):
        raise PermissionDenied(_("You may not do this."))


# ---- channels -------------------------------------------------------------------------------


def channels_for(user):
    """Channels are shared reference data; everybody signed in may read them."""
    return Channel.objects.all()


def overall_score(scores: dict) -> Decimal:
    total = sum(Decimal(scores[k]) * w for k, w in EVALUATION_WEIGHTS.items())
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rating_for(overall: Decimal, compliance: int) -> str:
    if compliance <= 2 or overall < RATING_B:
        return ChannelEvaluation.Rating.POOR
    return (
        ChannelEvaluation.Rating.EXCELLENT
        if overall >= RATING_A
        else ChannelEvaluation.Rating.ADEQUATE
    )


def channel_results(channels=None, *, start=None, end=None) -> dict[int, dict]:
    """Prospects created and AUM raised per channel, directly or through its activities
    (one query)."""
    cond = Q()
    if start:
        cond &= Q(created_at__date__gte=start)
    if end:
        cond &= Q(created_at__date__lte=end)
    qs = Prospect.objects.filter(cond).filter(
        Q(channel__isnull=False) | Q(activity__channel__isnull=False)
    )
    if channels is not None:
        ids = [c.pk for c in channels]
        qs = qs.filter(Q(channel_id__in=ids) | Q(activity__channel_id__in=ids))
    out: dict[int, dict] = {}
    rows = qs.values("channel_id", "activity__channel_id").annotate(
        n=Count("pk"), won=Count("pk", filter=Q(customer__isnull=False)), aum=Sum("aum_raised")
    )
    for row in rows:
        key = row["channel_id"] or row["activity__channel_id"]
        agg = out.setdefault(key, {"prospects": 0, "won": 0, "aum": Decimal(0)})
        agg["prospects"] += row["n"]
        agg["won"] += row["won"]
        agg["aum"] += row["aum"] or Decimal(0)
    return out


def evaluate_channel(
    acting_user,
    channel: Channel,
    *,
    period_start: datetime.date,
    period_end: datetime.date,
    scores: dict,
    comment: str = "",
) -> ChannelEvaluation:
    """Record one periodic evaluation; the overall score and rating are computed, the results of
    the period (prospects, AUM raised) are taken from the pipeline."""
    _require(acting_user, "customers.add_channelevaluation")
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period cannot end before it starts.")})
    clean = {}
    for key in EVALUATION_WEIGHTS:
        try:
            value = int(scores.get(key))
        except (TypeError, ValueError):
            value = 0
        if not 1 <= value <= 5:
            raise ValidationError({key: _("Scores are whole numbers from 1 to 5.")})
        clean[key] = value
    overall = overall_score(clean)
    results = channel_results([channel], start=period_start, end=period_end).get(channel.pk, {})
    with transaction.atomic():
        if ChannelEvaluation.objects.filter(channel=channel, period_end=period_end).exists():
            raise ValidationError(_("This channel has already been evaluated for that period."))
        evaluation = ChannelEvaluation.objects.create(
            channel=channel,
            period_start=period_start,
            period_end=period_end,
            overall=overall,
            rating=rating_for(overall, clean["compliance_score"]),
            prospects=results.get("prospects", 0),
            aum_raised=results.get("aum", Decimal(0)),
            comment=(comment or "").strip(),
            evaluated_by=acting_user,
            **clean,
        )
        record(
            acting_user,
            "channel.evaluated",
            channel,
            after={"overall": str(overall), "rating": evaluation.rating, **clean},
        )
    return evaluation


# ---- activities -----------------------------------------------------------------------------


def activities_for(user):
    """Activities organised within the user's book (own, team, branch; all for head office)."""
    return Activity.objects.filter(book_filter(user, owner="organiser")).select_related(
        "organiser", "channel", "branch"
    )


def get_activity_for(user, pk) -> Activity:
    activity = activities_for(user).filter(pk=pk).first()
    if activity is None:
        raise Activity.DoesNotExist
    return activity


def create_activity(acting_user, activity: Activity) -> Activity:
    _require(acting_user, "customers.add_activity")
    if not assignable_staff(acting_user).filter(pk=activity.organiser_id).exists():
        raise ValidationError({"organiser": _("You cannot make this person the organiser.")})
    if (activity.budget or 0) < 0 or (activity.actual_cost or 0) < 0:
        raise ValidationError({"budget": _("The amount cannot be negative.")})
    activity.branch_id = activity.organiser.branch_id
    activity.team_id = activity.organiser.team_id
    with transaction.atomic():
        activity.save()
        record(
            acting_user,
            "activity.created",
            activity,
            after={"kind": activity.kind, "budget": str(activity.budget)},
        )
    return activity


def invitable_customers(activity: Activity, acting_user=None):
    """The customers that may be invited: the organiser's own scope, nobody else's (and, when
    someone else acts, only those in both books)."""
    qs = customers_for(activity.organiser)
    if acting_user is not None and acting_user.pk != activity.organiser_id:
        qs = qs.filter(pk__in=customers_for(acting_user).values("pk"))
    return qs


def invite(acting_user, activity: Activity, customer_ids) -> int:
    """Invite customers. All or nothing: one customer outside the organiser's (or the acting
    user's) scope refuses the whole request. Already invited customers are left as they are."""
    _require(acting_user, "customers.add_activityinvitation")
    ids = sorted({int(pk) for pk in customer_ids})
    if not ids:
        raise ValidationError(_("Select at least one customer."))
    with transaction.atomic():
        activity = get_activity_for(acting_user, activity.pk)
        if activity.status != Activity.Status.PLANNED:
            raise ValidationError(_("Invitations are only possible before the activity."))
        allowed = set(
            invitable_customers(activity, acting_user)
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
        if len(allowed) != len(ids):
            raise ValidationError(
                _("Some selected customers are outside the organiser's book; nobody was invited.")
            )
        created = ActivityInvitation.objects.bulk_create(
            [
                ActivityInvitation(activity=activity, customer_id=pk, invited_by=acting_user)
                for pk in ids
            ],
            ignore_conflicts=True,
        )
        record(
            acting_user,
            "activity.invited",
            activity,
            after={"customers": ids[:1000], "n": len(ids)},
        )
    return len(created)


_STATUS_TIME = {
    ActivityInvitation.Status.REGISTERED: "registered_at",
    ActivityInvitation.Status.ATTENDED: "attended_at",
}


def set_status(acting_user, activity: Activity, customer_ids, status: str) -> int:
    """Registration, attendance or a decline for invited customers (one UPDATE)."""
    _require(acting_user, "customers.change_activityinvitation")
    if status not in ActivityInvitation.Status.values:
        raise ValidationError(_("Unknown invitation status."))
    ids = {int(pk) for pk in customer_ids}
    if not ids:
        raise ValidationError(_("Select at least one customer."))
    with transaction.atomic():
        activity = get_activity_for(acting_user, activity.pk)
        changes = {"status": status}
        if status in _STATUS_TIME:
            changes[_STATUS_TIME[status]] = timezone.now()
        n = ActivityInvitation.objects.filter(activity=activity, customer_id__in=ids).update(
            **changes
        )
        record(acting_user, "activity.attendance", activity, after={"status": status, "n": n})
    return n


def mark_held(acting_user, activity: Activity, *, actual_cost: Decimal | None = None) -> int:
    """The activity took place: attendees' RMs get a follow-up task each (idempotent per
    attendee by dedupe key). Returns the number of tasks created."""
    _require(acting_user, "customers.change_activity")
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(
            pk=get_activity_for(acting_user, activity.pk).pk
        )
        if activity.status == Activity.Status.CANCELLED:
            raise ValidationError(_("A cancelled activity cannot be held."))
        if actual_cost is not None:
            if actual_cost < 0:
                raise ValidationError({"actual_cost": _("The amount cannot be negative.")})
            activity.actual_cost = actual_cost
        activity.status = Activity.Status.HELD
        activity.save(update_fields=["status", "actual_cost"])
        created = schedule_attendee_follow_ups(activity)
        record(acting_user, "activity.held", activity, after={"tasks": created})
    return created


def schedule_attendee_follow_ups(activity: Activity) -> int:
    """Set-based: existing keys in one query, the missing tasks in one bulk insert."""
    attendees = list(
        activity.invitations.filter(status=ActivityInvitation.Status.ATTENDED).values_list(
            "customer_id", "customer__owner_id"
        )
    )
    keys = {pk: f"activity:{activity.pk}:attendee:{pk}" for pk, _owner in attendees}
    existing = set(
        FollowUpTask.objects.filter(dedupe_key__in=keys.values()).values_list(
            "dedupe_key", flat=True
        )
    )
    due = timezone.localdate() + datetime.timedelta(days=ATTENDEE_FOLLOW_UP_DAYS)
    title = (_("Follow-up after activity: %(title)s") % {"title": activity.title})[:200]
    tasks = [
        FollowUpTask(
            customer_id=pk,
            owner_id=owner,
            reason=FollowUpReason.EVENT,
            due_on=due,
            title=title,
            dedupe_key=keys[pk],
        )
        for pk, owner in attendees
        if keys[pk] not in existing
    ]
    FollowUpTask.objects.bulk_create(tasks, ignore_conflicts=True)
    return len(tasks)


def activity_results(activities) -> dict[int, dict]:
    """Invited / registered / attended, prospects created, converted, AUM raised (2 queries)."""
    ids = [a.pk for a in activities]
    out = {
        pk: {
            "invited": 0,
            "registered": 0,
            "attended": 0,
            "prospects": 0,
            "won": 0,
            "aum": Decimal(0),
        }
        for pk in ids
    }
    for row in (
        ActivityInvitation.objects.filter(activity_id__in=ids)
        .values("activity_id")
        .annotate(
            invited=Count("pk"),
            registered=Count("pk", filter=Q(status__in=["registered", "attended"])),
            attended=Count("pk", filter=Q(status="attended")),
        )
    ):
        out[row["activity_id"]].update(
            invited=row["invited"], registered=row["registered"], attended=row["attended"]
        )
    for row in (
        Prospect.objects.filter(activity_id__in=ids)
        .values("activity_id")
        .annotate(
            n=Count("pk"), won=Count("pk", filter=Q(customer__isnull=False)), aum=Sum("aum_raised")
        )
    ):
        out[row["activity_id"]].update(
            prospects=row["n"], won=row["won"], aum=row["aum"] or Decimal(0)
        )
    for activity in activities:
        r = out[activity.pk]
        r["cost_per_prospect"] = (
            (activity.actual_cost or activity.budget) / r["prospects"] if r["prospects"] else None
        )
    return out


def can_organise(user) -> bool:
    return (
        not is_read_only(user)
        and user.has_perm("customers.add_activity")
        and scope_of(user) >= Scope.OWN
    )
