"""A pattern-ops B-tree index on the complainant's name for the global search's exact and
prefix matches (crm.ui.search): with the reference index and the customer's, the database
combines three index scans instead of reading every complaint. PostgreSQL only, like the
customer name indexes (customers 0003); SQLite keeps plain scans."""

from django.db import migrations

INDEX = (
    "CREATE INDEX IF NOT EXISTS complaint_complainant_prefix "
    "ON complaints_complaint (complainant_name varchar_pattern_ops)"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS complaint_complainant_prefix")


class Migration(migrations.Migration):
    dependencies = [("complaints", "0011_drop_clear_complainant_contact")]

    operations = [migrations.RunPython(create, drop)]
