from django.db import migrations

from crm.core.schedules import ensure_periodic_task, remove_periodic_tasks

SCAN = "Pick up core-banking feed files"
PURGE = "Purge old feed files"


def create_schedules(apps, schema_editor):
    # Administrators can change the times or disable them in Django admin (django-celery-beat).
    ensure_periodic_task(
        apps,
        SCAN,
        "customers.records.feeds.tasks.scan_inbox",
        interval=(5, "minutes"),
        description="Every 5 minutes: new files in the feeds inbox are recorded and loaded; "
        "runs left 'received' by a killed worker are loaded again.",
    )
    ensure_periodic_task(
        apps,
        PURGE,
        "customers.records.feeds.tasks.purge_inbox",
        crontab={"minute": "15", "hour": "5"},
        description="Daily at 05:15: feed files older than FIDUCIA_FEEDS['RETENTION_DAYS'] "
        "are deleted from the inbox (their runs and error reports stay).",
    )


def remove_schedules(apps, schema_editor):
    remove_periodic_tasks(apps, SCAN, PURGE)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0020_feeds"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create_schedules, remove_schedules)]
