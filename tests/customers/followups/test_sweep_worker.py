"""The daily sweep through a real Celery worker on Redis, as beat would run it. Skipped without
a Redis broker, unless FIDUCIA_REQUIRE_WORKER is set (CI)."""

import datetime
import os
import time

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from crm.celery import app
from customers.contacts.models import ReminderDelivery
from customers.contacts.tasks import daily_followup_sweep
from customers.records.models import FollowUpTask
from tests.factories import CustomerFactory

from .factories import TaskFactory

pytestmark = [pytest.mark.celery_worker]


@pytest.fixture(autouse=True)
def _celery_eager():
    """Overrides tests/conftest.py: this test talks to a real broker and worker."""
    app.conf.task_always_eager = False
    yield


@pytest.fixture
def redis_worker(transactional_db):
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        if os.environ.get("FIDUCIA_REQUIRE_WORKER"):
            pytest.fail("FIDUCIA_REQUIRE_WORKER is set but CELERY_BROKER_URL is not redis://")
        pytest.skip("needs CELERY_BROKER_URL=redis://… (CI sets it)")
    from celery.contrib.testing.worker import start_worker

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def _wait_for(predicate, timeout=45.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_worker_runs_the_sweep_and_sends_the_digest(redis_worker):
    today = timezone.localdate()
    customer = CustomerFactory(id_expires_on=today + datetime.timedelta(days=3))
    due_today = TaskFactory(customer=customer, due_on=today)
    daily_followup_sweep.delay(today.isoformat())

    def done():
        return ReminderDelivery.objects.filter(channel="email", status="sent").exists()

    assert _wait_for(done), "the worker did not run the sweep and the e-mail task"
    assert FollowUpTask.objects.filter(customer=customer, reason="id_expiry").count() == 1
    assert len(mail.outbox) == 1
    assert due_today.title in mail.outbox[0].body
