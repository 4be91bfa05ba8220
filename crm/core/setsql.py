"""INSERT … SELECT built from Django querysets, for set-based batch jobs (DESIGN §7).

The SELECT is compiled by the ORM (so lookups, Exists() and casts are portable between
PostgreSQL and SQLite); this wraps it in `INSERT INTO … (cols) SELECT … ON CONFLICT DO NOTHING`
so unique constraints (dedupe keys, one reminder per task/channel/day) make reruns harmless.
"""

from django.db import connection
from django.db.models import QuerySet


def insert_select(model, columns: dict[str, object], qs: QuerySet) -> int:
    """Insert one row per row of `qs`. `columns` maps model field names to expressions
    evaluated on `qs`'s model. Returns the number of rows inserted (conflicts skipped)."""
    aliases = {f"v{i}_": expr for i, expr in enumerate(columns.values())}
    select = qs.order_by().annotate(**aliases).values_list(*aliases)
    sql, params = select.query.sql_with_params()
    if " WHERE " not in sql:
        # SQLite needs a WHERE to parse INSERT … SELECT … ON CONFLICT unambiguously.
        raise ValueError("insert_select needs a filtered queryset")
    quote = connection.ops.quote_name
    cols = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    statement = f"INSERT INTO {quote(model._meta.db_table)} ({cols}) {sql} ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return max(cursor.rowcount, 0)
