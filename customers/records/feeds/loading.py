"""One feed file into the records tables: stream → stage → check → merge (or hold).

Runs inside the caller's transaction (services.feed_load): a failure or a kill at any point
leaves nothing behind. Memory stays at one row plus the capped error report; PostgreSQL
receives the rows through one COPY stream.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection

from crm.core.config import fiducia
from crm.identifiers import mask_identifiers

from . import kinds, merging, reading, staging
from .kinds import RowError, kind_of
from .models import FeedKind

# Columns of a bad row that are still staged (with ok = false): enough to keep a holdings
# snapshot from closing the positions of a customer whose row could not be read.
_KEEP_ON_ERROR = ("customer_number", "product_code", "reference")


@dataclass
class Outcome:
    rows: int = 0
    good: int = 0
    bad: int = 0
    unknown_customers: int = 0
    errors: list = field(default_factory=list)

    @property
    def bad_share(self) -> float:
        return self.bad / self.rows if self.rows else 1.0


class Held(Exception):
    """Too many bad rows (or none at all): nothing was merged; a person decides."""

    def __init__(self, outcome: Outcome):
        super().__init__("held")
        self.outcome = outcome


def _error(row: int, column: str, value: str, reason, params=None) -> dict:
    return {
        "row": row,
        "column": column,
        # Whatever the cell held, an identifier in it is masked before it is kept.
        "value": mask_identifiers(value or "")[:100],
        "reason": reason,
        "params": params or {},
    }


def load(run, *, allow_bad: bool, progress: Callable[[int], None] | None = None) -> Outcome:
    """Load `run`'s file. Raises Held (nothing merged) when the share of bad rows passes
    FIDUCIA_FEEDS["HOLD_BAD_SHARE"] and `allow_bad` is false; ValidationError for a file that
    cannot be read as this kind."""
    kind = kind_of(run.kind)
    encoding = reading.detect_encoding(run.storage_path)
    try:
        return _load(run, kind, encoding, allow_bad=allow_bad, progress=progress)
    finally:
        kinds.ACCOUNTS.clear()


def _load(run, kind, encoding, *, allow_bad, progress) -> Outcome:
    cap = fiducia("FEEDS", "MAX_REPORTED_ERRORS")
    chunk = fiducia("FEEDS", "CHUNK_ROWS")
    out = Outcome()
    names = [name for name, _t in kind.stage]
    keep = [i for i, name in enumerate(names) if name in _KEEP_ON_ERROR]
    empty = [None] * len(names)
    with connection.cursor() as cursor:
        # Created inside the caller's savepoint: a failure anywhere rolls it back with the rest
        # (no cleanup statement may run on PostgreSQL's aborted transaction); create() drops a
        # leftover first.
        staging.create(cursor, kind)
        with staging.Writer(cursor, kind) as writer:
            for row_no, cells in reading.rows(run.storage_path, kind, encoding):
                out.rows += 1
                if progress and out.rows % chunk == 0:
                    progress(out.rows)
                if cells is None:
                    out.bad += 1
                    if len(out.errors) < cap:
                        out.errors.append(_error(row_no, "", "", "columns"))
                    continue
                try:
                    values = kind.parse(cells, run.business_date)
                except RowError as exc:
                    out.bad += 1
                    if len(out.errors) < cap:
                        out.errors.append(
                            _error(
                                row_no,
                                exc.column,
                                cells.get(exc.column, ""),
                                exc.reason,
                                exc.params,
                            )
                        )
                    partial = list(empty)
                    for i in keep:
                        partial[i] = cells.get(names[i], "")
                    writer.write((row_no, False, *partial))
                    continue
                writer.write((row_no, True, *values))
        staging.analyse(cursor)
        found = merging.resolve(cursor, kind, cap=cap)
        out.bad += found["bad"]
        out.unknown_customers = found["unknown_customers"]
        for row, column, value, reason in found["report"]:
            if len(out.errors) >= cap:
                break
            params = {}
            if isinstance(reason, tuple):
                reason, params = reason[0], {"first": reason[1]}
            out.errors.append(_error(row, column, value, reason, params))
        out.errors.sort(key=lambda e: e["row"])
        out.good = merging.good_rows(cursor)
        share = fiducia("FEEDS", "HOLD_BAD_SHARE")
        if not allow_bad and (out.rows == 0 or out.bad_share > share):
            raise Held(out)
        _merge(cursor, run)
        staging.drop(cursor)
    return out


def _merge(cursor, run) -> None:
    match run.kind:
        case FeedKind.PRODUCTS:
            merging.merge_products(cursor, run)
        case FeedKind.HOLDINGS:
            merging.merge_holdings(cursor, run)
        case FeedKind.CONTRACTS:
            merging.merge_contracts(cursor, run)
        case FeedKind.TRANSACTIONS:
            merging.merge_transactions(cursor, run, source=fiducia("FEEDS", "SOURCE"))
        case FeedKind.AGGREGATES:
            merging.merge_aggregates(cursor, run)
        case FeedKind.CUSTOMERS:
            merging.merge_customers(cursor, run)
