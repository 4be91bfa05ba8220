"""Tiering recalculation on the bench database: set-based path vs a naive per-customer ORM loop.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fiducia_bench_tiering \\
        .venv/bin/python bench/tiering.py --customers 20000 --sample 2000 --runs 3

Generates the customers with bench/generate.py's loader if fewer are present, publishes the
default policy if none is, then times `services.run_recalculate` (one INSERT … SELECT with window
functions + one UPDATE … FROM) over every customer, printing seconds, query count and peak RSS
of this process. Then times the naive path (per customer: sum the window's aggregates with the
ORM, then save an assignment and the customer) on --sample customers inside a rolled-back
transaction, and prints the per-customer speed-up. Also times the reports page queries.
"""

import argparse
import datetime
import os
import resource
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup  # noqa: E402

django_setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Sum  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from customers.records.models import Customer, MonthlyAggregate  # noqa: E402
from tiering import calculation, rules, selectors, services  # noqa: E402
from tiering.models import TierAssignment, TierPolicy, TierRun  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ensure_data(customers: int) -> None:
    present = Customer.objects.filter(number__startswith="B").count()
    if present < customers:
        import generate

        generate.load(customers, 20_000)
    else:
        print(f"{present:,} generated customers present")


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def phases(captured, total: float) -> str:
    """Seconds per statement over 0.05 s, named by their first words; the rest is Python and
    the commit (where the deferred foreign-key checks run)."""
    parts, spent = [], 0.0
    for query in captured:
        seconds = float(query["time"])
        spent += seconds
        if seconds >= 0.05:
            words = query["sql"].split()
            if words[0] == "WITH":  # the calculation: name it by the table it inserts into
                words = words[words.index("INSERT") :]
            verb = words[0]
            table = next((w for w in words[1:] if w.startswith(("tiering_", "customers_"))), "")
            parts.append(f"{verb} {table.split('_', 1)[-1]} {seconds:.2f}s")
    parts.append(f"commit+python {total - spent:.2f}s")
    return ", ".join(parts)


def scramble() -> None:
    """Put back the generated tiers (10 % A, 30 % B, 60 % C by number hash) and VIP levels one
    rung down, so the next run changes several hundred thousand customers through the
    customers service's set-based write (the first run's situation). Not timed."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
UPDATE customers_customer SET
    tier = CASE WHEN (id * 2654435761) % 10 = 0 THEN 'A'
                WHEN (id * 2654435761) % 10 < 4 THEN 'B' ELSE 'C' END,
    vip_level = CASE vip_level WHEN 'private' THEN 'diamond' WHEN 'diamond' THEN 'platinum'
                WHEN 'platinum' THEN 'gold' WHEN 'gold' THEN 'ordinary' ELSE vip_level END
WHERE number LIKE 'B%' AND id % 2 = 0
"""
        )
        n = cursor.rowcount
    print(f"  scrambled {n:,} customers' tier/VIP ({time.perf_counter() - started:.1f}s, untimed)")


VACUUMED = ("customers_customer", "tiering_tierassignment", "tiering_tierruncell")


