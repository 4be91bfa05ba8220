"""The customer list's saved filters become saved views of the shared list machinery
(core.SavedView, list "customers:customer-list"), personal as they were; then the old table goes.

The queries were kept by the old service already free of clear identifiers (search_params), so
they are copied as they are. Going backwards copies the customer-list views back."""

from django.db import migrations

LIST = "customers:customer-list"


def forwards(apps, schema_editor):
    SavedFilter = apps.get_model("customers", "SavedFilter")
    SavedView = apps.get_model("core", "SavedView")
    SavedView.objects.bulk_create(
        [
            SavedView(
                owner_id=f.owner_id,
                list_key=LIST,
                name=f.name,
                query=f.query,
                columns=[],
                visibility="personal",
            )
            for f in SavedFilter.objects.all().iterator(chunk_size=2000)
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )


def backwards(apps, schema_editor):
    SavedFilter = apps.get_model("customers", "SavedFilter")
    SavedView = apps.get_model("core", "SavedView")
    SavedFilter.objects.bulk_create(
        [
            SavedFilter(owner_id=v.owner_id, name=v.name, query=v.query)
            for v in SavedView.objects.filter(list_key=LIST, owner__isnull=False).iterator()
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_saved_view"),
        ("customers", "0017_drop_clear_prospect_contact"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="SavedFilter"),
    ]
