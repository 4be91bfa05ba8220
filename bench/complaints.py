"""Complaints at volume: generate N complaints, time the queue and statistics pages and the
deadline sweep (after bench/generate.py has loaded the customers).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fiducia_bench_complaints \\
        .venv/bin/python bench/complaints.py --complaints 100000 --runs 20

Generated complaints are numbered BC00000001…; a rerun tops up to N (--reset deletes them
first, bypassing the retention trigger for bench rows only). The open share (--open, default
0.85) has its clock running, received over the last 14 days with a few percent overdue; the
rest are decided or closed over the last 12 months. Pages are requested through Django's test
Client (full middleware stack); it prints exact query counts and p50/p95 server time. The sweep
is run twice: the second run must find nothing (idempotent). The statistics summary is kept by
database triggers through the bulk inserts, the sweep and the reset's raw DELETE, and checked
against the complaints after each. `--live-statistics` times the statistics computed from the
complaints for every user instead (the alternative to the summary, for comparison).
"""

import argparse
import datetime
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup  # noqa: E402
from _timing import percentile  # noqa: E402

django_setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from complaints import figures, selectors, services  # noqa: E402
from complaints.models import (  # noqa: E402
    CLOCK_STATES,
    BusinessCategory,
    Cause,
    Channel,
    Complaint,
    Intake,
    SlaProfile,
    State,
    add_years,
)
from complaints.services.clocks import running_due  # noqa: E402
from crm.accounts.models import User  # noqa: E402
from crm.calendar import BusinessCalendar  # noqa: E402
from crm.core.models import Notification  # noqa: E402
from customers.records.models import Customer, Product  # noqa: E402

PREFIX = "BC"
OPEN_STATES = [
    State.RECEIVED,
    State.ACCEPTED,
    State.IN_HANDLING,
    State.IN_HANDLING,
    State.IN_HANDLING,
]
DONE_STATES = [State.CLOSED] * 6 + [State.DECISION_ISSUED, State.REVIEW_DECIDED, State.WITHDRAWN]


def generate(n: int, open_share: float, chunk: int) -> None:
    have = Complaint.objects.filter(reference__startswith=PREFIX).count()
    if have >= n:
        print(f"{have} bench complaints present")
        return
    rnd = random.Random(7)
    customers = list(
        Customer.objects.filter(number__startswith="B").values_list(
            "pk", "name", "owner_id", "branch_id"
        )
    )
    if not customers:
        sys.exit("no bench customers: run bench/generate.py --customers 20000 first")
    channels = list(Channel.objects.all())
    categories = list(BusinessCategory.objects.all())
    causes = list(Cause.objects.all())
    products = list(Product.objects.all()) or [None]
    officers = list(User.objects.filter(groups__name="compliance_officer"))
    profile = SlaProfile.objects.get(is_default=True)
    now = timezone.now()
    today = timezone.localdate()
    cal = BusinessCalendar.load(
        today - datetime.timedelta(days=400), today + datetime.timedelta(days=120)
    )
    started = time.monotonic()
    for start in range(have, n, chunk):
        rows = []
        for i in range(start, min(start + chunk, n)):
            pk, name, owner, branch = customers[rnd.randrange(len(customers))]
            is_open = rnd.random() < open_share
            if is_open:
                # 3 % overdue (received 16–25 days ago), the rest within the 15-day period.
                days = rnd.randint(16, 25) if rnd.random() < 0.03 else rnd.randint(0, 13)
                state = rnd.choice(OPEN_STATES)
            else:
                days = rnd.randint(20, 360)
                state = rnd.choice(DONE_STATES)
            received = now - datetime.timedelta(days=days, minutes=rnd.randint(0, 1440))
            received_on = timezone.localdate(received)
            decision_due = cal.deadline(received_on, 15)
            regulator = rnd.random() < 0.03
            c = Complaint(
                reference=f"{PREFIX}{i + 1:08d}",
                intake=Intake.REGULATOR
                if regulator
                else rnd.choice([Intake.CUSTOMER_PAGE, Intake.COUNTER]),
                customer_id=pk,
                complainant_name=name,
                channel=rnd.choice(channels),
                business_category=rnd.choice(categories),
                cause=rnd.choice(causes),
                product=rnd.choice(products) if rnd.random() < 0.4 else None,
                received_at=received,
                demands="要求退还费用并赔偿损失",
                facts="客户称办理业务时未被充分告知产品风险与收费标准。",
                logged_by_id=owner,
                handler=rnd.choice(officers) if officers and state != State.RECEIVED else None,
                branch_id=branch,
                regulator_forwarded=regulator,
                regulator_reference=f"监管转办{i}" if regulator else "",
                ack_due=cal.deadline(received_on, 7, working_days=True) if regulator else None,
                profile=profile,
                state=state,
                decision_due=decision_due,
                clock_start=received_on,
                retain_until=add_years(received_on, 3),
                received_month=received_on.replace(day=1),
            )
            c.due_on = running_due(c)
            if state != State.RECEIVED:
                c.accepted_at = received + datetime.timedelta(days=1)
            if not is_open and state != State.WITHDRAWN:
                handling = rnd.choice([3, 5, 8, 10, 12, 14, 15, 16, 20])
                c.decided_at = received + datetime.timedelta(days=handling)
                c.handling_days = handling
                c.decision = "经核实，同意部分诉求。"
                c.remedies = ["review", "mediation", "arbitration", "litigation"]
                c.breached = c.decided_at.date() > decision_due
            if state == State.REVIEW_DECIDED:
                c.review_result = "维持原决定"
            if state == State.CLOSED:
                c.closed_at = (c.decided_at or received) + datetime.timedelta(days=2)
                c.satisfaction = rnd.choice([0, 2, 3, 4, 4, 5, 5, 5])
            if state == State.WITHDRAWN:
                c.withdrawn_reason = "协商一致撤回"
                c.closed_at = received + datetime.timedelta(days=3)
            rows.append(c)
        with transaction.atomic():
            Complaint.objects.bulk_create(rows, batch_size=2000)
        done = min(start + chunk, n)
        print(f"  complaints {done}/{n} ({time.monotonic() - started:.0f}s)", flush=True)
    with connection.cursor() as cur:
        cur.execute("ANALYZE complaints_complaint")


