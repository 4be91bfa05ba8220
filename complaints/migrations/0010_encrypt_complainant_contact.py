"""Issue 15: the complainant's contact is stored encrypted, with a keyed hash for the duplicate
check at intake and a masked copy for display. Existing rows are encrypted here; 0011 drops the
clear column."""

import importlib

from django.db import migrations, models

from crm.identifiers import protect_contact

_CHUNK = 2000
_FIELDS = [
    "complainant_contact_encrypted",
    "complainant_contact_hash",
    "complainant_contact_masked",
]


def reinstall_figure_triggers(apps, schema_editor):
    """SQLite adds a NOT NULL column by rebuilding the table, which drops its triggers: put the
    statistics triggers of 0007 back (PostgreSQL alters the table in place and keeps them)."""
    if schema_editor.connection.vendor != "sqlite":
        return
    figures = importlib.import_module("complaints.migrations.0007_figures_by_trigger")
    for sql in figures.SQLITE_DOWN + figures.SQLITE_UP:
        schema_editor.execute(sql, None)


def encrypt_rows(apps, schema_editor):
    model = apps.get_model("complaints", "Complaint")
    last = 0
    while True:
        rows = list(
            model.objects.filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "complainant_contact")[:_CHUNK]
        )
        if not rows:
            break
        for row in rows:
            (
                row.complainant_contact_encrypted,
                row.complainant_contact_hash,
                row.complainant_contact_masked,
            ) = protect_contact(row.complainant_contact)
        model.objects.bulk_update(rows, _FIELDS)
        last = rows[-1].pk


class Migration(migrations.Migration):
    dependencies = [("complaints", "0009_sla_profile_per_jurisdiction")]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="complainant_contact_encrypted",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="complaint",
            name="complainant_contact_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="complaint",
            name="complainant_contact_masked",
            field=models.CharField(
                blank=True, editable=False, max_length=120, verbose_name="contact"
            ),
        ),
        migrations.RunPython(reinstall_figure_triggers, migrations.RunPython.noop),
        migrations.RunPython(encrypt_rows, migrations.RunPython.noop),
    ]
