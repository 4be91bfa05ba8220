"""The staging table a feed file is streamed into, checked in and merged from: a temporary
table of the loading transaction. PostgreSQL fills it with COPY; SQLite (the embedded default)
with batched inserts: slower, the same result."""

from django.db import connection

from .kinds import Kind

TABLE = "feed_stage"
_TYPES = {
    "postgresql": {
        "text": "text",
        "numeric": "numeric",
        "date": "date",
        "int": "bigint",
        "bool": "boolean",
    },
    "sqlite": {
        "text": "text",
        "numeric": "numeric",
        "date": "text",
        "int": "integer",
        "bool": "integer",
    },
}


def is_pg() -> bool:
    return connection.vendor == "postgresql"


def columns(kind: Kind) -> list[str]:
    return ["row_no", "ok", *(name for name, _type in kind.stage)]


def create(cursor, kind: Kind) -> None:
    types = _TYPES["postgresql" if is_pg() else "sqlite"]
    cols = [f"{name} {types[t]}" for name, t in kind.stage]
    if kind.customer:
        cols.append("customer_id bigint")
    if kind.product:
        cols.append("product_id bigint")
    cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
    suffix = " ON COMMIT DROP" if is_pg() else ""
    ok_type = types["bool"]
    cursor.execute(
        f"CREATE TEMPORARY TABLE {TABLE} (row_no integer NOT NULL, ok {ok_type} NOT NULL, "
        f"{', '.join(cols)}){suffix}"
    )


def drop(cursor) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Writer:
    """Appends staged rows: one COPY stream on PostgreSQL, batches of inserts on SQLite."""

    BATCH = 5000

    def __init__(self, cursor, kind: Kind):
        self.cursor, self.kind = cursor, kind
        self.names = columns(kind)
        self._copy = None
        self._batch = []

    def __enter__(self):
        if is_pg():
            self._copy_cm = self.cursor.copy(f"COPY {TABLE} ({', '.join(self.names)}) FROM STDIN")
            self._copy = self._copy_cm.__enter__()
        return self

    def write(self, row: tuple) -> None:
        if self._copy is not None:
            self._copy.write_row(row)
            return
        self._batch.append(row)
        if len(self._batch) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._batch:
            marks = ", ".join(["%s"] * len(self.names))
            self.cursor.executemany(
                f"INSERT INTO {TABLE} ({', '.join(self.names)}) VALUES ({marks})", self._batch
            )
            self._batch = []

    def __exit__(self, *exc):
        if self._copy is not None:
            return self._copy_cm.__exit__(*exc)
        if exc[0] is None:
            self._flush()
        return False


def analyse(cursor) -> None:
    # Temporary tables are never analysed by autovacuum: without statistics the joins below
    # are planned for a table of a few rows.
    if is_pg():
        cursor.execute(f"ANALYZE {TABLE}")


def false() -> str:
    return "false" if is_pg() else "0"


def true() -> str:
    return "true" if is_pg() else "1"


def distinct() -> str:
    return "IS DISTINCT FROM" if is_pg() else "IS NOT"
