"""One helper creates or updates beat entries for every app's migration (crm.core.schedules)."""

import pytest
from django.apps import apps
from django_celery_beat.models import CrontabSchedule, PeriodicTask, PeriodicTasks

from crm.core.schedules import ensure_periodic_task, remove_periodic_tasks

pytestmark = pytest.mark.django_db

NAME = "Test entry"


def test_running_twice_leaves_one_row_and_updates_a_changed_schedule():
    ensure_periodic_task(apps, NAME, "x.tasks.a", crontab={"minute": "30", "hour": "2"})
    ensure_periodic_task(apps, NAME, "x.tasks.a", crontab={"minute": "30", "hour": "2"})
    assert PeriodicTask.objects.filter(name=NAME).count() == 1
    entry = PeriodicTask.objects.get(name=NAME)
    assert (entry.crontab.minute, entry.crontab.hour, entry.crontab.day_of_week) == ("30", "2", "*")
    assert str(entry.crontab.timezone) == "Asia/Shanghai"

    before = PeriodicTasks.objects.get(ident=1).last_update
    entry.enabled = False  # an administrator's choice survives a later migration
    entry.save()
    ensure_periodic_task(
        apps, NAME, "x.tasks.b", crontab={"minute": "0", "hour": "4"}, description="new"
    )
    entry = PeriodicTask.objects.get(name=NAME)
    assert (entry.task, entry.description, entry.enabled) == ("x.tasks.b", "new", False)
    assert (entry.crontab.minute, entry.crontab.hour) == ("0", "4")
    assert PeriodicTasks.objects.get(ident=1).last_update >= before
    # Crontab rows are shared between entries, never duplicated.
    ensure_periodic_task(apps, "Other", "x.tasks.c", crontab={"minute": "0", "hour": "4"})
    assert CrontabSchedule.objects.filter(minute="0", hour="4", day_of_week="*").count() == 1


def test_switching_to_an_interval_clears_the_crontab():
    ensure_periodic_task(apps, NAME, "x.tasks.a", crontab={"minute": "30"})
    ensure_periodic_task(apps, NAME, "x.tasks.a", interval=(15, "minutes"))
    entry = PeriodicTask.objects.get(name=NAME)
    assert entry.crontab is None
    assert (entry.interval.every, entry.interval.period) == (15, "minutes")


def test_refuses_ambiguous_schedules_and_removes_by_name():
    with pytest.raises(ValueError):
        ensure_periodic_task(apps, NAME, "x", crontab={"minute": "1"}, interval=(1, "hours"))
    with pytest.raises(ValueError):
        ensure_periodic_task(apps, NAME, "x")
    with pytest.raises(ValueError, match="minutes"):
        ensure_periodic_task(apps, NAME, "x", crontab={"minutes": "1"})
    ensure_periodic_task(apps, NAME, "x", crontab={"minute": "1"})
    remove_periodic_tasks(apps, NAME)
    assert not PeriodicTask.objects.filter(name=NAME).exists()


def test_the_migrations_created_every_schedule():
    names = set(PeriodicTask.objects.values_list("name", flat=True))
    assert {
        "Expire overdue approval requests",
        "Training expiry reminders",
        "KPI snapshot (current periods)",
        "KPI snapshot (this and last year)",
        "Daily follow-up sweep (cadence, events, reminders)",
        "Generate periodic customer statements",
        "Detect dormant customers",
        "Recalculate customer tiers (monthly)",
        "Expire tier overrides (daily)",
        "Fail abandoned tier runs (every 5 minutes)",
        "Complaint deadline sweep",
        "Refresh the suitability-mismatch snapshot",
    } <= names
