"""Bulk-action benchmark: a lead reschedules and skips N open tasks of their team in one
service call, on the bench database, inside a transaction that is rolled back (the bench data
is left as it was: the tasks are created, changed and audited, then undone).

    .venv/bin/python bench/bulk.py [--sizes 10,100,500] [--repeat 10] [--lead bench_lead]

Prints, per batch size, the queries each service ran (set-based: the same count for 10 or 500
tasks) and p50/p95 milliseconds, then the task list's query count with the action bar.
"""

import argparse
import datetime
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup  # noqa: E402
from _timing import percentile  # noqa: E402

django_setup()

import time  # noqa: E402

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from crm.accounts.models import User  # noqa: E402
from customers.contacts import bulk  # noqa: E402
from customers.records.access import customers_for  # noqa: E402
from customers.records.models import FollowUpReason, FollowUpTask  # noqa: E402


class Undo(Exception):
    """Raised at the end of each run to roll its transaction back."""


def one_run(lead, size: int, action: str) -> tuple[int, float]:
    """Create `size` open tasks on customers of the lead's book, run the bulk action on them,
    roll everything back; the action's query count and milliseconds."""
    try:
        with transaction.atomic():
            customers = list(customers_for(lead).values_list("pk", "owner_id")[:size])
            today = timezone.localdate()
            tasks = FollowUpTask.objects.bulk_create(
                FollowUpTask(
                    customer_id=pk,
                    owner_id=owner,
                    title="bench bulk",
                    reason=FollowUpReason.MANUAL,
                    due_on=today,
                )
                for pk, owner in customers
            )
            ids = [t.pk for t in tasks]
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as ctx:
                began = time.perf_counter()
                if action == "reschedule":
                    n = bulk.tasks_reschedule(lead, ids, today + datetime.timedelta(days=7))
                else:
                    n = bulk.tasks_skip(lead, ids, reason="bench")
                ms = (time.perf_counter() - began) * 1000
            assert n == len(ids), (n, len(ids))
            queries = len(ctx.captured_queries)
            raise Undo
    except Undo:
        pass
    return queries, ms


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10,100,500")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--lead", default="bench_lead")
    args = parser.parse_args()
    lead = User.objects.get(username=args.lead)
    print(f"lead {lead.username}; {args.repeat} runs per size; rolled back after each run")
    print(f"{'action':<11} {'tasks':>6} {'queries':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for action in ("reschedule", "skip"):
        for size in (int(s) for s in args.sizes.split(",")):
            runs = [one_run(lead, size, action) for _ in range(args.repeat)]
            counts = {q for q, _ms in runs}
            times = [ms for _q, ms in runs]
            print(
                f"{action:<11} {size:>6} {'/'.join(map(str, sorted(counts))):>8} "
                f"{percentile(times, 50):>8.1f} {percentile(times, 95):>8.1f}"
            )
    settings.ALLOWED_HOSTS = ["*"]  # the test client's host
    client = Client()
    client.force_login(lead)
    url = reverse("customers:task-list") + "?who=team"
    client.get(url)
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    print(f"task list (team, with the action bar): {len(ctx.captured_queries)} queries")


if __name__ == "__main__":
    main()
