"""Indexes for the global search's document group (crm.ui.search): the title's prefix
(pattern-ops B-tree) and substrings (trigram GIN), so a title search never reads every document.
PostgreSQL only, like the customer name indexes (0003)."""

from django.db import migrations

INDEXES = [
    "CREATE INDEX IF NOT EXISTS doc_title_prefix "
    "ON customers_customerdocument (title varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS doc_title_trgm "
    "ON customers_customerdocument USING gin (title gin_trgm_ops)",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for sql in INDEXES:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in ("doc_title_prefix", "doc_title_trgm"):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0021_feed_schedules")]

    operations = [migrations.RunPython(create, drop)]
