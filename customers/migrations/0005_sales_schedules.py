from django.db import migrations

from crm.core.schedules import ensure_periodic_task, remove_periodic_tasks

TASKS = [
    (
        "Generate periodic customer statements",
        "customers.sales_tasks.generate_due_statements",
        {"minute": "0", "hour": "2"},
        "Daily at 02:00: statements of the month (and quarter) that just closed; idempotent.",
    ),
    (
        "Detect dormant customers",
        "customers.sales_tasks.detect_dormant",
        {"minute": "30", "hour": "3", "day_of_week": "1"},
        "Mondays at 03:30: no contact and no transactions for 6 months → dormant + follow-up.",
    ),
]


def create_schedules(apps, schema_editor):
    # Administrators can change the time or disable them in Django admin (django-celery-beat).
    for name, task, cron, description in TASKS:
        ensure_periodic_task(apps, name, task, crontab=cron, description=description)


def remove_schedules(apps, schema_editor):
    remove_periodic_tasks(apps, *(t[0] for t in TASKS))


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_sales_models"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create_schedules, remove_schedules)]
