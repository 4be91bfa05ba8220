"""Risk-watch figures on the bench database (after bench/generate.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fiducia_bench_compliance \\
        .venv/bin/python bench/compliance.py --signals 100000 --warnings 100000 --runs 20

Prints: time to stage (validate + preview) and to confirm an import of --signals signals (with
the warnings they raise), the re-import of the same file (must create nothing), the follow-up
job (visit tasks + notifications) for every warning raised and per 1,000 warnings, the
escalation sweep over --warnings open warnings past their deadline and its second run (must
escalate nothing), the rebuild of the suitability-mismatch snapshot, then exact query counts
and p50/p95 server time of the compliance pages through Django's test Client.

--reset removes the compliance rows a previous run left (audit rows stay: they are append-only).
"""

import argparse
import csv
import datetime
import io
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup  # noqa: E402
from _timing import percentile, run_times_ms  # noqa: E402

django_setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from compliance import transfers  # noqa: E402
from compliance.models import (  # noqa: E402
    DisposalStep,
    RiskSignal,
    RiskWarning,
    SignalImport,
    SignalKind,
)
from compliance.services import followups, raising, sweep  # noqa: E402
from compliance.services import suitability as suitability_services  # noqa: E402
from crm.accounts.models import User  # noqa: E402
from crm.core.models import Notification  # noqa: E402
from customers.records.models import Customer, FollowUpTask  # noqa: E402

KINDS = [k.value for k in SignalKind]


def reset():
    n = RiskSignal.objects.filter(dedupe_key__startswith="BENCH-").delete()[0]
    DisposalStep.objects.all().delete()
    RiskWarning.objects.all().delete()
    SignalImport.objects.all().delete()
    Notification.objects.filter(dedupe_key__startswith="warning-").delete()
    FollowUpTask.objects.filter(dedupe_key__startswith="risk-warning-visit:").delete()
    print(f"reset: {n} rows removed")


