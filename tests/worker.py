"""A real Celery worker on Redis for the tests marked `celery_worker` (registered by
tests/conftest.py). Skipped without a Redis broker, unless FIDUCIA_REQUIRE_WORKER is set (CI)."""

import os
import time

import pytest
from django.conf import settings


@pytest.fixture
def redis_worker(transactional_db):
    """A solo-pool worker thread on the configured Redis broker; tasks go through it, not eager."""
    from celery.contrib.testing.worker import start_worker

    from crm.celery import app

    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        if os.environ.get("FIDUCIA_REQUIRE_WORKER"):
            pytest.fail("FIDUCIA_REQUIRE_WORKER is set but CELERY_BROKER_URL is not redis://")
        pytest.skip("needs CELERY_BROKER_URL=redis://… (CI sets it)")
    app.conf.task_always_eager = False  # tests/conftest.py's _celery_eager turned it on
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def wait_for(predicate, timeout: float = 45.0) -> bool:
    """Poll `predicate` until it is true (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False
