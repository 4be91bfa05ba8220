"""Who may reach which prospect, channel, activity, handover plan, statement, statement run and
survey (the access contract, crm.core.access): `<entity>s_for(user)` and
`access_<entity>(user, pk, *, for_write=False)`. Missing and out-of-scope ids raise the same
NotFound; for_write locks the row (only the row: scope filters join other tables)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from crm.accounts.access import book_filter
from crm.core.access import access_row
from customers.records.access import book_q
from customers.sales.models import (
    Activity,
    Channel,
    HandoverPlan,
    Prospect,
    SatisfactionSurvey,
    Statement,
    StatementRun,
)


def prospects_for(user) -> QuerySet[Prospect]:
    """Prospects owned in the user's book (own, team, branch; all for head office)."""
    return Prospect.objects.filter(book_filter(user))


def access_prospect(user, pk, *, for_write: bool = False) -> Prospect:
    return access_row(
        prospects_for(user),
        pk,
        for_write=for_write,
        read_related=("owner", "channel", "activity", "referred_by", "customer"),
    )


def channels_for(user) -> QuerySet[Channel]:
    """Channels are shared reference data; everybody signed in may read them."""
    return Channel.objects.all()


def access_channel(user, pk, *, for_write: bool = False) -> Channel:
    return access_row(channels_for(user), pk, for_write=for_write)


def activities_for(user) -> QuerySet[Activity]:
    """Activities organised within the user's book (own, team, branch; all for head office)."""
    return Activity.objects.filter(book_filter(user, owner="organiser"))


def access_activity(user, pk, *, for_write: bool = False) -> Activity:
    return access_row(
        activities_for(user),
        pk,
        for_write=for_write,
        read_related=("organiser", "channel", "branch"),
    )


def handover_plans_for(user) -> QuerySet[HandoverPlan]:
    """Plans about staff in the user's team or branch (also once the person is inactive), and
    the plans the user made."""
    scope = book_filter(user, owner="departing", team="departing__team", branch="departing__branch")
    return HandoverPlan.objects.filter(scope | Q(created_by=user))


def access_handover_plan(user, pk, *, for_write: bool = False) -> HandoverPlan:
    return access_row(
        handover_plans_for(user),
        pk,
        for_write=for_write,
        read_related=("departing", "default_successor", "created_by"),
    )


def statements_for(user) -> QuerySet[Statement]:
    """Statements of the customers in the user's book."""
    return Statement.objects.filter(book_q(user, prefix="customer__"))


def access_statement(user, pk, *, for_write: bool = False) -> Statement:
    return access_row(
        statements_for(user).select_related("customer", "owner"), pk, for_write=for_write
    )


def statement_runs_for(user) -> QuerySet[StatementRun]:
    """Generation runs are bank-wide jobs: whoever may generate statements sees them all
    (the view requires customers.add_statement)."""
    return StatementRun.objects.all()


def access_statement_run(user, pk, *, for_write: bool = False) -> StatementRun:
    return access_row(statement_runs_for(user), pk, for_write=for_write)


def surveys_for(user) -> QuerySet[SatisfactionSurvey]:
    return SatisfactionSurvey.objects.filter(book_q(user, prefix="customer__"))


def access_survey(user, pk, *, for_write: bool = False) -> SatisfactionSurvey:
    return access_row(surveys_for(user), pk, for_write=for_write)
