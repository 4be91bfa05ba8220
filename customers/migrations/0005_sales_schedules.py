from django.db import migrations

TASKS = [
    (
        "Generate periodic customer statements",
        "customers.sales_tasks.generate_due_statements",
        {"minute": "0", "hour": "2", "day_of_week": "*", "day_of_month": "*"},
        "Daily at 02:00: statements of the month (and quarter) that just closed; idempotent.",
    ),
    (
        "Detect dormant customers",
        "customers.sales_tasks.detect_dormant",
        {"minute": "30", "hour": "3", "day_of_week": "1", "day_of_month": "*"},
        "Mondays at 03:30: no contact and no transactions for 6 months → dormant + follow-up.",
    ),
]


def create_schedules(apps, schema_editor):
    # Administrators can change the time or disable them in Django admin (django-celery-beat).
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, cron, description in TASKS:
        schedule, _ = CrontabSchedule.objects.get_or_create(
            month_of_year="*", timezone="Asia/Shanghai", **cron
        )
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": schedule, "description": description}
        )


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[t[0] for t in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_sales_models"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create_schedules, remove_schedules)]
