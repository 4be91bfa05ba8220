"""Writes: targets, training records, the training reminder sweep and the dashboard export."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from crm.audit.services import record as audit
from crm.core import planner
from crm.core.duplicates import refuse_duplicate
from crm.core.models import Notification
from crm.core.notifications import notification_send
from crm.core.spreadsheets import append_row, new_workbook, workbook_bytes
from crm.ui.registry import metrics

from . import selectors
from .models import Course, KpiFigure, Target, TrainingRecord
from .periods import Period, month_period
from .texts import TRAINING_EXPIRING, TRAINING_LAPSED, TRAINING_LAPSED_LEAD


def _as_dict(target: Target) -> dict:
    return {
        "user": target.user_id,
        "team": target.team_id,
        "metric": target.metric_key,
        "period": target.period_label,
        "value": f"{Decimal(target.value):.2f}",
    }


def validate_metric_key(key: str) -> None:
    if key not in {m.key for m in metrics()}:
        raise ValidationError(_("Unknown metric: %(key)s") % {"key": key})


@transaction.atomic
def set_target(acting_user, *, metric_key, period: Period, value, user=None, team=None) -> Target:
    """Create or change the target of one subject for one metric and period (audited)."""
    validate_metric_key(metric_key)
    if (user is None) == (team is None):
        raise ValidationError(_("A target is set either for a staff member or for a team."))
    value = Decimal(str(value))
    if value < 0:
        raise ValidationError(_("A target cannot be negative."))
    target = (
        Target.objects.select_for_update()
        .filter(
            user=user, team=team, metric_key=metric_key, year=period.year, quarter=period.quarter
        )
        .first()
    )
    before = _as_dict(target) if target else None
    if target is None:
        target = Target(
            user=user, team=team, metric_key=metric_key, year=period.year, quarter=period.quarter
        )
    target.value = value
    target.updated_by = acting_user
    # Locking finds no row to lock for a new target: a concurrent first setting is refused.
    with refuse_duplicate(_("Someone set this target at the same moment; please try again.")):
        target.save()
    audit(acting_user, "target.set", target, before=before, after=_as_dict(target))
    return target


@transaction.atomic
def record_training(
    acting_user, *, user, course: Course, attended_on, completed_on=None, score=None, note=""
) -> TrainingRecord:
    """Record an attendance (and completion) of a course; the expiry follows the course."""
    if completed_on is not None and completed_on < attended_on:
        raise ValidationError(_("A course cannot be completed before it was attended."))
    if completed_on is not None and completed_on > timezone.localdate():
        raise ValidationError(_("The completion date cannot be in the future."))
    record, _created = TrainingRecord.objects.update_or_create(
        user=user,
        course=course,
        attended_on=attended_on,
        defaults={
            "completed_on": completed_on,
            "score": score,
            "note": note,
            "recorded_by": acting_user,
        },
    )
    audit(
        acting_user,
        "training.recorded",
        record,
        after={
            "course": course.code,
            "attended_on": str(attended_on),
            "completed_on": str(completed_on) if completed_on else None,
            "expires_on": str(record.expires_on) if record.expires_on else None,
        },
    )
    return record


def refresh_expiries(course: Course) -> int:
    """Bring stored expiry dates in step after a course's validity changed (chunked)."""
    changed = 0
    batch = []
    qs = TrainingRecord.objects.filter(course=course).only("pk", "completed_on", "expires_on")
    for rec in qs.iterator(chunk_size=2000):
        expiry = course.expiry_for(rec.completed_on)
        if expiry != rec.expires_on:
            rec.expires_on = expiry
            batch.append(rec)
        if len(batch) >= 2000:
            changed += TrainingRecord.objects.bulk_update(batch, ["expires_on"])
            batch = []
    if batch:
        changed += TrainingRecord.objects.bulk_update(batch, ["expires_on"])
    return changed


# ---- reminder sweep ---------------------------------------------------------------------------


def _expiring_key(course_id, expiry) -> str:
    return f"training-expiring:{course_id}:{expiry:%Y%m%d}"


def _lapsed_key(course_id, expiry, user_id) -> str:
    return f"training-lapsed:{course_id}:{expiry:%Y%m%d}:{user_id}"


