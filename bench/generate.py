"""Load N customers with 12 months of aggregates and holdings into PostgreSQL, fast.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fiducia_bench \\
        .venv/bin/python bench/generate.py --customers 1000000

Rows go in with COPY (psycopg 3 `cursor.copy`) in chunks of --chunk customers, one transaction
per chunk, with progress output. Customers are numbered B000000001…; a rerun resumes after the
highest number present, so an interrupted load can simply be started again, and rerunning with
the same N changes nothing. `--reset` deletes the generated rows first. The bench organisation
(branches, teams, 400 RMs "bench_rm001"…, a team lead, a branch head, compliance) is created
with get_or_create. Other apps' generators (bench/gen_<app>.py) build on these customers.

`--interactions N` (default off) adds N contacts/visits spread over the generated customers
(3M for the 1M-customer design scale), one INSERT … SELECT per --interaction-chunk, resumable.
"""

import argparse
import datetime
import multiprocessing
import sys
import time
from decimal import Decimal
from pathlib import Path

STARTED = time.monotonic()  # "whole run" counts Django's start-up too
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup  # noqa: E402

django_setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from crm import crypto  # noqa: E402
from crm.accounts import roles  # noqa: E402
from crm.accounts.models import Branch, Team, User  # noqa: E402
from crm.ui.formatting import mask_email, mask_id_number, mask_phone  # noqa: E402
from customers.records.demo import CITIES, GIVEN, INSTITUTIONS, SURNAMES, seed_products  # noqa: E402
from customers.records.search_keys import pinyin_keys  # noqa: E402
from customers.records.validators import resident_id_check_digit, uscc_check_char  # noqa: E402

PREFIX = "B"
BRANCHES = [
    ("BN-SH", "上海分行"),
    ("BN-BJ", "北京分行"),
    ("BN-SZ", "深圳分行"),
    ("BN-HZ", "杭州分行"),
]
TEAMS_PER_BRANCH = 10
RMS_PER_TEAM = 10
VIP = [(6_000_000, "private"), (2_000_000, "diamond"), (500_000, "platinum"), (50_000, "gold")]
CUSTOMER_COLUMNS = [
    "number",
    "kind",
    "institution_type",
    "name",
    "name_pinyin",
    "name_initials",
    "id_type",
    "id_number_encrypted",
    "id_number_hash",
    "id_number_masked",
    "id_expires_on",
    "gender",
    "birth_date",
    "occupation",
    "mobile_encrypted",
    "mobile_hash",
    "mobile_last4_hash",
    "mobile_masked",
    "email_encrypted",
    "email_hash",
    "email_masked",
    "address",
    "uscc",
    "uscc_hash",
    "legal_representative",
    "owner_id",
    "branch_id",
    "team_id",
    "tier",
    "vip_level",
    "capital_segment",
    "risk_class",
    "risk_assessed_on",
    "aum",
    "is_active",
    "created_at",
    "updated_at",
]


def organisation() -> tuple[list[User], dict[str, User]]:
    # One hash for every bench account: the configured hasher costs ~0.3 s a password on a quiet
    # machine (PBKDF2), several times that under load, and there are 403 accounts (issue 21).
    password = make_password(settings.FIDUCIA["DEMO_PASSWORD"])
    head_office, _ = Branch.objects.get_or_create(
        code="HO", defaults={"name": "总行", "level": Branch.Level.HEAD_OFFICE}
    )
    group = {name: Group.objects.get_or_create(name=name)[0] for name in roles.ROLES}
    rms, special = [], {}
    for b, (code, name) in enumerate(BRANCHES):
        branch, _ = Branch.objects.get_or_create(
            code=code, defaults={"name": name, "level": Branch.Level.BRANCH, "parent": head_office}
        )
        for t in range(TEAMS_PER_BRANCH):
            team, _ = Team.objects.get_or_create(branch=branch, name=f"{name}财富{t + 1}组")
            for r in range(RMS_PER_TEAM):
                n = (b * TEAMS_PER_BRANCH + t) * RMS_PER_TEAM + r + 1
                rms.append(
                    _user(
                        f"bench_rm{n:03d}",
                        f"客户经理{n:03d}",
                        branch,
                        team,
                        group,
                        roles.RELATIONSHIP_MANAGER,
                        password,
                    )
                )
        if b == 0:
            first_team = Team.objects.get(branch=branch, name=f"{name}财富1组")
            special["lead"] = _user(
                "bench_lead", "团队长", branch, first_team, group, roles.TEAM_LEAD, password
            )
            special["head"] = _user(
                "bench_head", "分行行长", branch, None, group, roles.BRANCH_HEAD, password
            )
    special["compliance"] = _user(
        "bench_compliance",
        "合规专员",
        head_office,
        None,
        group,
        roles.COMPLIANCE_OFFICER,
        password,
    )
    return rms, special


