"""Core-banking feeds at volume (issue 16 targets): a holdings snapshot of 2,000,000 positions and
1,000,000 monthly-aggregate rows, with AUM recomputed for every customer, then the same files
again.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fiducia_bench \\
        .venv/bin/python bench/feeds.py --positions 2000000 --aggregates 1000000

Reads the customer numbers (and AUM) from the database, writes the two CSV files into a
temporary folder (positions split each customer's AUM over a few bench products, so AUM stays
where the generator put it, give or take the day's movement), points the feeds storage at that
folder, then loads them through the product's own path (`feed_receive` + `feed_load`: streamed,
COPY into a staging table, set-based merge, AUM recomputed for every customer) and loads them a
second time (unchanged files: recognised by checksum, nothing changes). Prints rows, seconds,
peak RSS of this process and the second/first ratio; targets: ≤ 600 s, ≤ 500 MB, ≤ 10 %.

The snapshot is the whole truth for its date: it replaces the holdings in the database. Each run
uses a new business date (after the latest loaded snapshot) so the files are new.
"""

import argparse
import csv
import datetime
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
_TMP = tempfile.TemporaryDirectory(prefix="fiducia-feeds-bench-")
os.environ["FEEDS_ROOT"] = str(Path(_TMP.name) / "storage")  # before settings are read
os.environ.pop("FEEDS_S3_BUCKET", None)
from _setup import django_setup  # noqa: E402

django_setup()

from django.db import connection  # noqa: E402

from customers.records.feeds import services  # noqa: E402
from customers.records.feeds.models import FeedRun  # noqa: E402

PRODUCTS = 40


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def customers(limit: int):
    """(number, aum) of up to `limit` customers, streamed from a server-side cursor."""
    with connection.chunked_cursor() as cursor:
        cursor.execute("SELECT number, aum FROM customers_customer ORDER BY id LIMIT %s", [limit])
        while rows := cursor.fetchmany(10_000):
            yield from rows


def write_products(folder: Path) -> Path:
    path = folder / "products.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["code", "name", "kind", "risk_level"])
        kinds = ["deposit", "wealth", "fund", "trust", "bond"]
        for i in range(PRODUCTS):
            out.writerow([f"BENCH{i:03d}", f"压测产品{i}号", kinds[i % 5], f"R{1 + i % 5}"])
    return path


def write_holdings(folder: Path, positions: int, customer_count: int, day: datetime.date) -> int:
    """About `positions` rows: each customer's AUM split over k products (k = positions ÷
    customers, rounded per customer so the total comes out right)."""
    path = folder / "holdings.csv"
    per = positions / customer_count
    written = 0
    seed = day.toordinal()
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["customer_number", "product_code", "account_number", "market_value"])
        for i, (number, aum) in enumerate(customers(customer_count)):
            k = int((i + 1) * per) - int(i * per)
            if k == 0:
                continue
            # The day's movement: ±1 % per customer, so the snapshot is a new truth each day.
            total = float(aum) * (1 + ((i * 7 + seed) % 21 - 10) / 1000) or 1000.0
            base = (i * 13) % PRODUCTS
            for j in range(k):
                share = total / k
                out.writerow(
                    [
                        number,
                        f"BENCH{(base + j * 7) % PRODUCTS:03d}",
                        f"6222{i % 10**15:015d}",  # one account per customer
                        f"{share:.2f}",
                    ]
                )
                written += 1
    return written


def write_aggregates(folder: Path, rows: int, month: datetime.date) -> int:
    path = folder / "aggregates.csv"
    written = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(
            [
                "customer_number",
                "month",
                "average_balance",
                "margin_balance",
                "deposit_spread",
                "trade_count",
                "trade_volume",
                "commission",
                "commission_rate",
                "rebate",
                "fee_income",
                "net_interest_income",
            ]
        )
        for i, (number, aum) in enumerate(customers(rows)):
            b = float(aum) * (0.85 + (i % 30) / 100)
            out.writerow(
                [
                    number,
                    f"{month:%Y-%m}",
                    f"{b:.2f}",
                    f"{b * 0.1:.2f}",
                    "0.015000",
                    i % 25,
                    f"{b * 0.3:.2f}",
                    f"{b * 0.00009:.2f}",
                    "0.000300",
                    f"{b * 0.00001:.2f}",
                    f"{b * 0.0004:.2f}",
                    f"{b * 0.001:.2f}",
                ]
            )
            written += 1
    return written


