"""Issue 15: a prospect's contact details are stored encrypted, with a masked copy for display.
Existing rows are encrypted here; 0017 drops the clear column."""

from django.db import migrations, models

from crm.identifiers import protect_contact

_CHUNK = 2000


def encrypt_rows(apps, schema_editor):
    model = apps.get_model("customers", "Prospect")
    last = 0
    while True:
        rows = list(model.objects.filter(pk__gt=last).order_by("pk").only("pk", "contact")[:_CHUNK])
        if not rows:
            break
        for row in rows:
            row.contact_encrypted, _hash, row.contact_masked = protect_contact(row.contact)
        model.objects.bulk_update(rows, ["contact_encrypted", "contact_masked"])
        last = rows[-1].pk


class Migration(migrations.Migration):
    dependencies = [("customers", "0015_drop_clear_mobile_email")]

    operations = [
        migrations.AddField(
            model_name="prospect",
            name="contact_encrypted",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="prospect",
            name="contact_masked",
            field=models.CharField(
                blank=True, editable=False, max_length=120, verbose_name="contact details"
            ),
        ),
        migrations.RunPython(encrypt_rows, migrations.RunPython.noop),
    ]
