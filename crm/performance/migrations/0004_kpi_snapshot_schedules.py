from django.db import migrations

CURRENT = "KPI snapshot (current periods)"
NIGHTLY = "KPI snapshot (this and last year)"


def create_schedules(apps, schema_editor):
    # Administrators can change the times or disable them in Django admin (django-celery-beat).
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=15, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=CURRENT,
        defaults={
            "task": "crm.performance.tasks.refresh_current_figures",
            "interval": every,
            "description": "Every 15 minutes: team KPI figures of this month, quarter and year "
            "(the dashboard shows when they were computed).",
        },
    )
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="2",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Shanghai",
    )
    PeriodicTask.objects.get_or_create(
        name=NIGHTLY,
        defaults={
            "task": "crm.performance.tasks.refresh_figures",
            "crontab": nightly,
            "description": "Nightly at 02:30: team KPI figures of every month, quarter and year "
            "of this and last year.",
        },
    )


def remove_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=[CURRENT, NIGHTLY]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("performance", "0003_kpi_figure_snapshot"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create_schedules, remove_schedules)]
