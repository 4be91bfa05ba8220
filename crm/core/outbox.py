"""Transactional outbox: work that must happen after a commit is recorded in that commit.

`enqueue(task, *args, **kwargs)` writes an `OutboxMessage` row in the caller's transaction
(inside `atomic` or not): the work exists exactly when the data it is about does, and a web
request never talks to the broker, so a broker that is down or frozen costs it nothing.
`relay()` (the `relay_outbox` command, a loop process of its own; a beat task as a fallback)
publishes due rows in id order with short broker timeouts and retries with backoff until the
broker accepts. Tasks enqueued this way derive from `OutboxTask`: the message carries the
row's id, and the task runs only while the row is not done and marks it done, so a message
published twice (a relay killed between publishing and marking, a row republished because the
broker lost it) runs once.

With CELERY_TASK_ALWAYS_EAGER (tests, a setup without a worker) the task runs in-process once
the transaction commits, through the same once-only guard.
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from celery import Task, current_app
from celery.exceptions import Retry
from django.db import transaction
from django.utils import timezone

from .config import fiducia

log = logging.getLogger(__name__)

OUTBOX_ID = "outbox_id"


def option(key: str):
    return fiducia("OUTBOX", key)


class OutboxTask(Task):
    """Base of the tasks `enqueue` accepts (`@shared_task(base=OutboxTask, ...)`).

    A message with `outbox_id` runs only while its row is not done. `outbox_atomic = True`
    (the default): the body and the done mark commit together under a lock on the row, so a
    duplicate delivered meanwhile waits and then skips, and a body that fails leaves nothing
    behind: exactly once for database effects. A task that commits in steps of its own to keep
    an outside effect at most once (an e-mail) sets it False: its own guards make a rerun safe,
    and the row is marked done after the body returns.
    """

    outbox_atomic = True
    # The message's kwargs carry `outbox_id`, which the task's own signature does not name.
    typing = False

    def __call__(self, *args, **kwargs):
        outbox_id = kwargs.pop(OUTBOX_ID, None)
        # The worker has pushed this delivery's request (retries, id): run the body under it,
        # as Celery does for tasks without a __call__ of their own.
        if outbox_id is None:
            return self.run(*args, **kwargs)
        return _run_once(self, outbox_id, args, kwargs)


def _run_once(task: OutboxTask, outbox_id: int, args, kwargs):
    from .models import OutboxMessage

    rows = OutboxMessage.objects.filter(pk=outbox_id)
    try:
        if task.outbox_atomic:
            with transaction.atomic():
                if not rows.select_for_update().filter(done_at__isnull=True).exists():
                    return _skipped(task, outbox_id)
                result = task.run(*args, **kwargs)
                rows.update(done_at=timezone.now(), last_error="")
                return result
        if not rows.filter(done_at__isnull=True).exists():
            return _skipped(task, outbox_id)
        result = task.run(*args, **kwargs)
        rows.filter(done_at__isnull=True).update(done_at=timezone.now(), last_error="")
        return result
    except Retry:
        raise
    except Exception as exc:
        # The class name only: an exception's text may quote data.
        rows.update(last_error=type(exc).__name__[:200])
        raise


def _skipped(task, outbox_id):
    log.info("outbox message %s (%s) already done: skipped", outbox_id, task.name)
    return None


def enqueue(task, *args, **kwargs):
    """Record `task(*args, **kwargs)` to run after the current transaction commits (at once
    outside a transaction). Arguments are JSON: ids, dates as ISO strings and codes, never
    personal data. Returns the OutboxMessage."""
    from .models import OutboxMessage

    name = task if isinstance(task, str) else task.name
    registered = current_app.tasks.get(name)
    if registered is not None and not isinstance(registered, OutboxTask):
        raise TypeError(f"{name} must derive from crm.core.outbox.OutboxTask")
    message = OutboxMessage.objects.create(
        task=name, args=list(args), kwargs=kwargs, available_at=timezone.now()
    )
    if current_app.conf.task_always_eager:
        transaction.on_commit(lambda: run_eagerly(message.pk))
    return message


def run_eagerly(outbox_id: int):
    """Run one outbox message in this process (eager mode), through the once-only guard."""
    from .models import OutboxMessage

    row = OutboxMessage.objects.get(pk=outbox_id)
    if row.task not in current_app.tasks:
        current_app.loader.import_default_modules()  # a web process imports tasks lazily
    task = current_app.tasks[row.task]
    return task.apply_async(args=row.args, kwargs={**row.kwargs, OUTBOX_ID: row.pk})


# ---- the relay ---------------------------------------------------------------------------


@dataclass
class RelayResult:
    published: int = 0
    refused: bool = False
    error: str = ""


def relay(*, batch_size: int | None = None, now=None) -> RelayResult:
    """Publish one batch of due messages in id order; returns what happened.

    Rows are claimed with SELECT … FOR UPDATE SKIP LOCKED, so relays running side by side
    never publish the same row at once. Each published row is marked (published at, one more
    publication, next publish at = now + REDISPATCH_AFTER_SECONDS: if the task has not marked
    it done by then, the broker lost it and it goes again). When the broker refuses, the rows
    published so far are marked, the refusal is noted on the next row, and the batch stops:
    the caller backs off. A relay killed between publishing and marking publishes those rows
    again next time; the task's once-only guard makes that harmless.
    """
    from .models import OutboxMessage

    now = now or timezone.now()
    batch_size = batch_size or option("BATCH_SIZE")
    result = RelayResult()
    with transaction.atomic():
        rows = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(
                done_at__isnull=True,
                available_at__lte=now,
                attempts__lt=option("MAX_PUBLICATIONS"),
            )
            .order_by("pk")[:batch_size]
        )
        if not rows:
            return result
        published: list[int] = []
        try:
            with _publisher_connection() as conn:
                for row in rows:
                    _publish(conn, row)
                    published.append(row.pk)
        except Exception as exc:  # noqa: BLE001 (any broker error: back off and retry later)
            result.refused = True
            result.error = f"{type(exc).__name__}: {exc}"[:200]
            log.warning("outbox relay: broker refused (%s)", type(exc).__name__)
            if len(published) < len(rows):
                OutboxMessage.objects.filter(pk=rows[len(published)].pk).update(
                    last_error=result.error
                )
        _mark_published(published, now)
        result.published = len(published)
    return result


def _publisher_connection():
    """A fresh broker connection with short timeouts and no connection retries: a broker that
    is down or frozen fails the publish within seconds instead of holding the relay."""
    timeout = option("PUBLISH_TIMEOUT_SECONDS")
    return current_app.connection_for_write(
        transport_options={
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
            "max_retries": 0,
            "connect_retries_timeout": timeout,
        },
        connect_timeout=timeout,
    )


def _publish(conn, row) -> None:
    current_app.send_task(
        row.task,
        args=row.args,
        kwargs={**row.kwargs, OUTBOX_ID: row.pk},
        connection=conn,
        retry=False,
    )


def _mark_published(ids: list[int], now) -> None:
    from django.db.models import F

    from .models import OutboxMessage

    if ids:
        OutboxMessage.objects.filter(pk__in=ids).update(
            dispatched_at=now,
            attempts=F("attempts") + 1,
            available_at=now + timedelta(seconds=option("REDISPATCH_AFTER_SECONDS")),
            last_error="",
        )


def relay_forever(*, interval: float | None = None, stop=lambda: False) -> None:
    """The relay process: publish while there is work, poll every `interval` seconds when
    there is none, and back off (doubling, capped) while the broker refuses."""
    interval = interval if interval is not None else option("RELAY_INTERVAL_SECONDS")
    backoff = interval
    while not stop():
        try:
            result = relay()
        except Exception:  # noqa: BLE001 (a database hiccup: log, wait, go on)
            log.exception("outbox relay failed")
            result = RelayResult(refused=True)
        if result.refused:
            time.sleep(backoff)
            backoff = min(backoff * 2, option("RELAY_MAX_BACKOFF_SECONDS"))
            continue
        backoff = interval
        if not result.published:
            time.sleep(interval)


def purge(*, now=None) -> int:
    """Delete messages done more than KEEP_DAYS ago; returns how many. Rows not done stay
    (pending, in flight or failed: operators see them in admin)."""
    from .models import OutboxMessage

    now = now or timezone.now()
    cutoff = now - timedelta(days=option("KEEP_DAYS"))
    deleted, _ = OutboxMessage.objects.filter(done_at__lt=cutoff).delete()
    return deleted