def reset() -> None:
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("ALTER TABLE complaints_complaint DISABLE TRIGGER complaints_retention")
        cur.execute("DELETE FROM complaints_complaint WHERE reference LIKE %s", [PREFIX + "%"])
        # The deferred foreign-key checks run now: ALTER TABLE refuses pending trigger events.
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("ALTER TABLE complaints_complaint ENABLE TRIGGER complaints_retention")
    Notification.objects.filter(dedupe_key__startswith="complaint:").delete()


def check_figures(when: str) -> None:
    """The statistics summary against a recomputation from the complaints (set-based)."""
    t0 = time.perf_counter()
    drift = figures.drift()
    state = "in step" if not drift else f"{len(drift)} rows DIFFER"
    print(f"  statistics summary {when}: {state} ({time.perf_counter() - t0:.2f} s to check)")


def time_pages(user, runs: int) -> None:
    client = Client()
    client.force_login(user)
    queue = reverse("complaints:complaint-queue")
    branch = (
        Complaint.objects.filter(reference__startswith=PREFIX)
        .values_list("branch_id", flat=True)
        .first()
    )
    scenarios = [
        ("queue (clock running, due first)", queue, {}),
        ("queue: breached", queue, {"breached": "on"}),
        ("queue: due within 3 days + branch", queue, {"due_within": 3, "branch": branch}),
        ("queue: all statuses, newest", queue, {"status": "all"}),
        ("queue: closed, by cause", queue, {"status": "closed", "cause": Cause.objects.first().pk}),
        ("queue filter fragment (htmx)", reverse("complaints:complaint-queue-filters"), {}),
        ("statistics (12 months)", reverse("complaints:statistics-detail"), {}),
    ]
    mine = (
        selectors.complaints_for(user)
        .filter(reference__startswith=PREFIX, state=State.IN_HANDLING)
        .values_list("pk", flat=True)
        .first()
    )
    if mine:
        scenarios.insert(
            -1, ("complaint page", reverse("complaints:complaint-detail", args=[mine]), {})
        )
    if not user.has_perm("complaints.view_statistics"):
        scenarios = scenarios[:-1]
    print(f"\nas {user.username} ({', '.join(sorted(user.role_names))})")
    print(f"  {'scenario':<36}{'queries':>8}{'p50 ms':>9}{'p95 ms':>9}{'rows':>6}")
    for name, url, params in scenarios:
        client.get(url, params)  # warm-up
        times = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.get(url, params)
                times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (name, response.status_code)
        html = response.content.decode()
        total = re.search(r'id="stat-total">(\d+)<', html)
        rows = int(total.group(1)) if total else html.count('<tr class="')
        print(
            f"  {name:<36}{len(ctx):>8}{statistics.median(times):>9.1f}"
            f"{percentile(times, 95):>9.1f}{rows:>6}"
        )


def time_sweep() -> None:
    open_n = Complaint.objects.filter(state__in=CLOCK_STATES).count()
    Complaint.objects.filter(reference__startswith=PREFIX).update(
        warned_for=None, escalated_for=None, breached=False
    )
    Notification.objects.filter(dedupe_key__startswith="complaint:").delete()
    print(f"\nsweep over {open_n} open complaints (clock running)")
    for label in ("first run", "second run (must find nothing)"):
        t0 = time.perf_counter()
        result = services.complaints_sweep_deadlines()
        print(f"  {label:<32}{time.perf_counter() - t0:>8.2f} s  {result}")
    sent = Notification.objects.filter(dedupe_key__startswith="complaint:").count()
    print(f"  notifications sent: {sent}")
    check_figures("after the sweep")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--open", type=float, default=0.85, help="share with a running clock")
    parser.add_argument("--chunk", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument(
        "--live-statistics",
        action="store_true",
        help="compute every user's statistics from the complaints (no summary), for comparison",
    )
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]  # the test Client's "testserver"
    if args.live_statistics:
        selectors.sees_all_complaints = lambda user: False
    if args.reset:
        reset()
    generate(args.complaints, args.open, args.chunk)
    total = Complaint.objects.count()
    print(f"{total} complaints in the database")
    check_figures("after loading")
    # The branch head's statistics are computed from the complaints of the branch (the monthly
    # summary is by dimension, not by scope), so they are timed too.
    for username in ("bench_compliance", "bench_head", "bench_rm001"):
        user = User.objects.filter(username=username).first()
        if user:
            time_pages(user, args.runs)
    if not args.skip_sweep:
        time_sweep()


if __name__ == "__main__":
    main()