def sweep_training(today: datetime.date | None = None) -> dict:
    """Remind staff before a mandatory course expires, and tell them and their team lead once it
    has lapsed. Set-based: one query finds every (staff, course) latest expiry in the window, one
    finds the notifications already sent; `notification_send(dedupe_key=…)` makes a rerun send nothing."""
    from django.contrib.auth import get_user_model

    today = today or timezone.localdate()
    courses = {
        c.pk: c
        for c in Course.objects.filter(
            mandatory=True, is_active=True, validity_months__isnull=False
        )
    }
    counts = {"expiring": 0, "lapsed": 0, "skipped": 0}
    if not courses:
        return counts
    horizon = today + datetime.timedelta(days=max(c.reminder_days for c in courses.values()))
    latest = list(
        TrainingRecord.objects.filter(
            course_id__in=courses, completed_on__isnull=False, user__is_active=True
        )
        .values("user_id", "course_id")
        .annotate(expiry=Max("expires_on"))
        .filter(expiry__lte=horizon)
    )
    due = []  # (recipient_id, key, kind, course, expiry, subject_id)
    lapsed_users = set()
    for row in latest:
        course, expiry = courses[row["course_id"]], row["expiry"]
        if expiry is None:
            continue
        if expiry < today:
            lapsed_users.add(row["user_id"])
            key = _lapsed_key(course.pk, expiry, row["user_id"])
            due.append((row["user_id"], key, "lapsed", course, expiry, row["user_id"]))
        elif expiry <= today + datetime.timedelta(days=course.reminder_days):
            key = _expiring_key(course.pk, expiry)
            due.append((row["user_id"], key, "expiring", course, expiry, row["user_id"]))
    if not due:
        return counts
    User = get_user_model()
    people = {
        u.pk: u
        for u in User.objects.filter(pk__in={d[0] for d in due}).select_related("team__lead")
    }
    # A lapse is also reported to the staff member's team lead.
    for _recipient, key, kind, course, expiry, subject_id in list(due):
        if kind != "lapsed":
            continue
        team = people[subject_id].team
        if team and team.lead_id and team.lead_id != subject_id and team.lead.is_active:
            people.setdefault(team.lead_id, team.lead)
            due.append((team.lead_id, key, "lapsed_lead", course, expiry, subject_id))
    sent = set(
        Notification.objects.filter(dedupe_key__in={d[1] for d in due}).values_list(
            "recipient_id", "dedupe_key"
        )
    )
    codes = {
        "expiring": TRAINING_EXPIRING,
        "lapsed": TRAINING_LAPSED,
        "lapsed_lead": TRAINING_LAPSED_LEAD,
    }
    for recipient_id, key, kind, course, expiry, subject_id in due:
        if (recipient_id, key) in sent:
            counts["skipped"] += 1
            continue
        url = reverse("performance:staff-detail", args=[subject_id])
        params = {
            "course": course.title,
            "date": f"{expiry:%Y-%m-%d}",
            "name": str(people[subject_id]),
        }
        notification_send(
            people[recipient_id], code=codes[kind], params=params, url=url, dedupe_key=key
        )
        counts["expiring" if kind == "expiring" else "lapsed"] += 1
    return counts


# ---- KPI snapshot -----------------------------------------------------------------------------

# Serialises refreshes (the 15-minute and the nightly one may overlap) on PostgreSQL; any
# constant that no other advisory lock in the project uses.
_REFRESH_LOCK = 0x4B5049  # "KPI"


def snapshot_periods(
    *, years=None, current: bool = False, today: datetime.date | None = None
) -> list[Period]:
    """The periods a refresh recomputes: with `current`, those containing today (its month,
    quarter and year); otherwise every month, quarter and year of `years` (default: this year
    and last) that has started by today."""
    today = today or timezone.localdate()
    if current:
        return [month_period(today), Period.current_quarter(today), Period(today.year)]
    out = []
    for year in sorted(years or (today.year - 1, today.year)):
        whole = Period(year)
        out += [month_period(m) for m in whole.months() if m <= today]
        out += [Period(year, q) for q in (1, 2, 3, 4) if Period(year, q).start <= today]
        if whole.start <= today:
            out.append(whole)
    return out


def _stored(value):
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def metric_figures(metric, staff, periods: list[Period]) -> dict[Period, dict]:
    """{period: {user_id: value}} for one metric, in as few queries as the metric allows:
    a point-in-time figure once for all periods; an additive one from a single `monthly` query
    covering every month of the periods (quarters and years are sums of months); otherwise
    months from one `monthly` query and quarters and years from `compute`."""
    if not periods:
        return {}
    if metric.point_in_time:
        now = metric.compute(staff, periods[0].start, periods[-1].end) or {}
        return dict.fromkeys(periods, now)
    if metric.additive and metric.monthly is not None:
        wanted = {m for p in periods for m in p.months()}
    else:
        wanted = {p.start for p in periods if p.is_month}
    by_month: dict = {}
    if wanted and metric.monthly is not None:
        first, last = min(wanted), month_period(max(wanted)).end
        by_month = {m: {} for m in wanted}
        for (user_id, month), value in (metric.monthly(staff, first, last) or {}).items():
            if month in by_month:
                by_month[month][user_id] = value
    else:
        for month in sorted(wanted):
            by_month[month] = metric.compute(staff, month, month_period(month).end) or {}
    out = {}
    for period in periods:
        if period.is_month:
            out[period] = by_month[period.start]
        elif metric.additive and all(m in by_month for m in period.months()):
            total: dict = {}
            for month in period.months():
                for user_id, value in by_month[month].items():
                    total[user_id] = total.get(user_id, 0) + value
            out[period] = total
        else:
            out[period] = metric.compute(staff, period.start, period.end) or {}
    return out


