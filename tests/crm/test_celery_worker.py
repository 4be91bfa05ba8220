"""A real Celery worker on Redis runs a scheduled task end to end (DESIGN §4: CI exercises a
Redis-backed worker at least once). Skipped without a Redis broker, unless CI requires it."""

import os
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from crm.celery import app
from crm.core.models import ApprovalRequest
from crm.core.tasks import expire_approvals
from tests.factories import UserFactory

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


def _wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_worker_expires_overdue_approvals(redis_worker):
    requester = UserFactory()
    common = {"kind": "test.worker", "summary": "s", "reason": "r", "requested_by": requester}
    overdue = ApprovalRequest.objects.create(
        **common, approver_permission="x.y", expires_at=timezone.now() - timedelta(hours=1)
    )
    current = ApprovalRequest.objects.create(
        **common, approver_permission="x.y", expires_at=timezone.now() + timedelta(days=1)
    )

    result = expire_approvals.delay()
    assert result.id

    def expired():
        overdue.refresh_from_db()
        return overdue.status == ApprovalRequest.Status.EXPIRED

    assert _wait_for(expired), "the worker did not run crm.core.tasks.expire_approvals"
    current.refresh_from_db()
    assert current.status == ApprovalRequest.Status.PENDING
