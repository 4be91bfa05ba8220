"""The transactional outbox (crm.core.outbox): rows written in the caller's transaction, the
relay publishing them in order with short broker timeouts, and the once-only guard of the
tasks. The broker here is kombu's in-memory transport, or a port nobody listens on; the real
Redis and worker are in test_outbox_outage.py."""

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from crm.celery import app
from crm.core import outbox
from crm.core.config import fiducia
from crm.core.models import OutboxMessage
from crm.core.tasks import expire_approvals, purge_outbox
from tests.factories import UserFactory
from tests.worker import celery_broker, free_port

from .outbox_tasks import tick, ticks

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def not_eager():
    # tests/conftest.py's _celery_eager turns it back on afterwards.
    app.conf.task_always_eager = False


@pytest.fixture
def memory_broker(not_eager):
    with celery_broker("memory://"):
        drain()
        yield


def drain() -> list[tuple[str, list, dict]]:
    """Take every message off the default queue: (task, args, kwargs) in order."""
    out = []
    with app.connection_for_read() as conn:
        queue = conn.SimpleQueue("celery", no_ack=True)
        while True:
            try:
                message = queue.get(block=False)
            except queue.Empty:
                break
            args, kwargs, _embed = message.payload
            out.append((message.headers["task"], args, kwargs))
        queue.close()
    return out


def deliver(name, args, kwargs):
    """What a worker does with a message (through Celery's tracer, as in the worker)."""
    return app.tasks[name].apply(args=args, kwargs=kwargs)


def test_enqueue_writes_its_row_in_the_callers_transaction(not_eager, user):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue(tick, user.pk)
        raise RuntimeError("rolled back")
    assert not OutboxMessage.objects.exists()
    message = outbox.enqueue(tick, user.pk, fail=False)
    row = OutboxMessage.objects.get()
    assert (row.pk, row.task, row.args, row.kwargs) == (
        message.pk,
        "tests.outbox.tick",
        [user.pk],
        {"fail": False},
    )
    assert row.dispatched_at is None and row.done_at is None and row.attempts == 0
    assert ticks(user.pk) == 0  # nothing ran: the relay publishes it


def test_enqueue_refuses_a_task_without_the_once_only_guard():
    with pytest.raises(TypeError):
        outbox.enqueue(expire_approvals)


