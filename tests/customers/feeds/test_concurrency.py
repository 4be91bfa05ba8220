"""Two workers given the same run at once (a duplicated message, beat and the queued task):
one loads it, the other skips it while it is locked and finds it loaded after (PostgreSQL)."""

import threading
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection

from crm.audit.models import AuditEntry
from customers.records.feeds import merging, services
from customers.records.feeds.models import FeedRun
from customers.records.models import Customer
from tests.factories import CustomerFactory, ProductFactory

from .conftest import DAY

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_run_being_loaded_is_skipped_by_a_second_worker(postgres_only):
    from crm.celery import app

    # The workers are this test's threads (tests/conftest.py's _celery_eager resets it after).
    app.conf.task_always_eager = False
    CustomerFactory(number="C1")
    ProductFactory(code="P1")
    run = services.feed_receive(
        kind="holdings",
        business_date=DAY,
        filename="h.csv",
        content=b"customer_number,product_code,market_value\nC1,P1,8\n",
    )
    merging_started, finish = threading.Event(), threading.Event()
    real = merging.recompute_aum

    def slow_recompute(cursor):
        merging_started.set()
        assert finish.wait(30)
        return real(cursor)

    states = {}

    def first():
        try:
            states["first"] = services.feed_load(run.pk).state
        finally:
            connection.close()

    with mock.patch.object(merging, "recompute_aum", side_effect=slow_recompute):
        worker = threading.Thread(target=first)
        worker.start()
        assert merging_started.wait(30)
        states["second"] = services.feed_load(run.pk).state  # locked: skipped at once
        finish.set()
        worker.join(30)
    assert states == {"first": "loaded", "second": "received"}
    assert services.feed_load(run.pk).state == FeedRun.State.LOADED
    assert Customer.objects.get(number="C1").aum == Decimal("8")
    assert AuditEntry.objects.filter(action="feed_run.loaded").count() == 1
