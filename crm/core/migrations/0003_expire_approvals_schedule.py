from django.db import migrations

from crm.core.schedules import ensure_periodic_task, remove_periodic_tasks

TASK_NAME = "Expire overdue approval requests"


def create_schedule(apps, schema_editor):
    # Administrators can change the time or disable it in Django admin (django-celery-beat).
    ensure_periodic_task(
        apps,
        TASK_NAME,
        "crm.core.tasks.expire_approvals",
        crontab={"minute": "30", "hour": "1"},
        description="Daily at 01:30: pending four-eyes requests past their expiry → expired.",
    )


def remove_schedule(apps, schema_editor):
    remove_periodic_tasks(apps, TASK_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_load_calendar"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create_schedule, remove_schedule)]
