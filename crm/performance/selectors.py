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
from django.db.models import Count, Exists, F, FilteredRelation, Max, OuterRef, Q, Subquery
from django.db.models.lookups import LessThan
from django.utils import timezone

from crm.accounts import roles
from crm.accounts.access import staff_filter
from crm.core.access import NotFound
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


def staff_for(user, *, today: datetime.date | None = None, period: Period | None = None) -> list:
    """The dashboard's staff, each flagged (in the same query) with `compliance_lapsed` and
    `training_overdue` for mandatory courses; with `period`, also carrying their snapshot
    figures for it (`member.period_figures`, `member.figures_as_of`)."""
    today = today or timezone.localdate()
    overdue = overdue_courses(today)
    qs = staff_qs(user).annotate(
        compliance_lapsed=Exists(overdue.filter(kind=Course.Kind.COMPLIANCE)),
        training_overdue=Exists(overdue),
    )
    metric_list = metrics() if period is not None else []
    if period is not None:
        # One scalar subquery per metric (a unique-index probe each), so the figures cost no
        # query of their own.
        mine = KpiFigure.objects.filter(user=OuterRef("pk"), start=period.start, end=period.end)
        qs = qs.annotate(
            figures_as_of=Subquery(mine.order_by("computed_at").values("computed_at")[:1]),
            **{
                f"figure_{index}": Subquery(mine.filter(metric_key=m.key).values("value")[:1])
                for index, m in enumerate(metric_list)
            },
        )
    staff = list(qs)
    if period is not None:
        start, end = period.start, period.end
        for member in staff:
            member.period_figures = {
                (member.pk, m.key, start, end): _read(getattr(member, f"figure_{index}"))
                for index, m in enumerate(metric_list)
            }
    return staff


def _with_targets(qs, period: Period, metric_list):
    """Annotate each staff member with their target for every metric (`target_<index>`)."""
    for index, metric in enumerate(metric_list):
        target = Target.objects.filter(
            user=OuterRef("pk"), metric_key=metric.key, year=period.year, quarter=period.quarter
        )
        qs = qs.annotate(**{f"target_{index}": Subquery(target.values("value")[:1])})
    return qs


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


def _figure_value(metric, value):
    # A count nobody scored in is 0; a mean of nothing stays empty.
    return 0 if value is None and metric.aggregate == "sum" else value


def _staff_rows(staff, period, metric_list, values, user_targets) -> list[Row]:
    rows = []
    start, end = period.start, period.end
    for member in staff:
        row = Row(str(member), user=member)
        for metric in metric_list:
            actual = values.get((member.pk, metric.key, start, end))
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
    """The drill-down: the member, their figures vs targets for the period, and month by month."""

    member: object
    row: Row
    trend: dict  # {metric_key: [(month, value), …]} for the months of the period started
    as_of: datetime.datetime | None


def staff_figures(user, pk: int, period: Period, *, today=None) -> StaffFigures:
    """One staff member in `user`'s scope (NotFound otherwise) with their targets and the snapshot
    rows of the period and its months, in ONE query whatever the number of metrics or months:
    the member row is repeated once per figure (a filtered LEFT JOIN, so a member without
    figures still comes back once) and carries the targets as scalar subqueries."""
    today = today or timezone.localdate()
    metric_list = metrics()
    qs = _with_targets(staff_qs(user, CLIENT_FACING_ROLES).filter(pk=pk), period, metric_list)
    rows = list(
        qs.annotate(
            fig=FilteredRelation(
                "kpi_figures",
                condition=Q(kpi_figures__start__gte=period.start, kpi_figures__end__lte=period.end),
            ),
            fig_key=F("fig__metric_key"),
            fig_start=F("fig__start"),
            fig_end=F("fig__end"),
            fig_value=F("fig__value"),
            fig_at=F("fig__computed_at"),
        )
    )
    if not rows:
        raise NotFound
    member = rows[0]
    values, as_of = {}, None
    for r in rows:
        if r.fig_key is not None:
            values[(member.pk, r.fig_key, r.fig_start, r.fig_end)] = _read(r.fig_value)
            as_of = r.fig_at if as_of is None else min(as_of, r.fig_at)
    targets = {
        (member.pk, m.key): getattr(member, f"target_{index}")
        for index, m in enumerate(metric_list)
        if getattr(member, f"target_{index}") is not None
    }
    row = _staff_rows([member], period, metric_list, values, targets)[0]
    months = [month_period(m) for m in period.months_until(today)]
    trend = {
        metric.key: [
            (m.start, _figure_value(metric, values.get((member.pk, metric.key, m.start, m.end))))
            for m in months
        ]
        for metric in metric_list
    }
    return StaffFigures(member, row, trend, as_of)


def dashboard(user, period: Period, *, today: datetime.date | None = None) -> Dashboard:
    """Each staff member's figure for every registered metric vs target, team and overall totals,
    and lapsed mandatory training: two queries (staff with training flags and snapshot figures,
    targets) whatever the number of staff or metrics."""
    staff = staff_for(user, today=today, period=period)
    metric_list = metrics()
    teams = {m.team_id: m.team for m in staff if m.team_id}
    user_targets, team_targets = targets_for(staff, list(teams.values()), period)
    values = {k: v for m in staff for k, v in m.period_figures.items()}
    stamps = [m.figures_as_of for m in staff if m.figures_as_of is not None]
    as_of = min(stamps) if stamps else None
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


def member_training(member, *, today=None) -> tuple[list[TrainingIssue], list[TrainingRecord]]:
    """The drill-down's training in ONE query: (training_state([member]), the member's latest
    50 records). Courses LEFT JOIN the member's records only, kept when mandatory or attended,
    so a mandatory course never taken still comes back (without a record)."""
    today = today or timezone.localdate()
    rows = list(
        Course.objects.annotate(
            mine=FilteredRelation("records", condition=Q(records__user=member)),
            rec_id=F("mine__id"),
            rec_attended=F("mine__attended_on"),
            rec_completed=F("mine__completed_on"),
            rec_expires=F("mine__expires_on"),
        )
        .filter(Q(mandatory=True, is_active=True) | Q(rec_id__isnull=False))
        .order_by("kind", "code")
    )
    courses, records, latest = {}, [], {}
    for row in rows:
        course = courses.setdefault(row.pk, row)
        if row.rec_id is None:
            continue
        records.append(
            TrainingRecord(
                pk=row.rec_id,
                user=member,
                course=course,
                attended_on=row.rec_attended,
                completed_on=row.rec_completed,
                expires_on=row.rec_expires,
            )
        )
        if row.rec_completed is not None:
            done = latest.setdefault(
                (member.pk, course.pk), {"last_expiry": None, "never_expiring": 0}
            )
            if row.rec_expires is None:
                done["never_expiring"] += 1
            elif done["last_expiry"] is None or row.rec_expires > done["last_expiry"]:
                done["last_expiry"] = row.rec_expires
    mandatory = [c for c in courses.values() if c.mandatory and c.is_active]
    records.sort(key=lambda r: (r.attended_on, r.pk), reverse=True)
    return _issues([member], mandatory, latest, today), records[:50]


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