def _user(username, display, branch, team, groups, role, password) -> User:
    """`password` is already encoded (make_password), the same for every bench account."""
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"display_name": display, "branch": branch, "team": team, "password": password},
    )
    if created:
        user.groups.add(groups[role])
    return user


class Generator:
    """Builds customer rows as COPY text. Runs in a worker process (no database access)."""

    def __init__(self, rms):
        self.rms = [(u.pk, u.branch_id, u.team_id) for u in rms]
        self.today = timezone.localdate()
        self.now = timezone.now().isoformat()
        self.pinyin: dict[str, tuple[str, str]] = {}
        self.base_birth = datetime.date(1950, 1, 1)

    def _keys(self, name: str) -> tuple[str, str]:
        keys = self.pinyin.get(name)
        if keys is None:
            keys = self.pinyin[name] = pinyin_keys(name)
        return keys

    def customer_row(self, i: int) -> str:
        owner_id, branch_id, team_id = self.rms[i % len(self.rms)]
        h = (i * 2654435761) & 0xFFFFFFFF  # cheap deterministic scatter
        scale = (50_000, 300_000, 800_000, 3_000_000, 9_000_000)[h % 5]
        aum = Decimal(scale * (40 + (h >> 4) % 120) // 100)
        vip = next((level for floor, level in VIP if aum >= floor), "ordinary")
        tier = "A" if h % 10 == 0 else ("B" if h % 10 < 4 else "C")
        assessed = self.today - datetime.timedelta(days=(i * 37) % 365)
        number = f"{PREFIX}{i:09d}"
        if i % 10 == 0:
            itype, pattern = INSTITUTIONS[h % len(INSTITUTIONS)]
            prefix = pattern.format(city=CITIES[h % len(CITIES)])
            name = f"{prefix}{i}"
            body = f"91310000{i:09d}"
            uscc = body + uscc_check_char(body)
            full, initials = self._keys(prefix)
            fields = [
                number,
                "institution",
                itype,
                name,
                full,
                initials,
                "",
                "",
                r"\N",
                "",
                r"\N",
                "",
                r"\N",
                "",
                "",
                r"\N",
                "",
                "",
                "",
                r"\N",
                "",
                "",
                uscc,
                crypto.lookup_hash(uscc),
                SURNAMES[h % 100] + "总",
            ]
        else:
            name = SURNAMES[h % len(SURNAMES)] + GIVEN[(h >> 8) % len(GIVEN)]
            birth = self.base_birth + datetime.timedelta(days=i % 18250)
            id_body = f"310115{birth:%Y%m%d}{(i // 18250) % 1000:03d}"
            id_number = id_body + resident_id_check_digit(id_body)
            mobile = f"13{i:09d}"
            fields = [
                number,
                "individual",
                "",
                name,
                *self._keys(name),
                "resident_id",
                crypto.encrypt(id_number),
                crypto.lookup_hash(id_number),
                mask_id_number(id_number),
                (self.today + datetime.timedelta(days=h % 3000)).isoformat(),
                "MF"[h % 2],
                birth.isoformat(),
                "",
                crypto.encrypt(mobile),
                crypto.lookup_hash(mobile),
                crypto.lookup_hash(mobile[-4:]),
                mask_phone(mobile),
                crypto.encrypt(f"c{i}@example.cn"),
                crypto.lookup_hash(f"c{i}@example.cn"),
                mask_email(f"c{i}@example.cn"),
                "",
                r"\N",
                r"\N",
                "",
            ]
        fields += [
            str(owner_id),
            str(branch_id),
            str(team_id),
            tier,
            vip,
            "",
            f"C{1 + h % 5}",
            assessed.isoformat(),
            str(aum),
            "t",
            self.now,
            self.now,
        ]
        return "\t".join(fields) + "\n"


_GENERATOR: Generator | None = None  # set before the worker pool forks


def _chunk_text(bounds: tuple[int, int]) -> tuple[int, int, str]:
    low, high = bounds
    return low, high, "".join(_GENERATOR.customer_row(i) for i in range(low, high + 1))


# Twelve months of aggregates and up to two holdings per customer, generated inside PostgreSQL
# (set-based, no Python per row) from the customers just copied in.
AGGREGATES_SQL = """
INSERT INTO customers_monthlyaggregate
    (customer_id, month, average_balance, margin_balance, deposit_spread, trade_count,
     trade_volume, commission, commission_rate, rebate, fee_income, net_interest_income)
SELECT c.id, (date_trunc('month', %(today)s::date) - make_interval(months => k))::date,
       b, round(b * 0.1, 2), 0.015, (c.id + k) %% 25, round(b * 0.3, 2), round(b * 0.00009, 2),
       0.0003, round(b * 0.00001, 2), round(b * 0.0004, 2), round(b * 0.001, 2)
FROM customers_customer c
CROSS JOIN generate_series(0, 11) AS k
CROSS JOIN LATERAL (SELECT round(c.aum * (0.85 + ((c.id + k) %% 30) / 100.0), 2) AS b) AS x
WHERE c.number BETWEEN %(low)s AND %(high)s
"""
HOLDINGS_SQL = """
INSERT INTO customers_holding (customer_id, product_id, account_number_encrypted,
    account_number_hash, account_number_masked, market_value, as_of)
SELECT c.id, p.first, '', '', '****' || right(lpad(c.id::text, 15, '0'), 4),
       CASE WHEN p.first = p.second THEN c.aum ELSE round(c.aum * 0.6, 2) END, %(today)s::date
FROM customers_customer c
CROSS JOIN LATERAL (SELECT (%(products)s::int[])[1 + c.id %% %(n)s] AS first,
                           (%(products)s::int[])[1 + (c.id / 7) %% %(n)s] AS second) AS p
WHERE c.number BETWEEN %(low)s AND %(high)s
UNION ALL
SELECT c.id, p.second, '', '', '****' || right(lpad(c.id::text, 15, '0'), 4), c.aum - round(c.aum * 0.6, 2),
       %(today)s::date
FROM customers_customer c
CROSS JOIN LATERAL (SELECT (%(products)s::int[])[1 + c.id %% %(n)s] AS first,
                           (%(products)s::int[])[1 + (c.id / 7) %% %(n)s] AS second) AS p
WHERE c.number BETWEEN %(low)s AND %(high)s AND p.first <> p.second
"""


def _copy(cursor, table: str, columns: list[str], data: str) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(data)


def load(total: int, chunk: int) -> None:
    global _GENERATOR
    t0 = time.monotonic()
    rms, _special = organisation()
    print(f"bench organisation: {len(rms) + len(_special)} staff in {time.monotonic() - t0:.1f}s")
    products = [p.pk for p in seed_products()]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(number) FROM customers_customer WHERE number LIKE %s", [f"{PREFIX}%"]
        )
        last = cursor.fetchone()[0]
    start = int(last[len(PREFIX) :]) + 1 if last else 1
    if start > total:
        print(f"{total} customers already present; nothing to do.")
        return
    print(f"loading customers {start}…{total} in chunks of {chunk}")
    _GENERATOR = Generator(rms)
    bounds = [(low, min(low + chunk - 1, total)) for low in range(start, total + 1, chunk)]
    today = _GENERATOR.today.isoformat()
    began = time.monotonic()
    # One worker builds the next chunk's text while this process feeds PostgreSQL (2 cores).
    connection.close()
    with multiprocessing.get_context("fork").Pool(1) as pool:
        for low, high, text in pool.imap(_chunk_text, bounds):
            t0 = time.monotonic()
            params = {
                "low": f"{PREFIX}{low:09d}",
                "high": f"{PREFIX}{high:09d}",
                "today": today,
                "products": products,
                "n": len(products),
            }
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
                _copy(cursor.cursor, "customers_customer", CUSTOMER_COLUMNS, text)
                cursor.execute(AGGREGATES_SQL, params)
                cursor.execute(HOLDINGS_SQL, params)
            done = high - start + 1
            elapsed = time.monotonic() - began
            rate = done / elapsed
            print(
                f"  {high:>9}/{total}  db {time.monotonic() - t0:5.1f}s  "
                f"{rate:,.0f} customers/s  elapsed {elapsed:6.0f}s  "
                f"eta {(total - high) / rate:6.0f}s",
                flush=True,
            )
    with connection.cursor() as cursor:
        for table in ("customers_customer", "customers_monthlyaggregate", "customers_holding"):
            cursor.execute(f"ANALYZE {table}")
    print(f"done: {total - start + 1} customers in {time.monotonic() - began:.0f}s")