def test_eager_mode_runs_the_task_once_after_the_commit(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue(tick, user.pk)
        assert ticks(user.pk) == 0
    assert ticks(user.pk) == 1
    message.refresh_from_db()
    assert message.done_at is not None


def test_a_message_delivered_twice_runs_once(not_eager, user):
    message = outbox.enqueue(tick, user.pk)
    kwargs = {outbox.OUTBOX_ID: message.pk}
    assert deliver(tick.name, [user.pk], kwargs).result == 1
    assert deliver(tick.name, [user.pk], kwargs).result is None  # skipped
    assert ticks(user.pk) == 1
    message.refresh_from_db()
    assert message.done_at is not None


def test_a_failing_task_leaves_nothing_behind_and_stays_to_do(not_eager, user):
    message = outbox.enqueue(tick, user.pk, fail=True)
    with pytest.raises(LookupError):
        deliver(tick.name, [user.pk], {"fail": True, outbox.OUTBOX_ID: message.pk})
    assert ticks(user.pk) == 0  # the body's writes rolled back with the done mark
    message.refresh_from_db()
    assert message.done_at is None
    assert message.last_error == "LookupError"  # the class, never the text


def test_the_relay_publishes_due_rows_in_order_and_marks_them(memory_broker, user):
    first = outbox.enqueue(tick, user.pk)
    second = outbox.enqueue(tick, user.pk, fail=False)
    later = outbox.enqueue(tick, user.pk)
    OutboxMessage.objects.filter(pk=later.pk).update(
        available_at=timezone.now() + timedelta(minutes=5)
    )
    before = timezone.now()
    assert outbox.relay().published == 2
    assert drain() == [
        ("tests.outbox.tick", [user.pk], {outbox.OUTBOX_ID: first.pk}),
        ("tests.outbox.tick", [user.pk], {"fail": False, outbox.OUTBOX_ID: second.pk}),
    ]
    first.refresh_from_db()
    assert first.attempts == 1 and first.dispatched_at >= before
    redispatch = timedelta(seconds=fiducia("OUTBOX", "REDISPATCH_AFTER_SECONDS"))
    assert first.available_at >= before + redispatch
    assert outbox.relay().published == 0  # nothing else is due


def test_a_message_the_broker_lost_is_published_again_and_runs_once(memory_broker, user):
    message = outbox.enqueue(tick, user.pk)
    assert outbox.relay().published == 1
    drain()  # the broker died with it
    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
    assert outbox.relay().published == 1
    for name, args, kwargs in drain():
        deliver(name, args, kwargs)
    message.refresh_from_db()
    assert message.attempts == 2 and message.done_at is not None
    assert ticks(user.pk) == 1


def test_a_relay_killed_between_publishing_and_marking_causes_one_run(
    memory_broker, user, monkeypatch
):
    message = outbox.enqueue(tick, user.pk)

    def killed(*args, **kwargs):
        raise SystemExit("killed after the publish, before the mark")

    monkeypatch.setattr(outbox, "_mark_published", killed)
    with pytest.raises(SystemExit):
        outbox.relay()
    monkeypatch.undo()
    message.refresh_from_db()
    assert message.dispatched_at is None and message.attempts == 0  # the mark never committed
    assert outbox.relay().published == 1
    messages = drain()
    assert len(messages) == 2  # the same message, published twice
    for name, args, kwargs in messages:
        deliver(name, args, kwargs)
    assert ticks(user.pk) == 1


def test_the_relay_gives_up_quickly_when_the_broker_refuses(not_eager, user):
    message = outbox.enqueue(tick, user.pk)
    with celery_broker(f"redis://127.0.0.1:{free_port()}/0"):
        began = time.monotonic()
        result = outbox.relay()
        took = time.monotonic() - began
    assert took < 3
    assert result.refused and result.published == 0
    message.refresh_from_db()
    assert message.dispatched_at is None and message.attempts == 0
    assert message.last_error  # shown to operators in admin


def test_a_row_published_too_often_is_left_for_operators(memory_broker, user):
    message = outbox.enqueue(tick, user.pk)
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=fiducia("OUTBOX", "MAX_PUBLICATIONS")
    )
    assert outbox.relay().published == 0
    assert drain() == []


def test_relay_command_once(memory_broker, user, capsys):
    outbox.enqueue(tick, user.pk)
    call_command("relay_outbox", "--once")
    assert "published 1" in capsys.readouterr().out
    assert len(drain()) == 1


def test_purge_deletes_only_rows_done_long_ago(not_eager, user):
    now = timezone.now()
    keep = timedelta(days=fiducia("OUTBOX", "KEEP_DAYS"))
    old_done, recent_done, old_pending = (outbox.enqueue(tick, user.pk) for _ in range(3))
    OutboxMessage.objects.filter(pk=old_done.pk).update(done_at=now - keep - timedelta(hours=1))
    OutboxMessage.objects.filter(pk=recent_done.pk).update(done_at=now - timedelta(hours=1))
    OutboxMessage.objects.filter(pk=old_pending.pk).update(
        available_at=now - keep - timedelta(days=1)
    )
    assert purge_outbox.apply().get() == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {
        recent_done.pk,
        old_pending.pk,
    }


def test_the_schedules_exist():
    from django_celery_beat.models import PeriodicTask

    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"crm.core.tasks.purge_outbox", "crm.core.tasks.relay_outbox"} <= tasks


