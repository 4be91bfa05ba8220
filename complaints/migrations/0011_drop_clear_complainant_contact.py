"""Drop the clear complainant contact once 0010 has encrypted it (a migration of its own: on
PostgreSQL the rows updated in 0010 must be committed before the table is altered)."""

import importlib

from django.db import migrations

# Unapplying re-adds the NOT NULL column, which SQLite does by rebuilding the table (dropping
# its triggers): the reverse of the first operation, run last, puts them back.
_0010 = importlib.import_module("complaints.migrations.0010_encrypt_complainant_contact")


class Migration(migrations.Migration):
    dependencies = [("complaints", "0010_encrypt_complainant_contact")]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, _0010.reinstall_figure_triggers),
        migrations.RemoveField(model_name="complaint", name="complainant_contact"),
    ]
