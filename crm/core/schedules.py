"""Beat schedules (django-celery-beat), created the same way by every app's migration.

`ensure_periodic_task` creates the entry or brings an existing one up to date, so a migration
may run on a fresh database, run again after a rollback, or change a schedule later. It takes
the migration's `apps` registry and only uses models from it, so migrations stay safe whatever
the current models look like. Administrators change times or disable entries in Django admin;
`enabled` is theirs and never touched here.
"""

from django.conf import settings
from django.utils import timezone

_CRON_FIELDS = ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")


def ensure_periodic_task(
    apps,
    name: str,
    task: str,
    *,
    crontab: dict | None = None,
    interval: tuple[int, str] | None = None,
    description: str = "",
    tz: str | None = None,
):
    """Create or update the PeriodicTask `name` running `task`.

    `crontab`: the fields that are not "*" (e.g. `{"minute": "30", "hour": "2"}`), in `tz`
    (default settings.TIME_ZONE); or `interval`: `(15, "minutes")`. Exactly one of the two.
    """
    if (crontab is None) == (interval is None):
        raise ValueError("Give a crontab or an interval, not both.")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule = {"crontab": None, "interval": None}
    if crontab is not None:
        unknown = set(crontab) - set(_CRON_FIELDS)
        if unknown:
            raise ValueError(f"Unknown crontab fields: {sorted(unknown)}")
        CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
        fields = {f: str(crontab.get(f, "*")) for f in _CRON_FIELDS}
        schedule["crontab"], _ = CrontabSchedule.objects.get_or_create(
            **fields, timezone=tz or settings.TIME_ZONE
        )
    else:
        IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
        every, period = interval
        schedule["interval"], _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
    entry, _ = PeriodicTask.objects.update_or_create(
        name=name, defaults={"task": task, "description": description, **schedule}
    )
    _tell_beat(apps)
    return entry


def remove_periodic_tasks(apps, *names: str) -> None:
    """The reverse of `ensure_periodic_task` (schedules themselves are shared and stay)."""
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=names).delete()
    _tell_beat(apps)


def _tell_beat(apps) -> None:
    # A running beat re-reads its entries when this timestamp moves; the model's own signal
    # does it for admin edits, but historical models in migrations send no signals.
    apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )
