"""PostgreSQL planner statistics after a bulk write.

Autovacuum analyses a table only some time after a large write commits. Until then the planner
still sees the table as it was (often nearly empty) and plans the statements that read the new
rows next, in the same batch or on the pages right after it, as if there were a handful. Jobs
that write many rows therefore ANALYZE what they wrote themselves. ANALYZE may run inside a
transaction, so the batch's own later statements benefit too.
"""

from django.db import connection

# A batch that wrote this many rows to a table refreshes its statistics.
BULK_ROWS = 10_000


def analyze(*models) -> None:
    """ANALYZE the tables of `models` (PostgreSQL; a no-op elsewhere)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def analyze_after_bulk(rows: int, *models) -> None:
    """analyze(*models) when `rows` (written by one batch) reach BULK_ROWS."""
    if rows >= BULK_ROWS:
        analyze(*models)
