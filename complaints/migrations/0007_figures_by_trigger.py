"""The complaint statistics summary (MonthlyFigure) is kept by database triggers from here on,
so every write — the ORM, a bulk load, raw SQL, a restore script — moves the figures with it, in
the same transaction (issue 14 item 8; before, Complaint.save/delete and the queryset's bulk
methods did it in Python, and raw SQL slipped past).

PostgreSQL: statement-level AFTER triggers with transition tables. One statement's changed rows
are summed into a delta per (month, dimension, key) and added to the stored counters key by key
in key order, so concurrent writers lock shared figure rows in the same order (no deadlock) and
queue on them instead of losing an update. An existing row is updated in place; a missing one
is inserted with the delta (a new key only gains whole complaints, so that row is valid),
`ON CONFLICT` covering a concurrent first insert.

SQLite (development, demo): row-level triggers do the same per row.

The SQL is written out here, not imported, so this migration keeps meaning what it meant.
"""

from django.db import migrations

TABLE = "complaints_complaint"
FIGURE = "complaints_monthlyfigure"
MEASURES = ("n", "closed", "decided", "breaches", "days_sum", "days_n", "sat_sum", "rated", "satisfied")
DIMENSIONS = (
    ("channel", "channel_id"),
    ("business_category", "business_category_id"),
    ("cause", "cause_id"),
    ("branch", "branch_id"),
    ("product", "product_id"),
)
# The columns a complaint's contribution depends on.
INPUTS = (
    "received_month",
    *(column for _dim, column in DIMENSIONS),
    "state",
    "decided_at",
    "breached",
    "handling_days",
    "satisfaction",
)


def measures(r: str) -> list[str]:
    """What one complaint row (alias `r`) adds to each measure, as SQL (both databases)."""
    return [
        "1",
        f"CASE WHEN {r}.state IN ('closed', 'withdrawn') THEN 1 ELSE 0 END",
        f"CASE WHEN {r}.decided_at IS NOT NULL THEN 1 ELSE 0 END",
        f"CASE WHEN {r}.breached THEN 1 ELSE 0 END",
        f"COALESCE({r}.handling_days, 0)",
        f"CASE WHEN {r}.handling_days IS NOT NULL THEN 1 ELSE 0 END",
        f"CASE WHEN {r}.satisfaction >= 1 THEN {r}.satisfaction ELSE 0 END",
        f"CASE WHEN {r}.satisfaction >= 1 THEN 1 ELSE 0 END",
        f"CASE WHEN {r}.satisfaction >= 4 THEN 1 ELSE 0 END",
    ]


COLUMNS = ", ".join(["month", "dimension", '"key"', *MEASURES])
ADD = ", ".join(f"{m} = {FIGURE}.{m} + EXCLUDED.{m}" for m in MEASURES)


# ---- PostgreSQL -------------------------------------------------------------------------------


def _pg_signed(op: str) -> str:
    """The rows a statement changed, with +1 (new values) or -1 (old values)."""
    if op == "INSERT":
        return "SELECT 1 AS sign, c.* FROM new_rows c"
    if op == "DELETE":
        return "SELECT -1 AS sign, c.* FROM old_rows c"
    old = ", ".join(f"o.{c}" for c in INPUTS)
    new = ", ".join(f"n.{c}" for c in INPUTS)
    changed = f"n.id = o.id AND ({new}) IS DISTINCT FROM ({old})"
    return (
        f"SELECT 1 AS sign, n.* FROM new_rows n JOIN old_rows o ON {changed} "
        f"UNION ALL SELECT -1 AS sign, o.* FROM old_rows o JOIN new_rows n ON {changed}"
    )


