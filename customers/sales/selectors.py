"""Reads of sales and service management, scoped to the user through customers.sales.access
(DESIGN §3): the pipeline board and its filters, lifecycle history, channel and activity
results, handover figures, statement lists, survey summaries."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy

from crm.accounts.access import Scope, scope_of, staff_filter
from crm.accounts.models import Team
from crm.core.access import NotFound, access_in
from customers.records.access import customers_for
from customers.records.models import Customer, FollowUpTask
from customers.records.selectors import assignable_staff, customer_list_qs
from customers.sales.access import (
    handover_plans_for,
    prospects_for,
    statement_runs_for,
    statements_for,
)
from customers.sales.models import (
    Activity,
    ActivityInvitation,
    ChannelEvaluation,
    CustomerLifecycle,
    HandoverItem,
    HandoverPlan,
    LifecycleEvent,
    Prospect,
    SatisfactionSurvey,
    Statement,
)
from customers.sales.workflows import OPEN_STAGES, PROSPECT_FLOW, S, moves_from

# ---- lifecycle ------------------------------------------------------------------------------


def customer_stage(customer) -> str:
    row = CustomerLifecycle.objects.filter(customer=customer).only("stage").first()
    return row.stage if row else S.ACTIVE


def history_of_customer(customer) -> list[LifecycleEvent]:
    return list(customer.lifecycle_events.select_related("actor").order_by("at", "pk"))


def prospect_events(prospect: Prospect) -> list[LifecycleEvent]:
    return list(prospect.events.select_related("actor"))


# ---- pipeline board -------------------------------------------------------------------------

BOARD_COLUMNS = (S.PROSPECT, S.ONBOARDING, S.ACTIVE, S.EXITED)
BOARD_CARDS_PER_COLUMN = 20
# On the board the closed columns read as outcomes of the last 90 days.
BOARD_LABELS = {S.ACTIVE: gettext_lazy("Converted"), S.EXITED: gettext_lazy("Lost")}
RECENT_DAYS = 90


def pipeline_board(user, *, owner=None, team=None) -> dict:
    """Columns with totals and the first cards, in 2 queries whatever the size of the book."""
    qs = prospects_for(user)
    if owner is not None:
        qs = qs.filter(owner=owner)
    if team is not None:
        qs = qs.filter(team=team)
    recent = timezone.now() - datetime.timedelta(days=RECENT_DAYS)
    # Closed columns show the last 90 days only.
    qs = qs.filter(Q(stage__in=OPEN_STAGES) | Q(stage_changed_at__gte=recent))
    totals = {
        row["stage"]: row
        for row in qs.values("stage").annotate(
            n=Count("pk"), aum=Sum("expected_aum"), raised=Sum("aum_raised")
        )
    }
    # One query for the cards: the first N of each column by a window-free union of slices.
    cards = list(
        qs.select_related("owner", "channel", "activity")
        .annotate(
            rank=models.Window(
                models.functions.RowNumber(),
                partition_by=[models.F("stage")],
                order_by=[models.F("next_step_on").asc(nulls_last=True), models.F("pk").asc()],
            )
        )
        .filter(rank__lte=BOARD_CARDS_PER_COLUMN)
        .order_by("stage", "rank")
    )
    columns = []
    for stage in BOARD_COLUMNS:
        t = totals.get(stage, {})
        columns.append(
            {
                "stage": stage,
                "label": BOARD_LABELS.get(stage, S(stage).label),
                "count": t.get("n", 0),
                "aum": t.get("aum") or Decimal(0),
                "raised": t.get("raised") or Decimal(0),
                "cards": [
                    {"prospect": c, "moves": moves_from(PROSPECT_FLOW, c.stage)}
                    for c in cards
                    if c.stage == stage
                ],
            }
        )
    return {"columns": columns}


def board_owner(user, pk):
    """The RM a lead filters the board by: staff within the user's scope, else NotFound."""
    return access_in(get_user_model().objects.filter(staff_filter(user)), pk)


def board_teams(user) -> QuerySet[Team]:
    """The teams a lead or branch head may filter the board by: their own team (team lead), the
    teams of the staff they oversee (branch head, head office); none for an RM."""
    scope = scope_of(user)
    if scope < Scope.TEAM:
        return Team.objects.none()
    if scope is Scope.TEAM:
        return Team.objects.filter(pk=user.team_id)
    return Team.objects.filter(pk__in=assignable_staff(user).values("team_id"))


def board_team(user, pk) -> Team:
    return access_in(board_teams(user), pk)


def board_filter_choices(user) -> dict:
    """The RMs and teams offered in the board's filter fragment."""
    staff = list(assignable_staff(user).select_related("team"))
    teams = sorted({(u.team.name, u.team_id) for u in staff if u.team_id})
    if scope_of(user) is Scope.TEAM and user.team_id:
        teams = [(user.team.name, user.team_id)]
    return {"staff": staff, "teams": teams}


# ---- channels and activities ----------------------------------------------------------------


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


