"""Team dashboard, drill-down, export and training report timings on the bench database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fiducia_bench_kpi \\
        .venv/bin/python bench/kpi.py --runs 30 [--extra-rms 200]

Run after bench/generate.py. It first adds (idempotently, with bulk_create) mandatory courses,
training records for every bench staff member (a share of them lapsed) and quarterly targets
for every registered metric; --extra-rms N adds N more RMs to the first bench branch, so the
branch head's dashboard can be measured with many RMs. It then runs the two KPI snapshot
refreshes (the pages read the snapshot) and prints their time and query count. Each scenario goes through Django's test
Client (full middleware stack, no network) --runs times after one warm-up; the script prints the
exact query count, p50/p95 server time, the SQL time of one request (from the captured queries)
and the number of staff rows.
"""

import argparse
import datetime
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup  # noqa: E402
from _timing import measure_page, percentile  # noqa: E402

django_setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from crm.accounts import roles  # noqa: E402
from crm.accounts.models import Team, User  # noqa: E402
from crm.performance.models import Course, Target, TrainingRecord, add_months  # noqa: E402
from crm.performance.periods import Period  # noqa: E402
from crm.ui.registry import metrics  # noqa: E402

COURSES = [
    ("B-AML", "反洗钱年度培训", Course.Kind.COMPLIANCE),
    ("B-SUIT", "适当性管理培训", Course.Kind.COMPLIANCE),
    ("B-SEC", "信息安全培训", Course.Kind.INFOSEC),
]


@transaction.atomic
def prepare(extra_rms: int) -> None:
    head = User.objects.get(username="bench_head")
    if extra_rms:
        team = Team.objects.filter(branch=head.branch).order_by("pk").first()
        group = Group.objects.get(name=roles.RELATIONSHIP_MANAGER)
        existing = set(
            User.objects.filter(username__startswith="bench_xrm").values_list("username", flat=True)
        )
        new = [
            User(
                username=f"bench_xrm{n:04d}",
                display_name=f"增员{n:04d}",
                branch=head.branch,
                team=team,
                password="!",
            )
            for n in range(1, extra_rms + 1)
            if f"bench_xrm{n:04d}" not in existing
        ]
        User.objects.bulk_create(new, batch_size=1000)
        through = User.groups.through
        through.objects.bulk_create(
            [through(user_id=u.pk, group_id=group.pk) for u in new], batch_size=1000
        )
    today = timezone.localdate()
    courses = []
    for code, title, kind in COURSES:
        course, _ = Course.objects.get_or_create(
            code=code,
            defaults={"title": title, "kind": kind, "mandatory": True, "validity_months": 12},
        )
        courses.append(course)
    staff = list(User.objects.filter(username__startswith="bench_").values_list("pk", flat=True))
    have = set(
        TrainingRecord.objects.filter(course__in=courses).values_list("user_id", "course_id")
    )
    records = []
    for index, user_id in enumerate(staff):
        for c, course in enumerate(courses):
            if (user_id, course.pk) in have:
                continue
            # Every 7th person's first course lapsed; the rest are valid for months.
            months_ago = 14 if (index % 7 == 0 and c == 0) else 1 + (index + c) % 10
            done = add_months(today, -months_ago)
            records.append(
                TrainingRecord(
                    user_id=user_id,
                    course=course,
                    attended_on=done,
                    completed_on=done,
                    expires_on=course.expiry_for(done),
                )
            )
    TrainingRecord.objects.bulk_create(records, batch_size=5000)
    period = Period.current_quarter(today)
    have_targets = set(
        Target.objects.filter(year=period.year, quarter=period.quarter).values_list(
            "user_id", "metric_key"
        )
    )
    targets = [
        Target(
            user_id=user_id,
            metric_key=m.key,
            year=period.year,
            quarter=period.quarter,
            value=Decimal(10 + index % 7),
        )
        for index, user_id in enumerate(staff)
        for m in metrics()
        if (user_id, m.key) not in have_targets
    ]
    Target.objects.bulk_create(targets, batch_size=5000)
    print(f"prepared: {len(records)} training records, {len(targets)} targets added")


def measure(client, name, url, runs, rows_of=None):
    response, queries, times = measure_page(client, name, url, runs)
    sql_ms = sum(float(q["time"]) for q in queries) * 1000
    rows = rows_of(response) if rows_of else "-"
    print(
        f"  {name:<30}{len(queries):>8}{statistics.median(times):>9.1f}"
        f"{percentile(times, 95):>9.1f}{sql_ms:>9.1f}{rows!s:>7}"
    )


def refresh(name, kwargs) -> None:
    """The scheduled job the pages read from: its time, queries and figures written."""
    from crm.performance.services import refresh_figures

    connection.queries_log.clear()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        counts = refresh_figures(**kwargs)
    print(
        f"{name}: {time.perf_counter() - started:.1f} s, {len(ctx.captured_queries)} queries, "
        f"{counts['figures']} figures ({counts['staff']} staff, {counts['periods']} periods)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--extra-rms", type=int, default=0)
    args = parser.parse_args()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # response.context for the row counts
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    prepare(args.extra_rms)
    print(
        f"bench database: {connection.settings_dict['NAME']}; "
        f"metrics: {', '.join(m.key for m in metrics())}"
    )
    refresh("KPI snapshot, this and last year (nightly)", {})
    refresh("KPI snapshot, current periods (every 15 min)", {"current": True})

    def staff_rows(response):
        return len(response.context["data"].rows)

    def report_rows(response):
        return len(response.context["rows"])

    dashboard = reverse("performance:team-dashboard")
    year = timezone.localdate().year
    for username in ("bench_head", "bench_lead", "bench_rm001"):
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        print(f"\nas {username} ({', '.join(sorted(user.role_names))})")
        print(f"  {'scenario':<30}{'queries':>8}{'p50 ms':>9}{'p95 ms':>9}{'sql ms':>9}{'rows':>7}")
        measure(client, "dashboard (quarter)", dashboard, args.runs, staff_rows)
        measure(client, "dashboard (year)", f"{dashboard}?period={year}", args.runs, staff_rows)
        if username != "bench_rm001":
            rm = User.objects.get(username="bench_rm001")
            measure(
                client,
                "drill-down (year trend)",
                reverse("performance:staff-detail", args=[rm.pk]) + f"?period={year}",
                max(5, args.runs // 3),
            )
            measure(
                client, "export XLSX", reverse("performance:figure-export"), max(5, args.runs // 3)
            )
            measure(
                client,
                "training overdue report",
                reverse("performance:training-overdue"),
                args.runs,
                report_rows,
            )
    started = time.perf_counter()
    from crm.performance.services import sweep_training

    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        counts = sweep_training(datetime.date.today())
    print(
        f"\ntraining sweep: {counts} in {time.perf_counter() - started:.2f} s, "
        f"{len(ctx.captured_queries)} queries"
    )


if __name__ == "__main__":
    main()