def vacuum() -> None:
    """What autovacuum would have done in production (the bench server runs with it off)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        for model in (RiskSignal, RiskWarning, DisposalStep, FollowUpTask, Notification):
            cur.execute(f'VACUUM (ANALYZE) "{model._meta.db_table}"')
        # Start the timed part from a checkpoint, not in the middle of the one that the
        # vacuum's WAL would trigger (seen: the same confirm took 24 s or 40 s).
        cur.execute("CHECKPOINT")


def signal_file(n: int) -> bytes:
    numbers = list(
        Customer.objects.filter(number__startswith="B")
        .order_by("pk")
        .values_list("number", flat=True)
    )
    rnd = random.Random(8)
    today = timezone.localdate()
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["customer_number", "kind", "date", "severity", "evidence", "external_id"])
    for i in range(n):
        w.writerow(
            [
                rnd.choice(numbers),
                rnd.choice(KINDS),
                (today - datetime.timedelta(days=rnd.randint(0, 60))).isoformat(),
                rnd.choices([1, 2, 3, 4], [40, 30, 20, 10])[0],
                f"批量信号{i}",
                f"BENCH-{i}",
            ]
        )
    data = out.getvalue().encode()
    print(f"signal file: {n:,} rows, {len(data) / 1e6:.1f} MB")
    return data


def timed(label, func):
    started = time.perf_counter()
    result = func()
    print(f"  {label:<44}{time.perf_counter() - started:>8.2f} s")
    return result


def bench_import(user, n):
    data = signal_file(n)
    queued = []
    raising._enqueue_followups = queued.extend  # the worker's job; timed separately below
    staged = timed(
        "stage (read, validate, preview)",
        lambda: transfers.signal_import_stage(user, SimpleUploadedFile("bench.csv", data)),
    )
    print(
        f"    valid {len(staged.valid_rows):,}, existing {staged.existing_rows:,}, errors {len(staged.errors):,}"
    )
    before = RiskWarning.objects.count()
    timed(
        "confirm (bulk insert + raise warnings)",
        lambda: transfers.signal_import_confirm(user, staged),
    )
    staged.refresh_from_db()
    print(
        f"    signals created {staged.created_count:,}, warnings now {RiskWarning.objects.count():,} "
        f"(+{RiskWarning.objects.count() - before:,})"
    )
    again = timed(
        "re-import stage of the same file",
        lambda: transfers.signal_import_stage(user, SimpleUploadedFile("bench.csv", data)),
    )
    timed("re-import confirm", lambda: transfers.signal_import_confirm(user, again))
    again.refresh_from_db()
    print(f"    re-import valid {len(again.valid_rows):,}, created {again.created_count:,}")
    if queued:
        # As the worker runs them: one job per 1,000 warnings.
        started = time.perf_counter()
        for start in range(0, len(queued), 1000):
            followups.warning_schedule_followups(queued[start : start + 1000])
        took = time.perf_counter() - started
        print(
            f"  {f'follow-ups for {len(queued):,} warnings (visit + notify)':<44}{took:>8.2f} s"
            f"\n    per 1,000 warnings {took / len(queued) * 1000:.3f} s; tasks "
            f"{FollowUpTask.objects.filter(dedupe_key__startswith='risk-warning-visit:').count():,}"
        )


def bench_sweep(target):
    today = timezone.localdate()
    open_now = RiskWarning.objects.filter(status="open").count()
    if open_now < target:
        used = set(
            RiskWarning.objects.exclude(status="released").values_list("customer_id", "kind")
        )
        customers = list(
            Customer.objects.filter(number__startswith="B").values_list("pk", "owner_id")
        )
        missing = target - open_now
        batch = []
        for cid, owner in customers:
            for kind in KINDS:
                if (cid, kind) not in used:
                    batch.append(
                        RiskWarning(
                            customer_id=cid,
                            kind=kind,
                            grade="yellow",
                            title="bench",
                            owner_id=owner,
                            raised_on=today - datetime.timedelta(days=20),
                            verify_by=today - datetime.timedelta(days=10),
                        )
                    )
                    if len(batch) >= missing:
                        break
            if len(batch) >= missing:
                break
        RiskWarning.objects.bulk_create(batch, batch_size=5000)
    RiskWarning.objects.filter(status="open").update(verify_by=today - datetime.timedelta(days=1))
    n_open = RiskWarning.objects.filter(status="open").count()
    print(f"\nescalation sweep over {n_open:,} open warnings past their deadline")
    first = timed("first run", lambda: sweep.warning_sweep(today))
    second = timed("second run (idempotent)", lambda: sweep.warning_sweep(today))
    print(f"    escalated: first {first:,}, second {second:,}")


def pages(user, runs):
    sample = RiskWarning.objects.filter(services_q(user)).select_related("customer").first()
    customer = sample.customer if sample else Customer.objects.filter(owner=user).first()
    urls = [
        ("warnings list", reverse("compliance:warning-list"), {}),
        (
            "warnings: red, open",
            reverse("compliance:warning-list"),
            {"grade": "red", "status": "open"},
        ),
        ("signals list", reverse("compliance:signal-list"), {}),
        ("watch list", reverse("compliance:watch-list"), {}),
        ("home panel (My day)", reverse("compliance:home-panel"), {}),
        ("customer risk panel", reverse("compliance:customer-panel", args=[customer.pk]), {}),
    ]
    if user.has_perm("compliance.view_dashboard"):
        urls += [
            ("dashboard", reverse("compliance:risk-dashboard"), {}),
            ("suitability mismatches", reverse("compliance:mismatch-list"), {}),
            (
                "audit review: transitions",
                reverse("compliance:audit-review"),
                {"category": "transition"},
            ),
        ]
    client = Client()
    client.force_login(user)
    print(f"\nas {user.username} ({', '.join(sorted(user.role_names))})")
    print(f"  {'page':<28}{'queries':>8}{'p50 ms':>9}{'p95 ms':>9}")
    count = [0]

    def counter(execute, sql, sql_params, many, context):
        count[0] += 1
        return execute(sql, sql_params, many, context)

    for name, url, params in urls:
        client.get(url, params)
        count[0] = 0
        with connection.execute_wrapper(counter):
            response = client.get(url, params)
        assert response.status_code == 200, (name, response.status_code)
        times = run_times_ms(runs, client.get, url, params)
        print(
            f"  {name:<28}{count[0]:>8}{statistics.median(times):>9.1f}"
            f"{percentile(times, 95):>9.1f}"
        )


def services_q(user):
    from customers.records.access import book_q

    return book_q(user, "customer__")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--signals", type=int, default=100_000)
    parser.add_argument("--warnings", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rm", default="bench_rm001")
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    print(f"bench database: {connection.settings_dict['NAME']}")
    if args.reset:
        reset()
        vacuum()  # the reset's dead rows, before the import is timed
    officer = User.objects.get(username="bench_compliance")
    if args.signals:
        print(f"\nimport of {args.signals:,} signals")
        bench_import(officer, args.signals)
    if args.warnings:
        bench_sweep(args.warnings)
    print("\nsuitability-mismatch snapshot (the dashboard's figure; daily job)")
    run = timed("refresh", suitability_services.mismatch_snapshot_refresh)
    print(f"    {run.holdings:,} mismatched holdings of {run.customers:,} customers")
    # Tables the batches above just filled: statistics, and the visibility map that index-only
    # scans need, before anyone opens a page.
    vacuum()
    for user in (User.objects.get(username=args.rm), officer):
        pages(user, args.runs)


if __name__ == "__main__":
    main()
