"""Sales and service management timings on the bench database (after bench/generate.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fiducia_bench_sales \\
        .venv/bin/python bench/sales.py --runs 30 --handover 5000 --statements 200

Prints:
- pipeline board (RM and team views, through Django's test Client with the full middleware
  stack): exact query count and p50/p95 server time over --runs requests after a warm-up;
- handover of one RM with --handover customers (+ one open task per customer and some open
  prospects) to two successors: seconds for `complete()` (one transaction, committed);
- statement generation for a sample of --statements eligible customers: seconds per statement
  and the extrapolation to 10,000.

Bench rows it adds (prospects "BP…", the "bench_departing"/"bench_successor*" users) are created
idempotently; each handover run first moves the customers back to the departing RM.
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
from _timing import percentile  # noqa: E402

django_setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from crm.accounts import roles  # noqa: E402
from crm.accounts.models import User  # noqa: E402
from customers.records.models import Customer, FollowUpTask  # noqa: E402
from customers.sales.models import HandoverPlan, Prospect, Statement  # noqa: E402
from customers.sales.services import handover, statements  # noqa: E402


def seed_prospects(per_rm: int) -> int:
    rms = list(User.objects.filter(username__startswith="bench_rm").order_by("username"))
    have = set(Prospect.objects.filter(name__startswith="BP").values_list("name", flat=True))
    stages = ["prospect", "prospect", "onboarding", "exited"]
    rows = []
    for i, rm in enumerate(rms):
        for j in range(per_rm):
            name = f"BP{i:03d}-{j:03d}"
            if name in have:
                continue
            stage = stages[j % len(stages)]
            rows.append(
                Prospect(
                    name=name,
                    source="walk_in",
                    owner=rm,
                    branch_id=rm.branch_id,
                    team_id=rm.team_id,
                    stage=stage,
                    expected_aum=Decimal(100_000 * (1 + j % 50)),
                    next_step="电话跟进" if stage != "exited" else "",
                    next_step_on=timezone.localdate() + datetime.timedelta(days=j % 30),
                    loss_reason="选择他行" if stage == "exited" else "",
                )
            )
    Prospect.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def time_requests(client, url, runs):
    client.get(url)  # warm-up
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
        queries = len(ctx)
    return queries, statistics.median(times), percentile(times, 95)


def bench_board(runs):
    rm = User.objects.get(username="bench_rm001")
    lead = User.objects.get(username="bench_lead")
    board = reverse("customers:prospect-board")
    for label, user, url in (
        ("board, RM", rm, board),
        ("board, team lead (team)", lead, f"{board}?team={lead.team_id}"),
        ("reference: customer list, RM", rm, reverse("customers:customer-list")),
    ):
        client = Client()
        client.force_login(user)
        n, p50, p95 = time_requests(client, url, runs)
        print(f"{label:30s} queries={n:3d}  p50={p50:7.1f} ms  p95={p95:7.1f} ms")


def _user(username, display, like, role):
    user, _ = User.objects.get_or_create(
        username=username,
        defaults={"display_name": display, "branch_id": like.branch_id, "team_id": like.team_id},
    )
    user.is_active = True
    user.save(update_fields=["is_active"])
    user.groups.add(Group.objects.get(name=role))
    return user


def bench_handover(n):
    head = User.objects.get(username="bench_head")
    like = User.objects.get(username="bench_rm001")
    departing = _user("bench_departing", "离职客户经理", like, roles.RELATIONSHIP_MANAGER)
    first = _user("bench_successor1", "接任经理一", like, roles.RELATIONSHIP_MANAGER)
    second = _user("bench_successor2", "接任经理二", like, roles.RELATIONSHIP_MANAGER)
    # Setup (not timed): the departing RM owns n bench customers, one open task each, 50 prospects.
    ids = list(
        Customer.objects.filter(number__startswith="B")
        .order_by("number")
        .values_list("pk", flat=True)[:n]
    )
    with transaction.atomic():
        HandoverPlan.objects.filter(departing=departing, status="draft").update(status="cancelled")
        Customer.objects.filter(pk__in=ids).update(
            owner=departing, branch_id=departing.branch_id, team_id=departing.team_id
        )
        FollowUpTask.objects.filter(dedupe_key__startswith="bench-handover:").update(
            owner=departing, status="open"
        )
        have = set(
            FollowUpTask.objects.filter(dedupe_key__startswith="bench-handover:").values_list(
                "customer_id", flat=True
            )
        )
        FollowUpTask.objects.bulk_create(
            [
                FollowUpTask(
                    customer_id=pk,
                    owner=departing,
                    title="季度回访",
                    reason="cadence",
                    due_on=timezone.localdate(),
                    dedupe_key=f"bench-handover:{pk}",
                )
                for pk in ids
                if pk not in have
            ],
            batch_size=5000,
        )
        Prospect.objects.filter(name__startswith="BH").update(owner=departing, stage="prospect")
        if not Prospect.objects.filter(name__startswith="BH").exists():
            Prospect.objects.bulk_create(
                [
                    Prospect(
                        name=f"BH{i:03d}",
                        source="walk_in",
                        owner=departing,
                        branch_id=departing.branch_id,
                    )
                    for i in range(50)
                ]
            )
    start = time.perf_counter()
    plan = handover.handover_start(head, departing, first, reason="leaving", note="bench")
    handover.handover_assign(head, plan, ids[: n // 2], second, note="重点客户")
    planned = time.perf_counter() - start
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        done = handover.handover_complete(head, plan)
        seconds = time.perf_counter() - start
    print(
        f"handover of {n} customers        plan {planned:5.2f} s · complete {seconds:5.2f} s "
        f"({len(ctx)} queries) · moved {done.summary['customers']} customers, "
        f"{done.summary['tasks']} tasks, {done.summary['prospects']} prospects"
    )
    slowest = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:6]
    for q in slowest:
        print(f"    {float(q['time']):6.2f} s  {q['sql'][:110]}")


def bench_statements(n):
    today = timezone.localdate()
    kind, start = "monthly", (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    ids = list(
        statements.eligible(kind)
        .filter(number__startswith="B")
        .order_by("number")
        .values_list("pk", flat=True)[:n]
    )
    Statement.objects.filter(customer_id__in=ids, period_kind=kind, period_start=start).delete()
    t0 = time.perf_counter()
    run = statements.statements_generate(kind, start, customer_ids=ids)
    seconds = time.perf_counter() - t0
    per = seconds / max(run.done, 1)
    print(
        f"statements: {run.done} generated in {seconds:5.1f} s → {per * 1000:6.1f} ms per statement; "
        f"10,000 ≈ {per * 10_000 / 60:4.1f} min (one worker process)"
    )


def main():
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--prospects-per-rm", type=int, default=60)
    parser.add_argument("--handover", type=int, default=5000)
    parser.add_argument("--statements", type=int, default=200)
    args = parser.parse_args()
    added = seed_prospects(args.prospects_per_rm)
    print(f"prospects: {Prospect.objects.filter(name__startswith='BP').count()} ({added} added)")
    bench_board(args.runs)
    bench_handover(args.handover)
    bench_statements(args.statements)


if __name__ == "__main__":
    main()