def test_operators_see_the_outbox_read_only_with_its_counts(not_eager, admin_client, user):
    outbox.enqueue(tick, user.pk)
    failed = outbox.enqueue(tick, user.pk)
    OutboxMessage.objects.filter(pk=failed.pk).update(
        attempts=fiducia("OUTBOX", "MAX_PUBLICATIONS"), last_error="LookupError"
    )
    response = admin_client.get(reverse("admin:core_outboxmessage_changelist"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "tests.outbox.tick" in text and "LookupError" in text
    assert response.context["outbox_counts"] == {"waiting": 1, "in_flight": 0, "failed": 1}
    assert len(list(response.context["messages"])) == 1  # the counts, above the list
    assert admin_client.get(reverse("admin:core_outboxmessage_add")).status_code == 403
    response = admin_client.get(reverse("admin:core_outboxmessage_changelist") + "?state=failed")
    assert response.status_code == 200


def test_redis_connections_have_short_timeouts_and_publishing_gives_up_quickly():
    from tests.crm.test_crash_recovery import production_settings

    transport = production_settings(
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        DATABASE_URL="postgres://app@db.invalid:5432/fiducia",
    )["transport"]
    assert transport["socket_connect_timeout"] <= 5
    # Longer than a worker's 1-second BRPOP, short enough that nothing hangs on a frozen broker.
    assert 1 < transport["socket_timeout"] <= 30
    policy = app.conf.task_publish_retry_policy
    assert policy["max_retries"] <= 3 and policy["interval_max"] <= 1


def test_the_relay_loop_backs_off_while_the_broker_refuses_and_resumes(monkeypatch):
    results = iter(
        [outbox.RelayResult(refused=True)] * 6
        + [outbox.RelayResult(published=3), outbox.RelayResult()]
    )
    sleeps: list[float] = []
    monkeypatch.setattr(outbox, "relay", lambda: next(results))
    monkeypatch.setattr(outbox.time, "sleep", sleeps.append)
    outbox.relay_forever(interval=4, stop=lambda: len(sleeps) >= 7)
    cap = fiducia("OUTBOX", "RELAY_MAX_BACKOFF_SECONDS")
    # Doubling up to the cap while refused; straight on after a batch; the interval when idle.
    assert sleeps == [4, 8, 16, min(32, cap), cap, cap, 4]


def test_an_administrator_publishes_failed_rows_again_audited(not_eager, client, admin, user):
    from crm.audit.models import AuditEntry

    failed = outbox.enqueue(tick, user.pk)
    done = outbox.enqueue(tick, user.pk)
    OutboxMessage.objects.filter(pk=failed.pk).update(
        attempts=fiducia("OUTBOX", "MAX_PUBLICATIONS"),
        available_at=timezone.now() + timedelta(days=1),
        last_error="LookupError",
    )
    OutboxMessage.objects.filter(pk=done.pk).update(done_at=timezone.now())
    client.force_login(admin)
    url = reverse("admin:core_outboxmessage_changelist")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"action": "publish_again", "_selected_action": [failed.pk, done.pk]}
    )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.attempts == 0 and failed.available_at <= timezone.now()
    assert OutboxMessage.objects.get(pk=done.pk).attempts == 0  # done rows are left alone
    entry = AuditEntry.objects.get(action="outbox.republished")
    assert entry.target_id == str(failed.pk) and entry.actor == admin
    assert entry.before == {
        "attempts": fiducia("OUTBOX", "MAX_PUBLICATIONS"),
        "last_error": "LookupError",
    }


def test_an_auditor_cannot_publish_again(not_eager, client, auditor, user):
    failed = outbox.enqueue(tick, user.pk)
    OutboxMessage.objects.filter(pk=failed.pk).update(attempts=99)
    client.force_login(auditor)
    client.post(
        reverse("admin:core_outboxmessage_changelist"),
        {"action": "publish_again", "_selected_action": [failed.pk]},
    )
    assert OutboxMessage.objects.get(pk=failed.pk).attempts == 99


def test_a_duplicate_delivered_while_the_first_runs_waits_and_skips(
    postgres_only, transactional_db, not_eager
):
    """Two workers given the same message at once: the second waits for the first's lock on
    the row, then finds it done and skips (PostgreSQL: row locks)."""
    import threading

    from django.db import connections

    user = UserFactory()
    message = outbox.enqueue(tick, user.pk)
    locked, finish = threading.Event(), threading.Event()

    def first_delivery():
        # Holds the row lock as a running first delivery does, then commits its run.
        try:
            with transaction.atomic():
                OutboxMessage.objects.select_for_update().get(pk=message.pk)
                locked.set()
                finish.wait(10)
                tick.run(user.pk)
                OutboxMessage.objects.filter(pk=message.pk).update(done_at=timezone.now())
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_delivery)
    thread.start()
    assert locked.wait(10)
    threading.Timer(0.5, finish.set).start()
    began = time.monotonic()
    assert deliver(tick.name, [user.pk], {outbox.OUTBOX_ID: message.pk}).result is None
    assert time.monotonic() - began >= 0.4  # it waited for the lock
    thread.join(10)
    assert ticks(user.pk) == 1
