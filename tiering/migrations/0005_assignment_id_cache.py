"""A run draws a million assignment ids from one sequence: let each session take them 1,000 at
a time instead of one locked sequence-page update (and a WAL record every 32) per row. Ids may
then have gaps; nothing relies on them being dense. PostgreSQL only (SQLite has no sequences)."""

from django.db import migrations


def cache_ids(apps, schema_editor, cache=1000):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE tiering_tierassignment ALTER COLUMN id SET CACHE {int(cache)}"
        )


def uncache_ids(apps, schema_editor):
    cache_ids(apps, schema_editor, cache=1)


class Migration(migrations.Migration):
    dependencies = [("tiering", "0004_assignment_run_leading_indexes")]

    operations = [migrations.RunPython(cache_ids, uncache_ids, elidable=False)]