# Interactions (contacts and visits), generated inside PostgreSQL from generate_series: the g-th
# interaction goes to customer 1 + (g · 7919) mod N (by number, unique index), spread over the
# last 420 days and the seven channels, logged by the customer's RM. Marked "[bench]" so a rerun
# resumes after the ones present.
INTERACTION_MARK = "[bench] "
INTERACTIONS_SQL = """
INSERT INTO customers_interaction
    (customer_id, channel, occurred_at, purpose, summary, outcomes, next_steps,
     other_participants, attachment, created_by_id, created_at, updated_at)
SELECT c.id,
       (ARRAY['visit','phone','video','email','wechat','event','branch'])[1 + (g * 3) %% 7],
       %(now)s::timestamptz - make_interval(days => ((g * 37) %% 420)::int, hours => (g %% 9)::int),
       (ARRAY['service','product','maturity','kyc','care'])[1 + g %% 5],
       %(mark)s || '客户联系纪要 #' || g, '', '', '', '', c.owner_id, %(now)s::timestamptz,
       %(now)s::timestamptz
FROM generate_series(%(low)s::bigint, %(high)s::bigint) AS g
JOIN customers_customer c
  ON c.number = %(prefix)s || lpad((1 + (g * 7919) %% %(customers)s)::text, 9, '0')
"""
INTERACTION_STAFF_SQL = """
INSERT INTO customers_interaction_staff (interaction_id, user_id)
SELECT i.id, i.created_by_id FROM customers_interaction i WHERE i.id > %(after)s
ON CONFLICT DO NOTHING
"""


