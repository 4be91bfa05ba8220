"""Integration API figures on the bench database (after bench/generate.py, with this branch's
migrations applied: the customer (updated_at, id) index and the API tables).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fiducia_bench \\
        .venv/bin/python bench/api.py --pages 40 --posts 1000 --threads 10

1. Sync pages: `GET /api/v1/customers/?updated_since=…&page_size=500`, requested through
   Django's test Client (the whole middleware stack, token authentication, scope, throttle and
   the audit row; no network). The first --pages pages from the start of the window, then
   --pages pages starting at random places in it (each from a cursor built from a random
   customer), so the figures cover deep pages too. Prints p50/p95 per page and the exact query
   count of one page (target: p95 ≤ 100 ms, a fixed count).
2. Concurrent writes: --posts contacts posted by --threads clients at once, each with an
   Idempotency-Key, and a tenth of them sent a second time (a retry racing the first). Prints
   errors, how many interactions were created (each must appear once) and the request times.

The bench API client ("bench-api") is created once and gets a fresh token each run (the bench
may set its hash; the product never shows a token twice). Interactions it posts carry the run's
tag in their summary, so reruns add new ones and count only their own.
"""

import argparse
import datetime
import os
import random
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup  # noqa: E402
from _timing import percentile  # noqa: E402

django_setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from crm.api.models import ApiClient  # noqa: E402
from crm.api.pagination import encode_cursor  # noqa: E402
from crm.api.services import _new_token, api_client_create, token_hash  # noqa: E402
from customers.contacts.models import Interaction  # noqa: E402
from customers.records.models import Customer  # noqa: E402

SCOPES = ["read:customers", "write:interactions"]
NAME = "bench-api"


def bench_token() -> str:
    client = ApiClient.objects.filter(name=NAME).first()
    if client is None:
        client, token = api_client_create(
            None, name=NAME, scopes=SCOPES, expires_in_days=0, rate_per_minute=10_000_000
        )
        return token
    token = _new_token()
    ApiClient.objects.filter(pk=client.pk).update(
        token_hash=token_hash(token),
        token_prefix=token[:12],
        revoked_at=None,
        expires_at=None,
        rate_per_minute=10_000_000,
    )
    return token


def _client(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return response.json()


def sync_pages(token: str, pages: int, size: int) -> None:
    client = _client(token)
    first = Customer.objects.order_by("updated_at", "pk").values("updated_at").first()
    total = Customer.objects.count()
    since = first["updated_at"].isoformat()
    base = f"/api/v1/customers/?updated_since={since.replace('+', '%2B')}&page_size={size}"
    _get(client, base)  # warm-up
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        body = _get(client, base)
    queries = len(ctx.captured_queries)
    assert len(body["results"]) == min(size, total)

    times, cpu, rows = [], [], 0
    url = base
    for _ in range(pages):
        started, cpu_started = time.perf_counter(), time.process_time()
        body = _get(client, url)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        rows += len(body["results"])
        if not body["next_cursor"]:
            break
        url = f"{base}&cursor={body['next_cursor']}"
    # Random places in the window: a cursor as a client would hold it mid-sync.
    deep = []
    ids = list(Customer.objects.values_list("pk", flat=True).order_by("?")[:pages])
    for row in Customer.objects.filter(pk__in=ids).values("pk", "updated_at"):
        cursor = encode_cursor(row["updated_at"], row["pk"])
        started, cpu_started = time.perf_counter(), time.process_time()
        body = _get(client, f"{base}&cursor={cursor}")
        deep.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    print(f"customers: {total:,}; page size {size}; queries per page: {queries}")
    for label, values in (("first pages", times), ("random pages", deep)):
        print(
            f"  {label:<13} n={len(values):>3}  p50 {percentile(values, 50):7.1f} ms  "
            f"p95 {percentile(values, 95):7.1f} ms  max {max(values):7.1f} ms"
        )
    # Python's own CPU per page (no waiting for the database or for a busy machine's cores).
    print(
        f"  web-process CPU per page: p50 {percentile(cpu, 50):.1f} ms  p95 {percentile(cpu, 95):.1f} ms"
    )
    with connection.cursor() as cur:
        cur.execute("SELECT 1")  # the load average says how busy the machine was
    print(f"  load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    both = times + deep
    verdict = "OK" if percentile(both, 95) <= 100 else "OVER TARGET"
    print(f"  all pages     p95 {percentile(both, 95):.1f} ms (target ≤ 100 ms): {verdict}")


def concurrent_posts(token: str, posts: int, threads: int) -> None:
    tag = f"bench-api {uuid.uuid4().hex[:8]}"
    customers = list(
        Customer.objects.order_by("?").values_list("number", flat=True)[: min(posts, 5000)]
    )
    now = timezone.now()
    keys = [f"{tag}-{i}" for i in range(posts)]
    retries = keys[::10]  # a tenth of the calls are sent twice, by another thread
    work = [[] for _ in range(threads)]
    for i, key in enumerate(keys):
        work[i % threads].append(key)
    for i, key in enumerate(retries):
        work[(i + 1) % threads].append(key)
    payloads = {
        key: {
            "customer": customers[i % len(customers)],
            "channel": "phone",
            "occurred_at": (now - datetime.timedelta(minutes=i % 600)).isoformat(),
            "purpose": "service",
            "summary": f"{tag} call {i}",
        }
        for i, key in enumerate(keys)
    }
    errors, times, statuses = [], [], []
    lock = threading.Lock()

    def worker(my_keys):
        client = _client(token)
        random.shuffle(my_keys)
        try:
            for key in my_keys:
                started = time.perf_counter()
                response = client.post(
                    "/api/v1/interactions/",
                    payloads[key],
                    content_type="application/json",
                    HTTP_IDEMPOTENCY_KEY=key,
                )
                with lock:
                    times.append((time.perf_counter() - started) * 1000)
                    statuses.append(response.status_code)
                    if response.status_code != 201:
                        errors.append((key, response.status_code, response.content[:200]))
        except Exception as exc:  # noqa: BLE001 - counted and printed
            with lock:
                errors.append(("exception", repr(exc)))
        finally:
            connection.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(w,)) for w in work]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - started
    created = Interaction.objects.filter(summary__startswith=tag).count()
    distinct = (
        Interaction.objects.filter(summary__startswith=tag).values("summary").distinct().count()
    )
    print(
        f"interactions: {posts} posted by {threads} concurrent clients "
        f"(+{len(retries)} retries with the same keys) in {wall:.1f} s"
    )
    print(
        f"  errors {len(errors)}; created {created}; distinct {distinct}; "
        f"each once: {'yes' if created == distinct == posts else 'NO'}"
    )
    print(f"  request p50 {percentile(times, 50):.1f} ms  p95 {percentile(times, 95):.1f} ms")
    for error in errors[:5]:
        print("  error:", error)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=10)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/api.py needs PostgreSQL (set DATABASE_URL)")
    settings.ALLOWED_HOSTS = ["*"]  # the test Client's "testserver"
    token = bench_token()
    sync_pages(token, args.pages, args.page_size)
    if args.posts:
        concurrent_posts(token, args.posts, args.threads)


if __name__ == "__main__":
    main()