def vacuum() -> None:
    """What autovacuum does between two monthly runs in production. The bench server runs with
    autovacuum off, so a forced recompute would otherwise wade through the dead rows of every
    earlier run (a 1M-row DELETE + INSERT each) and measure the bench's history, not the job."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in VACUUMED:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    print(f"  vacuumed {', '.join(VACUUMED)} ({time.perf_counter() - started:.1f}s, untimed)")


def set_based(as_of: datetime.date, policy: TierPolicy, runs: int, scrambled: bool) -> float:
    times, changed = [], []
    for i in range(runs):
        if scrambled and i == 1:
            scramble()
        vacuum()
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            run = services.run_recalculate(as_of, policy=policy, force=i > 0)
        times.append(time.perf_counter() - started)
        changed.append(run.customers_changed)
        print(
            f"  run {i + 1}: {times[-1]:6.2f}s  {len(ctx.captured_queries)} queries  "
            f"{run.customers:,} customers  A/B/C {run.count_a:,}/{run.count_b:,}/{run.count_c:,}"
            f"  changed {run.customers_changed:,}  peak RSS {peak_rss_mb():.0f} MB  {load()}",
            flush=True,
        )
        print(f"    phases: {phases(ctx.captured_queries, times[-1])}", flush=True)
    # The first call is a no-op when the date was already applied (idempotent rerun); time the
    # forced recomputations then (without the scrambled one, reported on its own above).
    forced = times[2:] if scrambled and len(times) > 2 else times[1:]
    if scrambled and len(times) > 2 and changed[1] > changed[2]:
        # What a run costs per customer whose class changes (written to the customer row and
        # its indexes), and so how many changes fit in the 60 s target.
        base = statistics.median(forced)
        per_change = (times[1] - base) / (changed[1] - changed[2])
        print(
            f"  a run costs {base:.1f}s + {per_change * 1000:.3f} ms per changed customer: "
            f"60 s holds up to {max(0, (60 - base) / per_change):,.0f} changes",
            flush=True,
        )
    return statistics.median(forced or times)


def naive(as_of: datetime.date, policy: TierPolicy, sample: int) -> float:
    """What a straightforward implementation does: one query (or three) per customer."""
    start, end = calculation.window(policy, as_of)
    ids = list(
        Customer.objects.filter(number__startswith="B", is_active=True)
        .order_by("number")
        .values_list("pk", flat=True)[:sample]
    )
    started = time.perf_counter()
    with transaction.atomic():
        run = TierRun.objects.create(
            as_of=as_of + datetime.timedelta(days=1),
            policy=policy,
            policy_version=policy.version,
            kind=TierRun.Kind.WHAT_IF,
        )
        contributions, customers = {}, {}
        for pk in ids:
            customer = Customer.objects.get(pk=pk)
            sums = MonthlyAggregate.objects.filter(
                customer=customer, month__gte=start, month__lt=end
            ).aggregate(n=Sum("net_interest_income"), f=Sum("fee_income"))
            contributions[customer.number] = rules.to_cents(
                rules.bank_contribution(sums["n"] or 0, sums["f"] or 0)
            )
            customers[customer.number] = customer
        classes = rules.pareto_classes(contributions, policy.a_share, policy.b_share)
        for rank, number in enumerate(sorted(contributions, key=lambda k: (-contributions[k], k))):
            customer = customers[number]
            vip = rules.vip_level(customer.aum, policy.ladder)
            TierAssignment.objects.create(
                run=run,
                customer=customer,
                policy_version=policy.version,
                contribution=contributions[number],
                aum=customer.aum,
                rank=rank + 1,
                cumulative_before=Decimal(0),
                cumulative_share=Decimal(0),
                computed_class=classes[number],
                base_class=classes[number],
                applied_class=classes[number],
                computed_vip=vip,
                vip_level=vip,
                capital_segment="small",
            )
            customer.tier = classes[number]
            customer.vip_level = vip
            customer.save(update_fields=["tier", "vip_level"])
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)  # leave the bench data as it was
    return elapsed


def reports(policy: TierPolicy, runs: int) -> None:
    from crm.accounts.models import User

    run = selectors.latest_live_run()
    for username in ("bench_compliance", "bench_head", "bench_rm001"):
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                selectors.class_distribution(user, run)
                selectors.movement(user, run)
                selectors.segment_matrix(user, run)
            times.append((time.perf_counter() - started) * 1000)
        print(
            f"  reports as {username:<17} {len(ctx.captured_queries)} queries  "
            f"p50 {statistics.median(times):7.1f} ms  max {max(times):7.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--as-of", default=None)
    parser.add_argument(
        "--scramble",
        action="store_true",
        help="before the first forced run, reset half the customers' tier/VIP so it changes them",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/tiering.py needs PostgreSQL (set DATABASE_URL)")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    ensure_data(args.customers)
    policy = services.policy_ensure_default()
    as_of = (
        datetime.date.fromisoformat(args.as_of)
        if args.as_of
        else timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    )
    # Bench aggregates run up to the current month: include it in the window.
    as_of = max(as_of, timezone.localdate())
    total = Customer.objects.filter(is_active=True).count()
    aggregates = MonthlyAggregate.objects.count()
    print(
        f"database {connection.settings_dict['NAME']}: {total:,} active customers, "
        f"{aggregates:,} monthly aggregates; policy v{policy.version} ({policy.formula})"
    )
    print(f"set-based recalculate_tiers as of {as_of} ({args.runs} runs; 2nd+ forced recompute)")
    set_seconds = set_based(as_of, policy, args.runs, args.scramble)
    print(f"naive per-customer ORM loop on {args.sample:,} customers (rolled back)")
    naive_seconds = naive(as_of, policy, args.sample)
    per_set = set_seconds / total
    per_naive = naive_seconds / args.sample
    print(
        f"  naive: {naive_seconds:.2f}s = {per_naive * 1000:.3f} ms/customer; set-based median "
        f"{set_seconds:.2f}s = {per_set * 1000:.4f} ms/customer; speed-up {per_naive / per_set:.0f}×"
    )
    reports(policy, 5)
    print(f"peak RSS {peak_rss_mb():.0f} MB  {load()}")


if __name__ == "__main__":
    main()
