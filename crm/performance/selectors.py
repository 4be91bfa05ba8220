"""Reads for the team dashboard, the staff drill-down and the training reports.

Every read is scoped by `crm.accounts.access.staff_filter(user)`: an RM sees only themselves, a
team lead their team, a branch head their branch and its sub-branches. Figures come from the
metric registry (`crm.ui.registry.metrics()`); each Metric.compute is set-based, so the number
of queries does not grow with the size of the team.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.db.models.lookups import LessThan
from django.http import Http404
from django.utils import timezone

from crm.accounts import roles
from crm.accounts.access import staff_filter
from crm.ui.registry import Metric, metrics

from .models import Course, Target, TrainingRecord, add_months
from .periods import Period

# Whose figures the dashboard shows and of whom mandatory courses are required.
CLIENT_FACING_ROLES = (roles.RELATIONSHIP_MANAGER, roles.TEAM_LEAD, roles.BRANCH_HEAD)
DASHBOARD_ROLES = (roles.RELATIONSHIP_MANAGER, roles.TEAM_LEAD)
# New joiners have this long to complete a mandatory course they have never taken.
NEW_JOINER_GRACE_DAYS = 30


# ---- staff in scope ---------------------------------------------------------------------------


def _with_roles(qs, role_names):
    User = get_user_model()
    in_role = Group.objects.filter(name__in=role_names, user=OuterRef("pk"))
    return qs.filter(Exists(in_role)) if role_names else qs.filter(pk__in=User.objects.none())


def staff_qs(user, role_names=DASHBOARD_ROLES):
    """Staff members in `user`'s scope who hold one of `role_names`."""
    User = get_user_model()
    qs = User.objects.filter(staff_filter(user))
    return (
        _with_roles(qs, role_names)
        .select_related("team", "branch")
        .order_by("branch__path", "team__name", "employee_no", "username", "pk")
    )


def overdue_courses(today: datetime.date):
    """Mandatory courses the outer query's staff member (OuterRef "pk") is overdue on: no valid
    completion today, and either a lapsed one or never completed past the due date."""
    member = OuterRef(OuterRef("pk"))
    completed = TrainingRecord.objects.filter(
        user=member, course=OuterRef("pk"), completed_on__isnull=False
    )
    valid = completed.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
    joined_before = timezone.make_aware(
        datetime.datetime.combine(
            today - datetime.timedelta(days=NEW_JOINER_GRACE_DAYS), datetime.time.min
        )
    )
    past_due = Q(LessThan(OuterRef("date_joined"), joined_before)) & (
        Q(mandatory_from__isnull=True) | Q(mandatory_from__lt=today)
    )
    return Course.objects.filter(mandatory=True, is_active=True).filter(
        ~Exists(valid) & (Exists(completed) | past_due)
    )


def staff_for(user, *, today: datetime.date | None = None) -> list:
    """The dashboard's staff, each flagged (in the same query) with `compliance_lapsed` and
    `training_overdue` for mandatory courses."""
    today = today or timezone.localdate()
    overdue = overdue_courses(today)
    return list(
        staff_qs(user).annotate(
            compliance_lapsed=Exists(overdue.filter(kind=Course.Kind.COMPLIANCE)),
            training_overdue=Exists(overdue),
        )
    )


def get_staff_for(user, pk: int):
    """One staff member of the dashboard, or 404 outside the user's scope."""
    member = staff_qs(user, CLIENT_FACING_ROLES).filter(pk=pk).first()
    if member is None:
        raise Http404
    return member


# ---- targets and figures ----------------------------------------------------------------------


def targets_for(users, teams, period: Period) -> tuple[dict, dict]:
    """({(user_id, metric_key): value}, {(team_id, metric_key): value}) for exactly `period`."""
    subject = Q(user_id__in=[u.pk for u in users]) | Q(team_id__in=[t.pk for t in teams])
    rows = Target.objects.filter(subject, year=period.year, quarter=period.quarter).values_list(
        "user_id", "team_id", "metric_key", "value"
    )
    by_user, by_team = {}, {}
    for user_id, team_id, key, value in rows:
        if user_id:
            by_user[(user_id, key)] = value
        else:
            by_team[(team_id, key)] = value
    return by_user, by_team


def _number(value):
    if value is None:
        return None
    return value if isinstance(value, int | Decimal) else Decimal(str(value))


