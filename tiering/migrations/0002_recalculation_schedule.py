from django.db import migrations

from crm.core.schedules import ensure_periodic_task, remove_periodic_tasks

RECALC = "Recalculate customer tiers (monthly)"
EXPIRE = "Expire tier overrides (daily)"


def create_schedule(apps, schema_editor):
    # Administrators change the time or disable these in Django admin (django-celery-beat).
    ensure_periodic_task(
        apps,
        RECALC,
        "tiering.tasks.recalculate_tiers",
        crontab={"minute": "0", "hour": "3", "day_of_month": "1"},
        description="1st of every month at 03:00: A/B/C and VIP as of the last day of the "
        "previous month under the published policy. Rerunning changes nothing.",
    )
    ensure_periodic_task(
        apps,
        EXPIRE,
        "tiering.tasks.expire_overrides",
        crontab={"minute": "45", "hour": "1"},
        description="Daily at 01:45: approved tier overrides past their end date expire.",
    )


def remove_schedule(apps, schema_editor):
    remove_periodic_tasks(apps, RECALC, EXPIRE)


class Migration(migrations.Migration):
    dependencies = [
        ("tiering", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create_schedule, remove_schedule)]