def load_interactions(total: int, chunk: int) -> None:
    """Add generated interactions up to `total` (COPY-free: one INSERT … SELECT per chunk)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM customers_customer WHERE number LIKE %s", [f"{PREFIX}%"]
        )
        customers = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM customers_interaction WHERE summary LIKE %s",
            [INTERACTION_MARK + "%"],
        )
        present = cursor.fetchone()[0]
    if not customers:
        print("no generated customers: load them first (--customers N)")
        return
    if present >= total:
        print(f"{present} interactions already present; nothing to do.")
        return
    print(f"loading interactions {present + 1}…{total} over {customers} customers")
    began = time.monotonic()
    now = timezone.now().isoformat()
    for low in range(present + 1, total + 1, chunk):
        high = min(low + chunk - 1, total)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SELECT coalesce(max(id), 0) FROM customers_interaction")
            after = cursor.fetchone()[0]
            cursor.execute(
                INTERACTIONS_SQL,
                {
                    "low": low,
                    "high": high,
                    "now": now,
                    "mark": INTERACTION_MARK,
                    "prefix": PREFIX,
                    "customers": customers,
                },
            )
            cursor.execute(INTERACTION_STAFF_SQL, {"after": after})
        elapsed = time.monotonic() - began
        print(f"  {high:>9}/{total}  elapsed {elapsed:6.0f}s", flush=True)
    with connection.cursor() as cursor:
        for table in ("customers_interaction", "customers_interaction_staff"):
            cursor.execute(f"ANALYZE {table}")
    print(f"done: {total - present} interactions in {time.monotonic() - began:.0f}s")


def reset() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        like = f"{PREFIX}%"
        generated = "(SELECT id FROM customers_customer WHERE number LIKE %s)"
        # Children first: Django's cascades are not in the database.
        cursor.execute(
            "DELETE FROM customers_reminderdelivery WHERE task_id IN (SELECT id FROM "
            f"customers_followuptask WHERE customer_id IN {generated})",
            [like],
        )
        cursor.execute(
            f"DELETE FROM customers_followuptask WHERE customer_id IN {generated}", [like]
        )
        for table in ("customers_interaction_staff", "customers_interaction_contacts"):
            cursor.execute(
                f"DELETE FROM {table} WHERE interaction_id IN (SELECT id FROM "
                f"customers_interaction WHERE customer_id IN {generated})",
                [like],
            )
        for table in (
            "customers_interaction",
            "customers_monthlyaggregate",
            "customers_holding",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE customer_id IN {generated}", [like])
        cursor.execute("DELETE FROM customers_customer WHERE number LIKE %s", [like])
    print("generated customers removed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=20_000)
    parser.add_argument("--reset", action="store_true", help="delete generated customers first")
    parser.add_argument(
        "--interactions",
        type=int,
        default=0,
        help="also generate this many interactions (contacts and visits), e.g. 3000000",
    )
    parser.add_argument("--interaction-chunk", type=int, default=200_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/generate.py needs PostgreSQL (set DATABASE_URL)")
    call_command("migrate", verbosity=0)
    if args.reset:
        reset()
    load(args.customers, args.chunk)
    if args.interactions:
        load_interactions(args.interactions, args.interaction_chunk)
    # The whole run, migrations and the bench organisation included (issue 21 item 5's target).
    print(f"whole run: {time.monotonic() - STARTED:.0f}s")


if __name__ == "__main__":
    main()