def latest_evaluations(channels) -> dict[int, ChannelEvaluation]:
    """The most recent evaluation of each channel (one query)."""
    latest: dict[int, ChannelEvaluation] = {}
    for evaluation in ChannelEvaluation.objects.filter(channel__in=channels).order_by(
        "channel_id", "-period_end"
    ):
        latest.setdefault(evaluation.channel_id, evaluation)
    return latest


def channel_evaluations(channel) -> list[ChannelEvaluation]:
    return list(channel.evaluations.select_related("evaluated_by"))


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


def invitable_customers(activity: Activity, acting_user=None):
    """The customers that may be invited: the organiser's own scope, nobody else's (and, when
    someone else acts, only those in both books)."""
    qs = customers_for(activity.organiser)
    if acting_user is not None and acting_user.pk != activity.organiser_id:
        qs = qs.filter(pk__in=customers_for(acting_user).values("pk"))
    return qs


def activity_invitations(activity: Activity, user, *, limit: int = 500):
    """The invitations of customers in the user's book."""
    return list(
        activity.invitations.filter(customer__in=customers_for(user))
        .select_related("customer", "customer__owner")
        .order_by("customer__number")[:limit]
    )


def invite_candidates(activity: Activity, qs: QuerySet[Customer]) -> QuerySet[Customer]:
    """The customer list of the invite page, each marked "invited" or not."""
    return customer_list_qs(qs).annotate(
        invited=Exists(
            ActivityInvitation.objects.filter(activity=activity, customer=OuterRef("pk"))
        )
    )


# ---- handover -------------------------------------------------------------------------------


def staff_in_scope(user):
    """Staff whose handover this user may plan (team lead: the team; branch head: the branch)."""
    return get_user_model().objects.filter(staff_filter(user)).exclude(pk=user.pk)


def handover_person(user, pk):
    """Someone whose handover the user may see: staff in scope, or a person who has left but
    whose plan is in scope. NotFound otherwise."""
    person = get_user_model().objects.filter(pk=pk).first()
    in_scope = person is not None and (
        staff_in_scope(user).filter(pk=pk).exists()
        or handover_plans_for(user).filter(departing_id=pk).exists()
    )
    if not in_scope:
        raise NotFound
    return person


def handover_plan_of(user, person) -> HandoverPlan | None:
    return (
        handover_plans_for(user)
        .filter(departing=person)
        .select_related("departing", "default_successor", "created_by")
        .first()
    )


def handover_plan_list(user, *, limit: int = 100) -> list[HandoverPlan]:
    return list(
        handover_plans_for(user).select_related("departing", "default_successor", "created_by")[
            :limit
        ]
    )


def handover_items(plan: HandoverPlan) -> QuerySet[HandoverItem]:
    """The plan's customers for the keyset-paged list."""
    return (
        HandoverItem.objects.filter(plan=plan)
        .select_related("customer", "successor")
        .only(
            "pk",
            "note",
            "customer__id",
            "customer__number",
            "customer__name",
            "customer__aum",
            "customer__vip_level",
            "successor__username",
            "successor__display_name",
            "successor__first_name",
            "successor__last_name",
        )
    )


def successor_counts(plan) -> list[dict]:
    """How many customers each successor receives (one query)."""
    rows = (
        HandoverItem.objects.filter(plan=plan)
        .annotate(to=Coalesce("successor", "plan__default_successor"))
        .values("to")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    users = get_user_model().objects.in_bulk([r["to"] for r in rows])
    return [{"user": users.get(r["to"]), "count": r["n"]} for r in rows]


def leftovers(departing) -> dict:
    """What the departing person still owns; all zero means nothing is left unowned."""
    return {
        "customers": Customer.objects.filter(owner=departing).count(),
        "tasks": FollowUpTask.objects.filter(
            owner=departing, status=FollowUpTask.Status.OPEN
        ).count(),
        "prospects": Prospect.objects.filter(owner=departing, stage__in=OPEN_STAGES).count(),
    }


# ---- statements and surveys -----------------------------------------------------------------


def statement_list(user, status: str | None) -> QuerySet[Statement]:
    qs = statements_for(user).select_related("customer", "owner")
    if status in Statement.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-period_start", "-pk")


def statement_runs(user) -> list:
    return list(statement_runs_for(user).order_by("-started_at")[:10])


def customer_statements(customer, limit=6) -> list[Statement]:
    return list(Statement.objects.filter(customer=customer).order_by("-period_start")[:limit])


def survey_summary(customer) -> dict:
    agg = SatisfactionSurvey.objects.filter(customer=customer).aggregate(
        avg=Avg("score"), n=Count("pk")
    )
    recent = list(customer.surveys.select_related("recorded_by").order_by("-recorded_at")[:5])
    return {"average": agg["avg"], "count": agg["n"], "recent": recent}


def list_page_size() -> int:
    return settings.FIDUCIA["LIST_PAGE_SIZE"]
