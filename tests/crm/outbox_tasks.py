"""A task for the outbox tests whose every run leaves a row: it counts executions (not
idempotent on purpose, so a second run would show)."""

from celery import shared_task

from crm.core.outbox import OutboxTask


@shared_task(base=OutboxTask, name="tests.outbox.tick", soft_time_limit=10, time_limit=20)
def tick(user_id: int, fail: bool = False) -> int:
    from crm.core.models import Notification

    Notification.objects.create(recipient_id=user_id, title="tick")
    if fail:
        raise LookupError("the task failed after writing")
    return ticks(user_id)


def ticks(user_id: int) -> int:
    from crm.core.models import Notification

    return Notification.objects.filter(recipient_id=user_id, title="tick").count()
