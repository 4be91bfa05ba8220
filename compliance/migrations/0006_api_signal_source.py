from django.db import migrations


def seed(apps, schema_editor):
    SignalSource = apps.get_model("compliance", "SignalSource")
    SignalSource.objects.get_or_create(
        code="api",
        defaults={
            "name": "集成接口",
            "description": "Signals sent by other systems through the integration API.",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0005_warning_active_ages")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
