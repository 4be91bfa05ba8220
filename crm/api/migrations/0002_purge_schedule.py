from django.db import migrations

from crm.core.schedules import ensure_periodic_task, remove_periodic_tasks

PURGE = "Purge expired API idempotency keys"


def create_schedules(apps, schema_editor):
    ensure_periodic_task(
        apps,
        PURGE,
        "crm.api.tasks.purge_idempotency_keys",
        crontab={"minute": "55", "hour": "1"},
        description="Daily at 01:55: idempotency keys older than FIDUCIA_API IDEMPOTENCY_KEEP_DAYS.",
    )


def remove_schedules(apps, schema_editor):
    remove_periodic_tasks(apps, PURGE)


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("core", "0005_outbox_message_and_schedules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