def combine(metric: Metric, values: list):
    """Team figure from members' figures: sum for counts and amounts, mean for rates."""
    present = [v for v in values if v is not None]
    if metric.aggregate == "mean":
        if not present:
            return None
        return (sum(Decimal(str(v)) for v in present) / len(present)).quantize(Decimal("0.01"))
    return sum(present, 0)


@dataclass
class Figure:
    metric: Metric
    actual: object = None
    target: object = None

    @property
    def attainment(self) -> Decimal | None:
        """Percentage of the target reached (for lower-is-better metrics: target ÷ actual)."""
        if self.target is None or self.actual is None:
            return None
        target, actual = Decimal(str(self.target)), Decimal(str(self.actual))
        if self.metric.higher_is_better:
            if target == 0:
                return None
            return (actual / target * 100).quantize(Decimal("0.1"))
        if actual == 0:
            return Decimal(100) if target >= 0 else None
        return (target / actual * 100).quantize(Decimal("0.1"))

    @property
    def met(self) -> bool | None:
        if self.target is None or self.actual is None:
            return None
        if self.metric.higher_is_better:
            return Decimal(str(self.actual)) >= Decimal(str(self.target))
        return Decimal(str(self.actual)) <= Decimal(str(self.target))


@dataclass
class Row:
    label: str
    user: object = None
    team: object = None
    figures: list[Figure] = field(default_factory=list)
    members: int = 0

    @property
    def compliance_lapsed(self) -> bool:
        """Mandatory compliance training lapsed (or never completed past its due date)."""
        return bool(getattr(self.user, "compliance_lapsed", False))

    @property
    def training_overdue(self) -> bool:
        return bool(getattr(self.user, "training_overdue", False))


@dataclass
class Dashboard:
    period: Period
    metrics: list[Metric]
    rows: list[Row]
    teams: list[Row]
    total: Row


def figures_by_metric(users, period: Period, metric_list=None) -> dict[str, dict]:
    """{metric_key: {user_id: value}} — one compute call per metric for all `users`."""
    metric_list = metrics() if metric_list is None else metric_list
    if not users:
        return {m.key: {} for m in metric_list}
    return {m.key: m.compute(list(users), period.start, period.end) or {} for m in metric_list}


def _staff_rows(staff, period, metric_list, today, user_targets) -> list[Row]:
    values = figures_by_metric(staff, period, metric_list)
    rows = []
    for member in staff:
        row = Row(str(member), user=member)
        for metric in metric_list:
            actual = _number(values[metric.key].get(member.pk))
            if actual is None and metric.aggregate == "sum":
                actual = 0
            row.figures.append(Figure(metric, actual, user_targets.get((member.pk, metric.key))))
        rows.append(row)
    return rows


def staff_figures(member, period: Period, *, today=None) -> Row:
    # The drill-down lists the member's courses itself (training_state); no flags needed here.
    """One staff member's figures vs targets (the drill-down's header)."""
    user_targets, _team_targets = targets_for([member], [], period)
    return _staff_rows([member], period, metrics(), today, user_targets)[0]


def dashboard(user, period: Period, *, today: datetime.date | None = None) -> Dashboard:
    """Each staff member's figure for every registered metric vs target, team and overall totals,
    and lapsed mandatory training: 2 queries (staff with training flags, targets) plus each
    metric's own fixed number."""
    staff = staff_for(user, today=today)
    metric_list = metrics()
    teams = {m.team_id: m.team for m in staff if m.team_id}
    user_targets, team_targets = targets_for(staff, list(teams.values()), period)
    rows = _staff_rows(staff, period, metric_list, today, user_targets)

    def total_row(label, members, team=None):
        row = Row(label, team=team, members=len(members))
        for index, metric in enumerate(metric_list):
            actual = combine(metric, [r.figures[index].actual for r in members])
            target = team_targets.get((team.pk, metric.key)) if team is not None else None
            row.figures.append(Figure(metric, actual, target))
        return row

    team_rows = [
        total_row(team.name, [r for r in rows if r.user.team_id == team_id], team=team)
        for team_id, team in teams.items()
    ]
    total = total_row("", rows)
    # The overall target is the sum of the team targets where every team has one (sum metrics).
    for index, metric in enumerate(metric_list):
        team_values = [t.figures[index].target for t in team_rows]
        if metric.aggregate == "sum" and team_values and all(v is not None for v in team_values):
            total.figures[index].target = sum(team_values, Decimal(0))
    return Dashboard(period, metric_list, rows, team_rows, total)


