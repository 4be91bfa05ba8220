"""The audit log's hash chain: each row carries the previous row's hash and its own keyed hash.

row_hash = HMAC-SHA256(key, prev_hash || canonical JSON of the row's fields), rows chained in id
order from GENESIS. The append-only triggers stop the application from changing history; the
chain lets compliance prove nobody with more power (a DBA, a restored backup) did either: an
edited row no longer matches its own hash, a removed or reordered one breaks the next row's
prev_hash. The key lives in settings (FIDUCIA_AUDIT_CHAIN_KEY), not in the database, so whoever
edits a row cannot recompute the chain. A truncated tail leaves no break behind; the
verification shows the last row and hash so a reviewer can compare them with an earlier run.

Cost: appends are serialised. On PostgreSQL a transaction-level advisory lock is taken before the
tail is read, so a transaction that writes audit rows holds up the next one's audit write until it
commits (SQLite has a single writer anyway). Writes that add many rows chain them in one batch
(services.record_many / record_rows), so a batch pays the lock once. bench/audit_chain.py on
the 2-core development machine (PostgreSQL 15): ~220 single appends/s, one per transaction,
of which the chain is ~20 % (the commit dominates); ~160/s from 4 concurrent connections (the
lock is held to commit); ~5,500 rows/s in a batch; verification ~19,000 rows/s. Audit writes
follow people's actions and batch jobs write in batches, so this stays far from a limit.
"""

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from .models import AuditEntry

GENESIS = "0" * 64
# Any constant shared by every writer; "audit" in ASCII.
LOCK_KEY = 0x6175646974
HASHED_FIELDS = (
    "at",
    "actor_id",
    "action",
    "target_type",
    "target_id",
    "target_repr",
    "purpose",
    "before",
    "after",
)


def _json_value(value):
    # What the JSON column gives back on reading: dates and decimals as strings.
    return None if value is None else json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def canonical(values: dict) -> bytes:
    """The row's fields as the bytes that are hashed; equal for the row written and read back."""
    at = values["at"].astimezone(UTC).isoformat(timespec="microseconds")
    doc = {name: values[name] for name in HASHED_FIELDS if name not in ("at", "before", "after")}
    doc.update(at=at, before=_json_value(values["before"]), after=_json_value(values["after"]))
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def row_hash(prev_hash: str, values: dict) -> str:
    key = settings.FIDUCIA_AUDIT_CHAIN_KEY.encode()
    return hmac.new(key, prev_hash.encode() + canonical(values), hashlib.sha256).hexdigest()


def _values(entry: AuditEntry) -> dict:
    return {name: getattr(entry, name) for name in HASHED_FIELDS}


def seal(entries: list[AuditEntry]) -> None:
    """Chain unsaved entries after the current tail, in list order, and give them their ids.

    Call inside the transaction that inserts them (services.record and record_many do). On
    PostgreSQL the ids come from the table's sequence under the lock, so id order is chain
    order whatever order the INSERT assigns them in.
    """
    if not entries:
        return
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            # A new statement, so a new snapshot: it sees the chain the lock holder committed.
            cursor.execute(
                f"SELECT (SELECT row_hash FROM {table} ORDER BY id DESC LIMIT 1), "  # noqa: S608 (model table name)
                f"ARRAY(SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                "FROM generate_series(1, %s))",
                [AuditEntry._meta.db_table, len(entries)],
            )
            prev, ids = cursor.fetchone()
            for entry, pk in zip(entries, sorted(ids), strict=True):
                entry.pk = pk
        else:
            # SQLite: the IMMEDIATE transaction holds the database's one write lock already.
            cursor.execute(f"SELECT row_hash FROM {table} ORDER BY id DESC LIMIT 1")  # noqa: S608 (model table name)
            row = cursor.fetchone()
            prev = row[0] if row else None
    prev = prev or GENESIS
    for entry in entries:
        entry.prev_hash = prev
        entry.row_hash = prev = row_hash(prev, _values(entry))


def extra_queries() -> int:
    """Statements seal() adds to each append (query budgets in tests): the tail read, and on
    PostgreSQL the lock."""
    return 2 if connection.vendor == "postgresql" else 1


@dataclass(frozen=True)
class Verification:
    checked: int = 0
    last_id: int | None = None
    last_hash: str = ""
    bad_id: int | None = None
    # "tampered": the row's fields no longer match its hash; "missing": its prev_hash is not the
    # previous row's hash (a row before it was removed, or rows were reordered); "unsealed":
    # the row carries no hash at all (written past the chain).
    problem: str = ""
    previous_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.bad_id is None


def verify(*, chunk_size: int = 2000) -> Verification:
    """Walk the whole chain in id order, streamed, and stop at the first break."""
    checked = 0
    previous_id = None
    expected = GENESIS
    for row in _rows(chunk_size):
        pk, prev_hash, stored = row["id"], row["prev_hash"], row["row_hash"]
        problem = ""
        if not stored or not prev_hash:
            problem = "unsealed"
        elif prev_hash != expected:
            problem = "missing"
        elif not hmac.compare_digest(stored, row_hash(prev_hash, row)):
            problem = "tampered"
        if problem:
            return Verification(checked, previous_id, expected, pk, problem, previous_id)
        checked += 1
        previous_id, expected = pk, stored
    return Verification(checked, previous_id, expected if checked else "")


def _rows(chunk_size: int) -> Iterator[dict]:
    fields = ("id", "prev_hash", "row_hash", *HASHED_FIELDS)
    return AuditEntry.objects.order_by("pk").values(*fields).iterator(chunk_size=chunk_size)
