"""What the audit log's hash chain costs: appends per second, alone and concurrent, and the
verification's rows per second (crm/audit/chain.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fiducia_bench .venv/bin/python \\
        bench/audit_chain.py [--appends 2000] [--threads 4] [--batch 5000]

Needs a migrated database (any; bench/generate.py's is fine). The rows it writes stay: the log
is append-only (their action is "bench.audit_chain"). Appends serialise on one advisory lock per
writing transaction, so the concurrent figure is bounded by the time a transaction holds it:
services write their audit row last-ish and commit at once, which keeps that short.
"""

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup  # noqa: E402

django_setup()

from django.db import connection, connections, transaction  # noqa: E402

from crm.audit import chain  # noqa: E402
from crm.audit.services import record, record_rows  # noqa: E402

ACTION = "bench.audit_chain"
SEALING = {"seconds": 0.0}


def _timed_seal(seal):
    # The chain's share of an append: lock, tail read, hashing (the INSERT and COMMIT are not).
    def timed(entries):
        started = time.perf_counter()
        try:
            return seal(entries)
        finally:
            SEALING["seconds"] += time.perf_counter() - started

    return timed


chain.seal = _timed_seal(chain.seal)


def _share(seconds_total: float) -> str:
    share, SEALING["seconds"] = SEALING["seconds"], 0.0
    return f"(chain {share / seconds_total:4.0%} of the time)"


def serial(n: int) -> tuple[float, str]:
    started = time.perf_counter()
    for i in range(n):
        with transaction.atomic():
            record(None, ACTION, f"serial {i}", after={"i": i})
    seconds = time.perf_counter() - started
    return n / seconds, _share(seconds)


def concurrent(n: int, threads: int) -> float:
    barrier = threading.Barrier(threads + 1)

    def work(t):
        barrier.wait()
        for i in range(n):
            with transaction.atomic():
                record(None, ACTION, f"thread {t} {i}", after={"i": i})
        connections.close_all()

    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in pool:
        thread.join()
    return n * threads / (time.perf_counter() - started)


def batch(n: int) -> tuple[float, str]:
    rows = [{"action": ACTION, "target_repr": f"batch {i}", "after": {"i": i}} for i in range(n)]
    started = time.perf_counter()
    with transaction.atomic():
        record_rows(rows)
    seconds = time.perf_counter() - started
    return n / seconds, _share(seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--batch", type=int, default=5000)
    args = parser.parse_args()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    rate, share = serial(args.appends)
    print(f"serial appends (one per transaction):      {rate:8.0f} /s {share}")
    per_thread = max(1, args.appends // args.threads)
    rate = concurrent(per_thread, args.threads)
    SEALING["seconds"] = 0.0
    print(f"concurrent appends ({args.threads} connections):        {rate:8.0f} /s")
    rate, share = batch(args.batch)
    print(f"batch append ({args.batch} rows, one transaction): {rate:8.0f} rows/s {share}")
    started = time.perf_counter()
    result = chain.verify()
    seconds = time.perf_counter() - started
    print(
        f"verification: {result.checked} rows in {seconds:.2f} s "
        f"({result.checked / max(seconds, 1e-9):.0f} rows/s), "
        + ("intact" if result.ok else f"broken at row {result.bad_id}: {result.problem}")
    )


if __name__ == "__main__":
    main()