STATEMENTS: list[tuple[float, str]] = []


def timed(execute, sql, params, many, context):
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        STATEMENTS.append((time.perf_counter() - started, " ".join(sql.split())[:90]))


def load(kind: str, path: Path, day: datetime.date) -> tuple[FeedRun, float]:
    STATEMENTS.clear()
    started = time.perf_counter()
    with connection.execute_wrapper(timed), path.open("rb") as source:
        run = services.feed_receive(
            kind=kind, business_date=day, filename=path.name, content=source
        )
    if not run.duplicate:
        with connection.execute_wrapper(timed):
            run = services.feed_load(
                run.pk, progress=lambda n: print(f"    {kind}: {n:,} rows read", flush=True)
            )
        run.duplicate = False
    seconds = time.perf_counter() - started
    if STATEMENTS and not run.duplicate:
        in_sql = sum(t for t, _sql in STATEMENTS)
        print(
            f"    {kind}: {seconds - in_sql:.1f} s reading, checking and streaming the file "
            f"(COPY included); slowest statements:"
        )
        for t, sql in sorted(STATEMENTS, reverse=True)[:5]:
            print(f"      {t:7.1f} s  {sql}")
    return run, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--positions", type=int, default=2_000_000)
    parser.add_argument("--aggregates", type=int, default=1_000_000)
    parser.add_argument("--business-date", type=datetime.date.fromisoformat, default=None)
    args = parser.parse_args()

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM customers_customer")
        customer_count = cursor.fetchone()[0]
    if not customer_count:
        sys.exit("No customers: run bench/generate.py first.")
    latest = (
        FeedRun.objects.filter(kind="holdings", state=FeedRun.State.LOADED)
        .order_by("-business_date")
        .values_list("business_date", flat=True)
        .first()
    )
    day = args.business_date or max(
        datetime.date.today(), latest + datetime.timedelta(days=1) if latest else datetime.date.min
    )
    month = day.replace(day=1)
    folder = Path(_TMP.name)
    print(
        f"database {connection.settings_dict['NAME']} ({connection.vendor}): "
        f"{customer_count:,} customers; business date {day}, aggregates month {month:%Y-%m}"
    )

    started = time.perf_counter()
    products_run, _ = load("products", write_products(folder), day)
    positions = write_holdings(folder, args.positions, customer_count, day)
    aggregates = write_aggregates(folder, min(args.aggregates, customer_count), month)
    print(
        f"files: {positions:,} positions, {aggregates:,} aggregate rows "
        f"written in {time.perf_counter() - started:.1f} s (products: {products_run.state})"
    )

    results = []
    for attempt in ("first", "second"):
        total = 0.0
        for kind, name in (("holdings", "holdings.csv"), ("aggregates", "aggregates.csv")):
            run, seconds = load(kind, folder / name, day)
            total += seconds
            print(
                f"  {attempt:6} {kind:10} run #{run.pk} {run.state:8} rows {run.rows:>9,} "
                f"loaded {run.loaded:>9,} rejected {run.rejected:>6,} "
                f"{'(duplicate: nothing changed) ' if run.duplicate else ''}"
                f"{seconds:8.1f} s  peak RSS {peak_rss_mb():6.0f} MB",
                flush=True,
            )
        results.append(total)
        print(f"  {attempt} load total: {total:.1f} s")

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM customers_customer c LEFT JOIN (SELECT customer_id, "
            "SUM(market_value) AS s FROM customers_holding GROUP BY customer_id) h "
            "ON h.customer_id = c.id WHERE c.aum <> COALESCE(h.s, 0)"
        )
        off = cursor.fetchone()[0]
    first, second = results
    print(
        f"RESULT positions={positions} aggregates={aggregates} first_s={first:.1f} "
        f"second_s={second:.2f} ratio={second / first:.3%} peak_rss_mb={peak_rss_mb():.0f} "
        f"customers_with_aum_not_equal_to_holdings={off}"
    )
    print(
        f"targets: first ≤ 600 s: {'met' if first <= 600 else 'MISSED'}; "
        f"RSS ≤ 500 MB: {'met' if peak_rss_mb() <= 500 else 'MISSED'}; "
        f"second ≤ 10 %: {'met' if second <= 0.1 * first else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
