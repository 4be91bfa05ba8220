from django.db import migrations

from crm.core.schedules import ensure_periodic_task, remove_periodic_tasks

TASK_NAME = "Training expiry reminders"


def create_schedule(apps, schema_editor):
    # Administrators can change the time or disable it in Django admin (django-celery-beat).
    ensure_periodic_task(
        apps,
        TASK_NAME,
        "crm.performance.tasks.sweep_training",
        crontab={"minute": "0", "hour": "7"},
        description="Daily at 07:00: remind staff before mandatory training expires; "
        "notify them and their team lead once it has lapsed.",
    )


def remove_schedule(apps, schema_editor):
    remove_periodic_tasks(apps, TASK_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("performance", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create_schedule, remove_schedule)]
