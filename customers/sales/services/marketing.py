"""Marketing channels and activities (issue 9 §2): selection and evaluation of channels, activity
invitations within the organiser's book, registration and attendance, follow-ups for attendees,
and results (prospects created, AUM raised) per activity and per channel."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.access import Scope, scope_of
from crm.accounts.permissions import require
from crm.audit.services import record
from crm.core.access import NotFound, ids_among, parse_id
from crm.core.duplicates import refuse_duplicate
from crm.core.texts import stored
from customers.records.models import FollowUpReason, FollowUpTask
from customers.records.selectors import assignable_staff
from customers.sales.access import access_activity
from customers.sales.models import (
    Activity,
    ActivityInvitation,
    Channel,
    ChannelEvaluation,
)
from customers.sales.selectors import channel_results, invitable_customers
from customers.sales.texts import ACTIVITY_FOLLOW_UP

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


# ---- channels -------------------------------------------------------------------------------


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


def channel_evaluate(
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
    require(acting_user, "customers.add_channelevaluation")
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
        # A double submit passes the check above; the constraint refuses the second row.
        with refuse_duplicate(_("This channel has already been evaluated for that period.")):
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


def activity_create(acting_user, activity: Activity) -> Activity:
    require(acting_user, "customers.add_activity")
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


def activity_invite(acting_user, activity: Activity, customer_ids) -> int:
    """Invite customers. All or nothing: one customer outside the organiser's (or the acting
    user's) scope refuses the whole request. Already invited customers are left as they are."""
    require(acting_user, "customers.add_activityinvitation")
    outside = _("Some selected customers are outside the organiser's book; nobody was invited.")
    try:
        # A crafted id ("abc", 10**30) is a customer nobody may invite, not a 500.
        ids = sorted({parse_id(pk) for pk in customer_ids})
    except NotFound as exc:
        raise ValidationError(outside) from exc
    if not ids:
        raise ValidationError(_("Select at least one customer."))
    with transaction.atomic():
        activity = access_activity(acting_user, activity.pk)
        if activity.status != Activity.Status.PLANNED:
            raise ValidationError(_("Invitations are only possible before the activity."))
        allowed = set(
            invitable_customers(activity, acting_user)
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
        if len(allowed) != len(ids):
            raise ValidationError(outside)
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


def invitations_set_status(acting_user, activity: Activity, customer_ids, status: str) -> int:
    """Registration, attendance or a decline for invited customers (one UPDATE)."""
    require(acting_user, "customers.change_activityinvitation")
    if status not in ActivityInvitation.Status.values:
        raise ValidationError(_("Unknown invitation status."))
    ids = ids_among(customer_ids)  # a crafted id is nobody invited
    if not ids:
        raise ValidationError(_("Select at least one customer."))
    with transaction.atomic():
        activity = access_activity(acting_user, activity.pk)
        changes = {"status": status}
        if status in _STATUS_TIME:
            changes[_STATUS_TIME[status]] = timezone.now()
        n = ActivityInvitation.objects.filter(activity=activity, customer_id__in=ids).update(
            **changes
        )
        record(acting_user, "activity.attendance", activity, after={"status": status, "n": n})
    return n


def activity_mark_held(
    acting_user, activity: Activity, *, actual_cost: Decimal | None = None
) -> int:
    """The activity took place: attendees' RMs get a follow-up task each (idempotent per
    attendee by dedupe key). Returns the number of tasks created."""
    require(acting_user, "customers.change_activity")
    with transaction.atomic():
        activity = access_activity(acting_user, activity.pk, for_write=True)
        if activity.status == Activity.Status.CANCELLED:
            raise ValidationError(_("A cancelled activity cannot be held."))
        if actual_cost is not None:
            if actual_cost < 0:
                raise ValidationError({"actual_cost": _("The amount cannot be negative.")})
            activity.actual_cost = actual_cost
        activity.status = Activity.Status.HELD
        activity.save(update_fields=["status", "actual_cost"])
        created = activity_schedule_follow_ups(activity)
        record(acting_user, "activity.held", activity, after={"tasks": created})
    return created


def activity_schedule_follow_ups(activity: Activity) -> int:
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
    params = {"title": activity.title}
    title = stored(ACTIVITY_FOLLOW_UP, params)[:200]
    tasks = [
        FollowUpTask(
            customer_id=pk,
            owner_id=owner,
            reason=FollowUpReason.EVENT,
            due_on=due,
            title=title,
            text_code=ACTIVITY_FOLLOW_UP,
            text_params=params,
            dedupe_key=keys[pk],
        )
        for pk, owner in attendees
        if keys[pk] not in existing
    ]
    FollowUpTask.objects.bulk_create(tasks, ignore_conflicts=True)
    return len(tasks)


def can_organise(user) -> bool:
    return user.has_perm("customers.add_activity") and scope_of(user) >= Scope.OWN