def monthly_trend(member, period: Period, *, today: datetime.date | None = None) -> dict:
    """{metric_key: [(month, value), …]} for the months of `period` that have started.
    One compute call per metric and month (a fixed number, whatever the team size)."""
    today = today or timezone.localdate()
    trend = {}
    months = period.months_until(today)
    for metric in metrics():
        series = []
        for month in months:
            value = _number(
                (metric.compute([member], month, _month_end(month)) or {}).get(member.pk)
            )
            if value is None and metric.aggregate == "sum":
                value = 0
            series.append((month, value))
        trend[metric.key] = series
    return trend


def _month_end(month: datetime.date) -> datetime.date:
    return add_months(month, 1) - datetime.timedelta(days=1)


# ---- training ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingIssue:
    """A mandatory course that a staff member is overdue on (or soon will be)."""

    user_id: int
    course: Course
    status: str  # "lapsed" (expired), "missing" (never completed), "expiring"
    since: datetime.date | None  # expiry date, or the date completion was due

    @property
    def overdue(self) -> bool:
        return self.status in ("lapsed", "missing")


def mandatory_courses() -> list[Course]:
    return list(Course.objects.filter(mandatory=True, is_active=True).order_by("kind", "code"))


def training_state(users, *, today=None, courses=None) -> list[TrainingIssue]:
    """Every mandatory-course issue of `users` — two queries whatever their number."""
    today = today or timezone.localdate()
    courses = mandatory_courses() if courses is None else courses
    if not users or not courses:
        return []
    latest = {
        (r["user_id"], r["course_id"]): r
        for r in TrainingRecord.objects.filter(
            user_id__in=[u.pk for u in users],
            course__in=courses,
            completed_on__isnull=False,
        )
        .values("user_id", "course_id")
        .annotate(
            last_expiry=Max("expires_on"),
            never_expiring=Count("pk", filter=Q(expires_on__isnull=True)),
        )
    }
    issues = []
    for member in users:
        joined = timezone.localtime(member.date_joined).date() if member.date_joined else today
        for course in courses:
            done = latest.get((member.pk, course.pk))
            if done is None:
                due = joined + datetime.timedelta(days=NEW_JOINER_GRACE_DAYS)
                if course.mandatory_from:
                    due = max(due, course.mandatory_from)
                if today > due:
                    issues.append(TrainingIssue(member.pk, course, "missing", due))
                continue
            if not course.validity_months or done["never_expiring"] or not done["last_expiry"]:
                continue
            expiry = done["last_expiry"]
            if expiry < today:
                issues.append(TrainingIssue(member.pk, course, "lapsed", expiry))
            elif expiry <= today + datetime.timedelta(days=course.reminder_days):
                issues.append(TrainingIssue(member.pk, course, "expiring", expiry))
    return issues


def overdue_by_user(users, *, today=None) -> dict[int, list[TrainingIssue]]:
    out: dict[int, list[TrainingIssue]] = {}
    for issue in training_state(users, today=today):
        if issue.overdue:
            out.setdefault(issue.user_id, []).append(issue)
    return out


def training_report(user, *, kind: str = "", include_expiring: bool = True, today=None):
    """Rows (staff member, issue) for the overdue report, scoped to `user`'s staff."""
    staff = list(staff_qs(user, CLIENT_FACING_ROLES))
    courses = mandatory_courses()
    if kind:
        courses = [c for c in courses if c.kind == kind]
    by_pk = {m.pk: m for m in staff}
    rows = []
    for issue in training_state(staff, today=today, courses=courses):
        if issue.overdue or include_expiring:
            rows.append((by_pk[issue.user_id], issue))
    order = {"lapsed": 0, "missing": 1, "expiring": 2}
    rows.sort(key=lambda r: (order[r[1].status], r[1].since or datetime.date.min, str(r[0])))
    return rows


def records_of(member):
    return list(
        TrainingRecord.objects.filter(user=member)
        .select_related("course")
        .order_by("-attended_on", "-pk")[:50]
    )
