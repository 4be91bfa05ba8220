"""Reads for the team dashboard, the staff drill-down and the training reports.

Every read is scoped by `crm.accounts.access.staff_filter(user)`: an RM sees only themselves, a
team lead their team, a branch head their branch and its sub-branches. Figures are those of the
metric registry (`crm.ui.registry.metrics()`) read from the KPI snapshot (KpiFigure, refreshed by
`services.refresh_figures`), so a page costs a fixed number of queries whatever the number of
staff, metrics or months.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Count, Exists, FilteredRelation, Max, OuterRef, Q, Subquery
from django.db.models.lookups import LessThan
from django.http import Http404
from django.utils import timezone

from crm.accounts import roles
from crm.accounts.access import staff_filter
from crm.ui.registry import Metric, metrics

from .models import Course, KpiFigure, Target, TrainingRecord
from .periods import Period, month_period

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


def get_staff_for(user, pk: int, *, period: Period | None = None):
    """One staff member of the dashboard, or 404 outside the user's scope. With `period`, the
    member's targets for it come in the same query (`member.period_targets`)."""
    qs = staff_qs(user, CLIENT_FACING_ROLES).filter(pk=pk)
    metric_list = metrics() if period is not None else []
    for index, metric in enumerate(metric_list):
        target = Target.objects.filter(
            user=OuterRef("pk"), metric_key=metric.key, year=period.year, quarter=period.quarter
        )
        qs = qs.annotate(**{f"target_{index}": Subquery(target.values("value")[:1])})
    member = qs.first()
    if member is None:
        raise Http404
    if period is not None:
        member.period_targets = {
            (member.pk, metric.key): getattr(member, f"target_{index}")
            for index, metric in enumerate(metric_list)
            if getattr(member, f"target_{index}") is not None
        }
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
    as_of: datetime.datetime | None = None  # when the snapshot was computed; None: not yet


def _read(value):
    """A stored figure as the providers give it: integers stay integers (3, not 3.0000)."""
    if value is None or value != value.to_integral_value():
        return value if value is None else value.normalize()
    return int(value)


def snapshot(figures) -> tuple[dict, datetime.datetime | None]:
    """({(user_id, metric_key, start, end): value}, oldest computed_at) of KpiFigure rows."""
    out, as_of = {}, None
    for user_id, key, start, end, value, computed_at in figures.values_list(
        "user_id", "metric_key", "start", "end", "value", "computed_at"
    ):
        out[(user_id, key, start, end)] = _read(value)
        as_of = computed_at if as_of is None else min(as_of, computed_at)
    return out, as_of


def _figure_value(metric, value):
    # A count nobody scored in is 0; a mean of nothing stays empty.
    return 0 if value is None and metric.aggregate == "sum" else value


def _staff_rows(staff, period, metric_list, values, user_targets) -> list[Row]:
    rows = []
    for member in staff:
        row = Row(str(member), user=member)
        for metric in metric_list:
            actual = values.get((member.pk, metric.key, period.start, period.end))
            row.figures.append(
                Figure(
                    metric,
                    _figure_value(metric, actual),
                    user_targets.get((member.pk, metric.key)),
                )
            )
        rows.append(row)
    return rows


@dataclass
class StaffFigures:
    """The drill-down: the member's figures vs targets for the period, and month by month."""

    row: Row
    trend: dict  # {metric_key: [(month, value), …]} for the months of the period started
    as_of: datetime.datetime | None


def staff_figures(member, period: Period, *, today: datetime.date | None = None) -> StaffFigures:
    """One staff member's figures vs targets and the monthly trend: one query (the snapshot rows
    of the period and its months) whatever the number of metrics or months, when the targets
    came with the member (get_staff_for(…, period=…)); else one more for them."""
    today = today or timezone.localdate()
    user_targets = getattr(member, "period_targets", None)
    if user_targets is None:
        user_targets, _team_targets = targets_for([member], [], period)
    values, as_of = snapshot(
        KpiFigure.objects.filter(user=member, start__gte=period.start, end__lte=period.end)
    )
    metric_list = metrics()
    row = _staff_rows([member], period, metric_list, values, user_targets)[0]
    months = [month_period(m) for m in period.months_until(today)]
    trend = {
        metric.key: [
            (m.start, _figure_value(metric, values.get((member.pk, metric.key, m.start, m.end))))
            for m in months
        ]
        for metric in metric_list
    }
    return StaffFigures(row, trend, as_of)


def dashboard(user, period: Period, *, today: datetime.date | None = None) -> Dashboard:
    """Each staff member's figure for every registered metric vs target, team and overall totals,
    and lapsed mandatory training: three queries (staff with training flags, targets, the
    snapshot's figures) whatever the number of staff or metrics."""
    staff = staff_for(user, today=today)
    metric_list = metrics()
    teams = {m.team_id: m.team for m in staff if m.team_id}
    user_targets, team_targets = targets_for(staff, list(teams.values()), period)
    values, as_of = ({}, None)
    if staff:
        values, as_of = snapshot(
            KpiFigure.objects.filter(
                user_id__in=[m.pk for m in staff], start=period.start, end=period.end
            )
        )
    rows = _staff_rows(staff, period, metric_list, values, user_targets)

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
    return Dashboard(period, metric_list, rows, team_rows, total, as_of)


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
    return _issues(users, courses, latest, today)


def member_training(member, *, today=None) -> list[TrainingIssue]:
    """training_state of one staff member in one query: the mandatory courses, each joined to
    the member's completions only (the drill-down)."""
    today = today or timezone.localdate()
    courses = list(
        Course.objects.filter(mandatory=True, is_active=True)
        .annotate(
            done=FilteredRelation(
                "records", condition=Q(records__user=member, records__completed_on__isnull=False)
            )
        )
        .annotate(
            completions=Count("done"),
            last_expiry=Max("done__expires_on"),
            never_expiring=Count("done", filter=Q(done__expires_on__isnull=True)),
        )
        .order_by("kind", "code")
    )
    latest = {
        (member.pk, c.pk): {"last_expiry": c.last_expiry, "never_expiring": c.never_expiring}
        for c in courses
        if c.completions
    }
    return _issues([member], courses, latest, today)


def _issues(users, courses, latest, today) -> list[TrainingIssue]:
    """`latest`: {(user_id, course_id): {"last_expiry", "never_expiring"}} of completions."""
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
