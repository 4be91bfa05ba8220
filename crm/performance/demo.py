"""Demo courses, training records (some lapsed, some expiring) and targets for `seed_demo`.

Idempotent: courses by code, records by (staff, course, attendance date), targets by
(subject, metric, period) — a second run changes nothing."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from crm.ui.registry import metrics

from .models import Course, Target, TrainingRecord, add_months
from .periods import Period

COURSES = [
    # code, title, kind, mandatory, validity months
    ("CMP-AML", "反洗钱与客户身份识别年度培训", Course.Kind.COMPLIANCE, True, 12),
    ("CMP-SUIT", "投资者适当性管理与销售行为规范", Course.Kind.COMPLIANCE, True, 12),
    ("SEC-INFO", "信息安全与客户个人信息保护", Course.Kind.INFOSEC, True, 12),
    ("PRD-TRUST", "家族信托产品结构与税务筹划", Course.Kind.PRODUCT, False, None),
    ("PRD-FUND", "公募基金资产配置实务", Course.Kind.PRODUCT, False, None),
    ("CMP-COMPL", "金融消费者投诉处理规范", Course.Kind.COMPLIANCE, False, 24),
]
# username → {course code: months ago completed}; None = attended, not completed.
COMPLETIONS = {
    "rm1": {"CMP-AML": 3, "CMP-SUIT": 5, "SEC-INFO": 2, "PRD-TRUST": 8, "PRD-FUND": 1},
    # rm2: anti-money-laundering lapsed (completed 14 months ago) → flagged on the dashboard.
    "rm2": {"CMP-AML": 14, "CMP-SUIT": 6, "SEC-INFO": 4, "PRD-FUND": None},
    # rm3: suitability expires within the reminder window.
    "rm3": {"CMP-AML": 2, "CMP-SUIT": 11, "SEC-INFO": 13, "CMP-COMPL": 6},
    # rm4: never completed suitability; information security lapsed.
    "rm4": {"CMP-AML": 4, "SEC-INFO": 15, "PRD-TRUST": 3},
    "lead1": {"CMP-AML": 1, "CMP-SUIT": 2, "SEC-INFO": 2, "CMP-COMPL": 10},
    "head1": {"CMP-AML": 6, "CMP-SUIT": 6, "SEC-INFO": 6},
}
TARGET_STAFF = ["rm1", "rm2", "rm3", "rm4", "lead1"]
# A quarter's target for one RM when the previous quarter gives nothing to go by: what a branch
# would set (a few new customers, a few million of AUM), not a round 10 for everything.
DEFAULT_TARGETS = {
    "new_customers": Decimal(6),
    "aum_growth": Decimal(3_000_000),
    "contacts_made": Decimal(30),
    "prospects_converted": Decimal(2),
}
DEFAULT_COUNT_TARGET = Decimal(3)


def seed_performance(*, stdout, customers: int, users: dict) -> None:
    today = timezone.localdate()
    with transaction.atomic():
        courses = _seed_courses(today)
        records = _seed_records(users, courses, today)
        targets = _seed_targets(users, today)
    # The dashboard reads the KPI snapshot: fill it now rather than wait for the nightly job.
    from .services import refresh_figures

    snapshot = refresh_figures(today=today)
    stdout.write(
        f"  performance: {len(courses)} courses, {records} training records and "
        f"{targets} targets created, {snapshot['figures']} KPI figures computed"
    )


def _seed_courses(today):
    courses = {}
    for code, title, kind, mandatory, validity in COURSES:
        courses[code], _created = Course.objects.get_or_create(
            code=code,
            defaults={
                "title": title,
                "kind": kind,
                "mandatory": mandatory,
                "validity_months": validity,
                "reminder_days": 30,
                "mandatory_from": datetime.date(today.year - 1, 1, 1) if mandatory else None,
            },
        )
    return courses


def _seed_records(users, courses, today) -> int:
    created = 0
    for username, plan in COMPLETIONS.items():
        member = users.get(username)
        if member is None:
            continue
        for code, months_ago in plan.items():
            course = courses[code]
            done_on = add_months(today, -(months_ago or 1))
            # rm3's suitability course: expires in about two weeks, inside the reminder window.
            if username == "rm3" and code == "CMP-SUIT":
                done_on = add_months(today + datetime.timedelta(days=14), -12)
            attended = done_on - datetime.timedelta(days=1)
            if TrainingRecord.objects.filter(
                user=member, course=course, attended_on=attended
            ).exists():
                continue
            TrainingRecord.objects.create(
                user=member,
                course=course,
                attended_on=attended,
                completed_on=done_on if months_ago is not None else None,
                score=88 if months_ago is not None else None,
            )
            created += 1
    return created


def _seed_targets(users, today) -> int:
    staff = [users[u] for u in TARGET_STAFF if u in users]
    if not staff:
        return 0
    year, quarter = Period(today.year), Period.current_quarter(today)
    metric_list = metrics()
    # Targets a little above what the previous quarter achieved, so some are met, some not.
    previous = (
        Period(today.year - 1, 4)
        if quarter.quarter == 1
        else Period(today.year, quarter.quarter - 1)
    )
    achieved = {m.key: m.compute(staff, previous.start, previous.end) or {} for m in metric_list}
    created = 0
    for index, member in enumerate(staff):
        for metric in metric_list:
            base = _target_value(metric, achieved[metric.key].get(member.pk), index)
            # A year is four quarters of counts and amounts; a rate or a score stays what it is.
            yearly = Decimal(4) if metric.aggregate == "sum" else Decimal(1)
            for period, factor in ((quarter, Decimal(1)), (year, yearly)):
                _obj, made = Target.objects.get_or_create(
                    user=member,
                    metric_key=metric.key,
                    year=period.year,
                    quarter=period.quarter,
                    defaults={"value": _round(base * factor, metric)},
                )
                created += made
    teams = {m.team_id: m.team for m in staff if m.team_id}
    for team in teams.values():
        members = [m for m in staff if m.team_id == team.pk]
        for metric in metric_list:
            for period in (quarter, year):
                values = list(
                    Target.objects.filter(
                        user__in=members,
                        metric_key=metric.key,
                        year=period.year,
                        quarter=period.quarter,
                    ).values_list("value", flat=True)
                )
                if not values:
                    continue
                total = sum(values) if metric.aggregate == "sum" else sum(values) / len(values)
                _obj, made = Target.objects.get_or_create(
                    team=team,
                    metric_key=metric.key,
                    year=period.year,
                    quarter=period.quarter,
                    defaults={"value": _round(total, metric)},
                )
                created += made
    return created


def _target_value(metric, achieved, index) -> Decimal:
    if str(metric.unit) == "%":
        return Decimal(90)
    if metric.aggregate == "mean":  # a score (satisfaction 1–5): a little above the average
        return Decimal("4.5")
    if achieved and Decimal(str(achieved)) > 0:
        # 5–25 % above last quarter, by staff member: some targets are met, some not.
        return Decimal(str(achieved)) * (Decimal("1.05") + Decimal("0.05") * index)
    return DEFAULT_TARGETS.get(metric.key, DEFAULT_COUNT_TARGET)


def _round(value, metric) -> Decimal:
    value = Decimal(str(value))
    if value >= 10_000:
        return (value / 10_000).quantize(Decimal(1)) * 10_000
    # Counts are whole; a score keeps one decimal (4.5 of 5).
    return value.quantize(Decimal("0.1") if metric.aggregate == "mean" else Decimal(1))
