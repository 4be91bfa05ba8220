"""Search indexes that only PostgreSQL has: a trigram GIN index for name search (pg_trgm) and
pattern-ops B-tree indexes for prefix search on pinyin keys and customer numbers.
SQLite keeps plain LIKE scans (the embedded quick start never holds a million rows)."""

from django.db import migrations

INDEXES = [
    "CREATE INDEX IF NOT EXISTS cust_name_trgm ON customers_customer USING gin (name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS cust_name_prefix ON customers_customer (name varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS cust_initials_prefix "
    "ON customers_customer (name_initials varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS cust_pinyin_prefix "
    "ON customers_customer (name_pinyin varchar_pattern_ops)",
]
DROP = ["cust_name_trgm", "cust_name_prefix", "cust_initials_prefix", "cust_pinyin_prefix"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for sql in INDEXES:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in DROP:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_records_imports_exports")]

    operations = [migrations.RunPython(create, drop)]
