"""Follow-up benchmark: the daily sweep over the bench database, then My day and the task list.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fiducia_bench_followups \\
        .venv/bin/python bench/generate.py --customers 20000 --interactions 60000
    DATABASE_URL=… .venv/bin/python bench/followups.py [--date YYYY-MM-DD] [--repeat 30]

Prints the first sweep's time and tasks created, a second sweep's time and tasks created (must
be 0), then query counts and p50/p95 of My day panels and the task list for a bench RM and the
bench team lead. Tasks and reminders of generated customers are deleted first (--keep to skip).
E-mail digests are not sent (in production they are queued to Celery); claims are counted.
"""

import argparse
import datetime
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup  # noqa: E402
from _timing import percentile  # noqa: E402

django_setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from crm.accounts.models import User  # noqa: E402
from customers.contacts import reminders  # noqa: E402

PREFIX = "B"


def clear() -> None:
    generated = "(SELECT id FROM customers_customer WHERE number LIKE %s)"
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM customers_reminderdelivery WHERE task_id IN (SELECT id FROM "
            f"customers_followuptask WHERE customer_id IN {generated})",
            [f"{PREFIX}%"],
        )
        cursor.execute(
            f"DELETE FROM customers_followuptask WHERE customer_id IN {generated}", [f"{PREFIX}%"]
        )
        cursor.execute(
            "DELETE FROM core_notification WHERE dedupe_key LIKE 'followup-reminder:%%' AND "
            "recipient_id IN (SELECT id FROM accounts_user WHERE username LIKE 'bench_%%')"
        )
        # Repeatable runs: without it the next sweep inserts around the dead rows of the last
        # one, and My day reads them (until autovacuum passes).
        for table in ("customers_followuptask", "customers_reminderdelivery", "core_notification"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def sweep(day) -> reminders.SweepResult:
    began = time.monotonic()
    result = reminders.run_sweep(day, send=lambda user_id, d: None)
    result.seconds = time.monotonic() - began
    return result


def timed(client, url, repeat) -> tuple[int, float, float, int]:
    client.get(url)  # warm
    times, queries, status = [], 0, 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            resp = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
        queries = max(queries, len(ctx.captured_queries))
        status = resp.status_code
    return queries, statistics.median(times), percentile(times, 95), status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--date", help="sweep day (default today)")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep existing tasks")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/followups.py needs PostgreSQL (set DATABASE_URL)")
    day = datetime.date.fromisoformat(args.date) if args.date else timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM customers_customer WHERE number LIKE %s", ["B%"])
        customers = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM customers_interaction")
        interactions = cursor.fetchone()[0]
    print(f"bench DB: {customers} generated customers, {interactions} interactions; day {day}")
    if not args.keep:
        clear()
    first = sweep(day)
    t = first.tasks
    print(
        f"sweep 1: {first.seconds:6.2f}s  tasks created {t.total} (cadence {t.cadence}, "
        f"maturity {t.maturity}, risk assessment {t.kyc_renewal}, ID expiry {t.id_expiry}, "
        f"birthday {t.birthday}); in-app reminders {first.notifications}, e-mail claims "
        f"{first.emails_claimed} for {first.email_recipients} recipients"
    )
    second = sweep(day)
    print(
        f"sweep 2: {second.seconds:6.2f}s  tasks created {second.tasks.total} (must be 0); "
        f"in-app reminders {second.notifications}, e-mail claims {second.emails_claimed}"
    )
    urls = [
        ("my day: tasks", reverse("customers:task-home-panel")),
        ("my day: customers", reverse("customers:customer-home-panel")),
        ("task list", reverse("customers:task-list")),
        ("task list overdue", reverse("customers:task-list") + "?status=overdue"),
    ]
    for username, extra in (
        ("bench_rm001", []),
        (
            "bench_lead",
            [
                ("home_team", reverse("customers:team-home-panel")),
                ("team tasks", reverse("customers:task-list") + "?who=team&status=overdue"),
            ],
        ),
    ):
        user = User.objects.filter(username=username).first()
        if user is None:
            print(f"{username} missing: run bench/generate.py first")
            continue
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        print(f"{username}:")
        for name, url in urls + extra:
            queries, p50, p95, status = timed(client, url, args.repeat)
            print(
                f"  {name:<20} {status}  {queries:2d} queries  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms"
            )


if __name__ == "__main__":
    main()
