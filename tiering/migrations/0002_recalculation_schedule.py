from django.db import migrations

RECALC = "Recalculate customer tiers (monthly)"
EXPIRE = "Expire tier overrides (daily)"


def create_schedule(apps, schema_editor):
    # Administrators change the time or disable these in Django admin (django-celery-beat).
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    monthly, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="3",
        day_of_week="*",
        day_of_month="1",
        month_of_year="*",
        timezone="Asia/Shanghai",
    )
    PeriodicTask.objects.get_or_create(
        name=RECALC,
        defaults={
            "task": "tiering.tasks.recalculate_tiers",
            "crontab": monthly,
            "description": "1st of every month at 03:00: A/B/C and VIP as of the last day of the "
            "previous month under the published policy. Rerunning changes nothing.",
        },
    )
    daily, _ = CrontabSchedule.objects.get_or_create(
        minute="45",
        hour="1",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Shanghai",
    )
    PeriodicTask.objects.get_or_create(
        name=EXPIRE,
        defaults={
            "task": "tiering.tasks.expire_overrides",
            "crontab": daily,
            "description": "Daily at 01:45: approved tier overrides past their end date expire.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=[RECALC, EXPIRE]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tiering", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create_schedule, remove_schedule)]
