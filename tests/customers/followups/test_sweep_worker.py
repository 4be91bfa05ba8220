"""The daily sweep through a real Celery worker on Redis, as beat would run it. Skipped without
a Redis broker, unless FIDUCIA_REQUIRE_WORKER is set (CI)."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from customers.contacts.models import ReminderDelivery
from customers.contacts.tasks import daily_followup_sweep
from customers.records.models import FollowUpTask
from tests.factories import CustomerFactory
from tests.worker import wait_for

from .factories import TaskFactory

pytestmark = [pytest.mark.celery_worker]


def test_worker_runs_the_sweep_and_sends_the_digest(redis_worker):
    today = timezone.localdate()
    customer = CustomerFactory(id_expires_on=today + datetime.timedelta(days=3))
    due_today = TaskFactory(customer=customer, due_on=today)
    daily_followup_sweep.delay(today.isoformat())

    def done():
        return ReminderDelivery.objects.filter(channel="email", status="sent").exists()

    assert wait_for(done), "the worker did not run the sweep and the e-mail task"
    assert FollowUpTask.objects.filter(customer=customer, reason="id_expiry").count() == 1
    assert len(mail.outbox) == 1
    assert due_today.title in mail.outbox[0].body
