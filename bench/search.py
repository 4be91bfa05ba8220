"""Global search timings on the bench database (after bench/generate.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fiducia_bench \\
        .venv/bin/python bench/search.py --runs 30

Each query shape (name, surname, pinyin, customer number, phone last 4, ID number…) is sent
the way the top bar's box sends it as you type — an htmx POST to /search/ through Django's test
Client, the full middleware stack, no network — once to warm up, once with its queries
captured, then --runs times; it prints exact query counts, p50/p95 server time and the hits
per group, as an RM and as compliance (whose search covers every customer). Target (issue 20):
p95 <= 150 ms with <= 10 queries.

`--fill` first tops the other groups up, set-based and idempotent (rows marked "bench-search"):
an open task for every tenth generated customer, a released warning for every twentieth, a
document for every tenth. Complaints come from `bench/complaints.py --complaints 100000` (run
it against this database, or the groups are measured empty).
"""

import argparse
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup  # noqa: E402
from _timing import percentile, run_times_ms  # noqa: E402

django_setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from crm import crypto  # noqa: E402
from crm.accounts.models import User  # noqa: E402
from customers.records.models import Customer  # noqa: E402
from customers.records.search_keys import pinyin_keys  # noqa: E402

SEARCH = "/search/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def shapes(user) -> list[tuple[str, str]]:
    """Query shapes for a customer in the user's book (compliance: a generated one)."""
    sample = Customer.objects.filter(owner=user).order_by("number").first()
    if sample is None:
        sample = Customer.objects.filter(number__startswith="B").order_by("number")[1234:1235].get()
    full, initials = pinyin_keys(sample.name)
    if sample.kind == "individual":
        identifier = ("ID number", crypto.decrypt(sample.id_number_encrypted))
    else:
        identifier = ("credit code (USCC)", sample.uscc)
    mobile = crypto.decrypt(sample.mobile_encrypted) or "13800001234"
    return [
        ("name", sample.name),
        ("name prefix (2)", sample.name[:2]),
        ("surname (1 char)", sample.name[0]),
        ("pinyin initials", initials),
        ("full pinyin", full),
        ("customer number", sample.number),
        ("number prefix", sample.number[:6]),
        ("phone last 4", mobile[-4:]),
        identifier,
        ("no match", "不存在的名字"),
    ]


FILL = [
    """INSERT INTO customers_followuptask (title, reason, due_on, status, notes, skip_reason,
        dedupe_key, created_at, customer_id, owner_id, text_code)
    SELECT '回访：了解资金安排', 'manual', current_date + (c.id % 60)::int, 'open', '', '',
        'bench-search:' || c.id, now(), c.id, c.owner_id, ''
    FROM customers_customer c WHERE c.number LIKE 'B%' AND c.id % 10 = 3
    ON CONFLICT DO NOTHING""",
    """INSERT INTO compliance_riskwarning (kind, grade, status, title, raised_on, raised_at,
        verify_by, released_at, outcome, customer_id, owner_id)
    SELECT 'overdue', 'yellow', 'released', '贷款逾期（已解除）', current_date - 90,
        now() - interval '90 days', current_date - 85, now() - interval '80 days',
        'bench-search', c.id, c.owner_id
    FROM customers_customer c WHERE c.number LIKE 'B%' AND c.id % 20 = 7 AND NOT EXISTS (
        SELECT 1 FROM compliance_riskwarning w
        WHERE w.customer_id = c.id AND w.outcome = 'bench-search')""",
    """INSERT INTO customers_customerdocument (kind, title, file, uploaded_at, customer_id)
    SELECT 'contract', '理财产品认购合同 ' || c.number, '', now(), c.id
    FROM customers_customer c WHERE c.number LIKE 'B%' AND c.id % 10 = 5 AND NOT EXISTS (
        SELECT 1 FROM customers_customerdocument d WHERE d.customer_id = c.id)""",
]


def fill() -> None:
    with connection.cursor() as cursor:
        for sql in FILL:
            cursor.execute(sql)
            print(f"  +{cursor.rowcount:,} rows ({sql.split()[2]})")
        cursor.execute("ANALYZE")


def hits_per_group(html: str) -> list[tuple[str, int]]:
    """(group, hits) as the fragment shows them (outside the test runner there is no context)."""
    parts = re.split(r'data-search-group="(\w+)"', html)[1:]
    return [
        (key, body.count("search-hit")) for key, body in zip(parts[::2], parts[1::2], strict=True)
    ]


def run(user, runs: int) -> None:
    client = Client()
    client.force_login(user)
    print(f"\nas {user.username} ({', '.join(sorted(user.role_names))})")
    print(f"  {'shape':<20}{'queries':>8}{'p50 ms':>9}{'p95 ms':>9}  hits per group")
    for name, q in shapes(user):

        def post(q=q):
            return client.post(SEARCH, {"q": q}, **HTMX)

        post()  # warm-up
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as ctx:
            response = post()
        queries = len(ctx.captured_queries)
        assert response.status_code == 200, (name, response.status_code)
        found = " ".join(f"{k}:{n}" for k, n in hits_per_group(response.content.decode())) or "-"
        times = run_times_ms(runs, post)
        print(
            f"  {name:<20}{queries:>8}{statistics.median(times):>9.1f}"
            f"{percentile(times, 95):>9.1f}  {found}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rm", default="bench_rm001")
    parser.add_argument("--fill", action="store_true", help="top up tasks, warnings, documents")
    args = parser.parse_args()
    if args.fill:
        fill()
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    total = Customer.objects.order_by().count()  # once, offline
    print(f"bench database: {connection.settings_dict['NAME']}, {total:,} customers")
    for username in (args.rm, "bench_compliance"):
        run(User.objects.get(username=username), args.runs)


if __name__ == "__main__":
    main()
