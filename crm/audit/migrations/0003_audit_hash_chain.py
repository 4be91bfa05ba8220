import importlib

import django.utils.timezone
from django.db import migrations, models

BATCH = 2000


def chain_existing_rows(apps, schema_editor):
    """Chain the rows written before the chain existed, in id order (crm.audit.chain)."""
    from crm.audit.chain import GENESIS, HASHED_FIELDS, row_hash

    connection = schema_editor.connection
    entries = apps.get_model("audit", "AuditEntry").objects.using(connection.alias)
    if not entries.exists():
        return
    triggers = importlib.import_module("crm.audit.migrations.0002_append_only_trigger")
    # The rows' own UPDATE is what the append-only trigger refuses: lift it for this step only
    # (the migration runs in one transaction on PostgreSQL, so nobody sees the gap).
    if connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
    elif connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
    prev, last = GENESIS, 0
    while True:
        rows = list(
            entries.filter(pk__gt=last).order_by("pk").values("id", *HASHED_FIELDS)[:BATCH]
        )
        if not rows:
            break
        updates = []
        for row in rows:
            digest = row_hash(prev, row)
            updates.append((prev, digest, row["id"]))
            prev, last = digest, row["id"]
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE audit_auditentry SET prev_hash = %s, row_hash = %s WHERE id = %s", updates
            )
    if connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only")
    elif connection.vendor == "sqlite":
        schema_editor.execute(triggers.SQLITE_UP[0])


class Migration(migrations.Migration):
    """The audit log's hash chain (Issue 15, item 13): two nullable columns (ALTER TABLE ADD
    COLUMN on SQLite too, which keeps the triggers; a rebuilt table would lose them), `at` set by
    the application before hashing (state only: the column is unchanged), existing rows
    chained."""

    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(
                editable=False, max_length=64, null=True, verbose_name="previous hash"
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="row_hash",
            field=models.CharField(editable=False, max_length=64, null=True, verbose_name="hash"),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditentry",
                    name="at",
                    field=models.DateTimeField(
                        db_index=True,
                        default=django.utils.timezone.now,
                        editable=False,
                        verbose_name="at",
                    ),
                )
            ]
        ),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
    ]
