"""Indexes for the global search (crm.ui.search): a pattern-ops B-tree on the complainant's
name (exact and prefix matches, combined with the reference index instead of reading every
complaint) and one on the contact's keyed hash (a mobile or e-mail searched for; the intake's
duplicate check reads it too). PostgreSQL only, like the customer name indexes (customers
0003); SQLite keeps plain scans."""

from django.db import migrations

INDEXES = [
    "CREATE INDEX IF NOT EXISTS complaint_complainant_prefix "
    "ON complaints_complaint (complainant_name varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS complaint_contact_hash "
    "ON complaints_complaint (complainant_contact_hash)",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in INDEXES:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in ("complaint_complainant_prefix", "complaint_contact_hash"):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("complaints", "0011_drop_clear_complainant_contact")]

    operations = [migrations.RunPython(create, drop)]