def _pg_function(op: str) -> str:
    sums = ", ".join(
        f"SUM(s.sign * {expr}) AS {m}" for m, expr in zip(MEASURES, measures("s"), strict=True)
    )
    dims = ", ".join(f"('{dim}', s.{column})" for dim, column in DIMENSIONS)
    delta = (
        f"SELECT s.received_month AS month, d.dimension, COALESCE(d.key, 0) AS key, {sums} "
        f"FROM ({_pg_signed(op)}) s CROSS JOIN LATERAL (VALUES {dims}) AS d(dimension, key) "
        "GROUP BY 1, 2, 3"
    )
    nonzero = " OR ".join(f"x.{m} <> 0" for m in MEASURES)
    sets = ", ".join(f"{m} = f.{m} + r.{m}" for m in MEASURES)
    values = ", ".join(["r.month", "r.dimension", "r.key", *(f"r.{m}" for m in MEASURES)])
    return f"""
    CREATE OR REPLACE FUNCTION complaints_figures_{op.lower()}() RETURNS trigger AS $$
    DECLARE
        r record;
    BEGIN
        FOR r IN
            SELECT * FROM ({delta}) x WHERE {nonzero} ORDER BY x.month, x.dimension, x.key
        LOOP
            UPDATE {FIGURE} f SET {sets}
            WHERE f.month = r.month AND f.dimension = r.dimension AND f."key" = r.key;
            IF NOT FOUND THEN
                INSERT INTO {FIGURE} ({COLUMNS}) VALUES ({values})
                ON CONFLICT (month, dimension, "key") DO UPDATE SET {ADD};
            END IF;
        END LOOP;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql;
    """


def _pg_trigger(op: str) -> str:
    referencing = {
        "INSERT": "NEW TABLE AS new_rows",
        "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "DELETE": "OLD TABLE AS old_rows",
    }[op]
    return (
        f"CREATE TRIGGER complaints_figures_{op.lower()} AFTER {op} ON {TABLE} "
        f"REFERENCING {referencing} FOR EACH STATEMENT "
        f"EXECUTE FUNCTION complaints_figures_{op.lower()}();"
    )


OPS = ("INSERT", "UPDATE", "DELETE")
PG_UP = [sql for op in OPS for sql in (_pg_function(op), _pg_trigger(op))]
PG_DOWN = [
    sql
    for op in OPS
    for sql in (
        f"DROP TRIGGER IF EXISTS complaints_figures_{op.lower()} ON {TABLE};",
        f"DROP FUNCTION IF EXISTS complaints_figures_{op.lower()}();",
    )
]


# ---- SQLite -----------------------------------------------------------------------------------


def _sqlite_add(row: str) -> list[str]:
    values = ", ".join(measures(row))
    return [
        f"INSERT INTO {FIGURE} ({COLUMNS}) VALUES "
        f"({row}.received_month, '{dim}', COALESCE({row}.{column}, 0), {values}) "
        f'ON CONFLICT (month, dimension, "key") DO UPDATE SET {ADD};'
        for dim, column in DIMENSIONS
    ]


def _sqlite_subtract(row: str) -> list[str]:
    sets = ", ".join(
        f"{m} = {m} - ({expr})" for m, expr in zip(MEASURES, measures(row), strict=True)
    )
    return [
        f"UPDATE {FIGURE} SET {sets} WHERE month = {row}.received_month "
        f"AND dimension = '{dim}' AND \"key\" = COALESCE({row}.{column}, 0);"
        for dim, column in DIMENSIONS
    ]


def _sqlite_trigger(name: str, event: str, body: list[str]) -> str:
    return f"CREATE TRIGGER {name} AFTER {event} ON {TABLE} BEGIN {' '.join(body)} END;"


SQLITE_UP = [
    _sqlite_trigger("complaints_figures_insert", "INSERT", _sqlite_add("NEW")),
    _sqlite_trigger(
        "complaints_figures_update",
        f"UPDATE OF {', '.join(INPUTS)}",
        _sqlite_subtract("OLD") + _sqlite_add("NEW"),
    ),
    _sqlite_trigger("complaints_figures_delete", "DELETE", _sqlite_subtract("OLD")),
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS complaints_figures_{op.lower()};" for op in OPS
]


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": PG_UP, "sqlite": SQLITE_UP}.get(vendor, []):
        schema_editor.execute(sql, None)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": PG_DOWN, "sqlite": SQLITE_DOWN}.get(vendor, []):
        schema_editor.execute(sql, None)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0006_monthly_figures")]
    operations = [migrations.RunPython(up, down)]
