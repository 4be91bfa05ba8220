"""A task for bench/broker_outage.py whose every run leaves a row, so runs can be counted:
the worker of the bench imports it (`--include _outage_tasks`, with bench/ on its path)."""

import time

from celery import shared_task

from crm.core.outbox import OutboxTask

TITLE = "bench-outage-tick:"


@shared_task(base=OutboxTask, name="bench.outage.tick", soft_time_limit=10, time_limit=20)
def tick(user_id: int, key: str) -> None:
    from crm.core.models import Notification

    Notification.objects.create(recipient_id=user_id, title=f"{TITLE}{key}")
    time.sleep(0.05)  # long enough that a worker killed mid-way is killed mid-task
