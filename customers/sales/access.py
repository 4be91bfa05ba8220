"""Who may reach which prospect, channel, activity, handover plan, statement, statement run and
survey (the access contract, crm.core.access): `<entity>s_for(user)` and
`access_<entity>(user, pk, *, for_write=False)`. Missing and out-of-scope ids raise the same
NotFound; for_write locks the row (only the row: scope filters join other tables)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from crm.accounts.access import book_filter
from crm.core.access import access_in
from customers.records.selectors import book_q
from customers.sales.models import (
    Activity,
    Channel,
    HandoverPlan,
    Prospect,
    SatisfactionSurvey,
    Statement,
    StatementRun,
)


def _access(queryset: QuerySet, pk, for_write: bool):
    if for_write:
        return access_in(queryset.select_for_update(of=("self",)), pk)
    return access_in(queryset, pk)


def prospects_for(user) -> QuerySet[Prospect]:
    """Prospects owned in the user's book (own, team, branch; all for head office)."""
    return Prospect.objects.filter(book_filter(user))


def access_prospect(user, pk, *, for_write: bool = False) -> Prospect:
    qs = prospects_for(user)
    if not for_write:
        qs = qs.select_related("owner", "channel", "activity", "referred_by", "customer")
    return _access(qs, pk, for_write)


def channels_for(user) -> QuerySet[Channel]:
    """Channels are shared reference data; everybody signed in may read them."""
    return Channel.objects.all()


def access_channel(user, pk, *, for_write: bool = False) -> Channel:
    return _access(channels_for(user), pk, for_write)


def activities_for(user) -> QuerySet[Activity]:
    """Activities organised within the user's book (own, team, branch; all for head office)."""
    return Activity.objects.filter(book_filter(user, owner="organiser"))


def access_activity(user, pk, *, for_write: bool = False) -> Activity:
    qs = activities_for(user)
    if not for_write:
        qs = qs.select_related("organiser", "channel", "branch")
    return _access(qs, pk, for_write)


def handover_plans_for(user) -> QuerySet[HandoverPlan]:
    """Plans about staff in the user's team or branch (also once the person is inactive), and
    the plans the user made."""
    scope = book_filter(user, owner="departing", team="departing__team", branch="departing__branch")
    return HandoverPlan.objects.filter(scope | Q(created_by=user))


def access_handover_plan(user, pk, *, for_write: bool = False) -> HandoverPlan:
    qs = handover_plans_for(user)
    if not for_write:
        qs = qs.select_related("departing", "default_successor", "created_by")
    return _access(qs, pk, for_write)


def statements_for(user) -> QuerySet[Statement]:
    """Statements of the customers in the user's book."""
    return Statement.objects.filter(book_q(user, prefix="customer__"))


def access_statement(user, pk, *, for_write: bool = False) -> Statement:
    return _access(statements_for(user).select_related("customer", "owner"), pk, for_write)


def statement_runs_for(user) -> QuerySet[StatementRun]:
    """Generation runs are bank-wide jobs: whoever may generate statements sees them all
    (the view requires customers.add_statement)."""
    return StatementRun.objects.all()


def access_statement_run(user, pk, *, for_write: bool = False) -> StatementRun:
    return _access(statement_runs_for(user), pk, for_write)


def surveys_for(user) -> QuerySet[SatisfactionSurvey]:
    return SatisfactionSurvey.objects.filter(book_q(user, prefix="customer__"))


def access_survey(user, pk, *, for_write: bool = False) -> SatisfactionSurvey:
    return _access(surveys_for(user), pk, for_write)