def refresh_figures(
    *, years=None, current: bool = False, today: datetime.date | None = None
) -> dict:
    """Recompute the KPI snapshot (KpiFigure) for `snapshot_periods(...)`: every client-facing
    staff member x registered metric x period, set-based (each metric's queries run once for
    all staff), then the periods' rows are replaced in one transaction, so the pages see either
    the old or the new snapshot. Scheduled by beat and run by `refresh_kpis`."""
    from django.contrib.auth import get_user_model

    periods = sorted(
        set(snapshot_periods(years=years, current=current, today=today)),
        key=lambda p: (p.start, p.end),
    )
    staff = list(
        selectors._with_roles(
            get_user_model().objects.filter(is_active=True), selectors.CLIENT_FACING_ROLES
        ).only("pk")
    )
    now = timezone.now()
    rows = []  # plain tuples: a model instance per figure would cost far more memory
    for metric in metrics():
        figures = metric_figures(metric, staff, periods) if staff else {}
        for period, values in figures.items():
            for member in staff:
                value = values.get(member.pk)
                if value is None and metric.aggregate == "sum":
                    value = 0
                rows.append((member.pk, metric.key, period.start, period.end, _stored(value)))
    spans = Q(pk__in=[])
    for period in periods:
        spans |= Q(start=period.start, end=period.end)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_REFRESH_LOCK])
        # Whole periods are replaced: staff who left or metrics no longer registered go too.
        KpiFigure.objects.filter(spans).delete()
        for chunk in range(0, len(rows), 5000):
            KpiFigure.objects.bulk_create(
                KpiFigure(
                    user_id=user_id,
                    metric_key=key,
                    start=start,
                    end=end,
                    value=value,
                    computed_at=now,
                )
                for user_id, key, start, end, value in rows[chunk : chunk + 5000]
            )
    # For the pages that read the snapshot next: after the first large refresh the planner still
    # believed the table empty and the branch head's dashboard took 100 ms of SQL instead of 8.
    planner.analyze_after_bulk(len(rows), KpiFigure)
    return {"periods": len(periods), "staff": len(staff), "figures": len(rows)}


# ---- export -----------------------------------------------------------------------------------


def export_dashboard(acting_user, period: Period) -> bytes:
    """The dashboard as an XLSX workbook (staff rows, team totals, overall total); audited."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    data = selectors.dashboard(acting_user, period)
    wb = new_workbook()
    ws = wb.active
    ws.title = _("KPIs")[:31]
    as_of = (
        _("Figures as of %(when)s") % {"when": f"{timezone.localtime(data.as_of):%Y-%m-%d %H:%M}"}
        if data.as_of
        else _("Not computed yet")
    )
    append_row(ws, [_("Team KPIs") + f" · {period.key}", None, None, as_of])
    ws["A1"].font = Font(bold=True, size=13)
    head = [_("Staff member"), _("Employee number"), _("Team")]
    for metric in data.metrics:
        label = str(metric.label) + (f" ({metric.unit})" if metric.unit else "")
        head += [label, pgettext("kpi", "Target"), _("Attainment %")]
    head.append(_("Mandatory compliance training lapsed"))
    append_row(ws, head)
    bold = Font(bold=True)
    for cell in ws[2]:
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="DDE7F3")

    def figures(row):
        out = []
        for fig in row.figures:
            out += [_cell(fig.actual), _cell(fig.target), _cell(fig.attainment)]
        return out

    for row in data.rows:
        lapsed = _("Yes") if row.compliance_lapsed else ""
        append_row(
            ws,
            [str(row.user), row.user.employee_no or "", row.user.team.name if row.user.team else ""]
            + figures(row)
            + [lapsed],
        )
    for row in data.teams:
        append_row(ws, [_("Team total"), "", row.label] + figures(row))
        for cell in ws[ws.max_row]:
            cell.font = bold
    append_row(ws, [_("Total"), "", ""] + figures(data.total))
    for cell in ws[ws.max_row]:
        cell.font = bold
    for index in range(1, len(head) + 1):
        ws.column_dimensions[get_column_letter(index)].width = 16 if index > 3 else 14
    ws.freeze_panes = "D3"
    data_bytes = workbook_bytes(wb)
    audit(
        acting_user,
        "dashboard.exported",
        f"KPI {period.key}",
        purpose=_("Team KPI export"),
        after={"period": period.key, "rows": len(data.rows)},
    )
    return data_bytes


def _cell(value):
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value
