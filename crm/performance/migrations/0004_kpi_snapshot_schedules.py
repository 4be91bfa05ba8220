from django.db import migrations

from crm.core.schedules import ensure_periodic_task, remove_periodic_tasks

CURRENT = "KPI snapshot (current periods)"
NIGHTLY = "KPI snapshot (this and last year)"


def create_schedules(apps, schema_editor):
    # Administrators can change the times or disable them in Django admin (django-celery-beat).
    ensure_periodic_task(
        apps,
        CURRENT,
        "crm.performance.tasks.refresh_current_figures",
        interval=(15, "minutes"),
        description="Every 15 minutes: team KPI figures of this month, quarter and year "
        "(the dashboard shows when they were computed).",
    )
    ensure_periodic_task(
        apps,
        NIGHTLY,
        "crm.performance.tasks.refresh_figures",
        crontab={"minute": "30", "hour": "2"},
        description="Nightly at 02:30: team KPI figures of every month, quarter and year "
        "of this and last year.",
    )


def remove_schedules(apps, schema_editor):
    remove_periodic_tasks(apps, CURRENT, NIGHTLY)


class Migration(migrations.Migration):
    dependencies = [
        ("performance", "0003_kpi_figure_snapshot"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create_schedules, remove_schedules)]
