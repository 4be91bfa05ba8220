"""Broker outage: a day of work while Redis and the worker are killed mid-way (issue 15 item 7).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fiducia_bench_outage \\
        .venv/bin/python bench/broker_outage.py [--steps 30] [--timeout 120]

Starts a private redis-server (no persistence: a SIGKILL loses every message it holds), a
Celery worker (prefork, 2 processes) and the outbox relay (`manage.py relay_outbox`) as
processes on the bench database (migrated first). The day's work goes through the web stack
(Django's test Client): each step records a red risk signal (→ a warning → a visit for the
RM, through the outbox) and enqueues one counting task (`bench.outage.tick`, one row per run).
After a third of the steps Redis and the worker are killed with SIGKILL; the next third runs
with no broker at all; then both are started again and the last third runs. The script then
waits until the outbox is empty and prints, per phase, the requests' p95/max time and 5xx
count, and the counts: expected, executed, lost, doubled. It exits 1 if anything was lost or
doubled, or a request failed or took 2 s or more.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _setup import ROOT, django_setup  # noqa: E402
from _timing import percentile  # noqa: E402

REDISPATCH_SECONDS = 10
os.environ["OUTBOX_REDISPATCH_AFTER_SECONDS"] = str(REDISPATCH_SECONDS)
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fiducia_bench_outage")
redis_binary = __import__("shutil").which("redis-server")
if redis_binary is None:
    sys.exit("needs redis-server (apt-get install redis-server)")
sys.path.insert(0, str(ROOT))
from tests.worker import PrivateRedis  # noqa: E402

redis = PrivateRedis(redis_binary)
os.environ["CELERY_BROKER_URL"] = redis.url  # before Django reads its settings
django_setup()

from _outage_tasks import TITLE, tick  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from compliance.models import RiskWarning  # noqa: E402
from crm.accounts import roles  # noqa: E402
from crm.core import outbox  # noqa: E402
from crm.core.models import Notification, OutboxMessage  # noqa: E402
from customers.records.models import FollowUpTask  # noqa: E402
from tests.factories import CustomerFactory, UserFactory  # noqa: E402

BIN = Path(sys.executable).parent


def spawn(*argv, **env) -> subprocess.Popen:
    """A child process in a session of its own, so its whole group can be killed at once."""
    return subprocess.Popen(
        argv,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(HERE), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def start_worker() -> subprocess.Popen:
    return spawn(
        str(BIN / "celery"), "-A", "crm", "worker", "--pool", "prefork", "--concurrency", "2",
        "--include", "_outage_tasks", "--loglevel", "WARNING",
    )  # fmt: skip


def wait_for_worker(timeout: float = 60) -> None:
    from crm.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5):
            return
    raise SystemExit("the worker did not start")


def kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def staff(username: str, role: str):
    """The bench's staff member, created on the first run and reused after."""
    from crm.accounts.models import User

    return User.objects.filter(username=username).first() or UserFactory(
        role=role, username=username
    )


def work(client, customers, user, run: str, first: int, steps: int) -> tuple[list[float], int]:
    """`steps` steps of the day: a signal through the web and a counting task each."""
    times, failures = [], 0
    for n in range(first, first + steps):
        began = time.monotonic()
        response = client.post(
            reverse("compliance:signal-create"),
            {
                "customer": customers[n].number,
                "kind": "overdue",
                "severity": "4",
                "observed_on": timezone.localdate().isoformat(),
                "evidence": "bench outage",
            },
        )
        times.append(time.monotonic() - began)
        failures += response.status_code != 302
        outbox.enqueue(tick, user.pk, f"{run}:{n}")  # a service of the day (outside any request)
    return times, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30, help="steps in the day (3 phases)")
    parser.add_argument("--timeout", type=int, default=120, help="seconds to wait at the end")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]  # the test Client's "testserver"
    call_command("migrate", verbosity=0)

    run = timezone.now().strftime("%H%M%S")
    started = timezone.now()
    rm = staff("bench_outage_rm", roles.RELATIONSHIP_MANAGER)
    risk = staff("bench_outage_risk", roles.RISK_OFFICER)
    customers = [CustomerFactory(owner=rm, number=f"OUT{run}{n:04d}") for n in range(args.steps)]
    client = Client()
    client.force_login(risk)
    third = args.steps // 3
    phases = []

    redis.start()
    worker = start_worker()
    relay = spawn(str(BIN / "python"), "manage.py", "relay_outbox", "--interval", "0.2")
    try:
        wait_for_worker()
        phases.append(("before", *work(client, customers, rm, run, 0, third)))
        time.sleep(0.2)  # some published, some taken by the worker, some still running
        redis.kill()
        kill(worker)
        phases.append(("outage", *work(client, customers, rm, run, third, third)))
        redis.start()
        worker = start_worker()
        phases.append(
            ("after", *work(client, customers, rm, run, 2 * third, args.steps - 2 * third))
        )
        rows = OutboxMessage.objects.filter(created_at__gte=started)
        restarted = time.monotonic()
        deadline = restarted + args.timeout
        while rows.filter(done_at__isnull=True).exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        drained = time.monotonic() - restarted
    finally:
        kill(relay)
        kill(worker)
        redis.close()

    print(f"{'phase':8} {'requests':>8} {'p95 ms':>8} {'max ms':>8} {'failed':>7}")
    bad_requests = 0
    for name, times, failures in phases:
        slow = sum(t >= 2 for t in times)
        bad_requests += failures + slow
        print(
            f"{name:8} {len(times):8} {percentile(times, 95) * 1000:8.0f} "
            f"{max(times) * 1000:8.0f} {failures:7}"
        )

    warnings = RiskWarning.objects.filter(customer__in=customers)
    visits = FollowUpTask.objects.filter(
        customer__in=customers, dedupe_key__startswith="risk-warning-visit:"
    )
    runs = dict(
        Notification.objects.filter(recipient=rm, title__startswith=TITLE)
        .values_list("title")
        .annotate(n=Count("pk"))
    )
    tick_runs = [runs.get(f"{TITLE}{run}:{n}", 0) for n in range(args.steps)]
    expected = {"visits": warnings.count(), "ticks": args.steps}
    executed = {"visits": visits.count(), "ticks": sum(1 for r in tick_runs if r)}
    lost = {k: expected[k] - executed[k] for k in expected}
    doubled = {"visits": 0, "ticks": sum(1 for r in tick_runs if r > 1)}
    rows = OutboxMessage.objects.filter(created_at__gte=started)
    print(f"\noutbox empty {drained:.1f} s after the last step")
    print(f"warnings raised: {warnings.count()} of {args.steps} signals")
    print(f"{'work':8} {'expected':>8} {'executed':>8} {'lost':>5} {'doubled':>7}")
    for k in expected:
        print(f"{k:8} {expected[k]:8} {executed[k]:8} {lost[k]:5} {doubled[k]:7}")
    print(
        f"\noutbox: {rows.count()} rows, {rows.filter(done_at__isnull=False).count()} done, "
        f"{rows.filter(attempts__gt=1).count()} published more than once (lost with the broker "
        f"or the killed worker, or waiting for the new worker: republished after "
        f"{REDISPATCH_SECONDS} s)"
    )
    ok = not any(lost.values()) and not any(doubled.values()) and not bad_requests
    ok = ok and warnings.count() == args.steps
    print("OK: nothing lost, nothing doubled" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
