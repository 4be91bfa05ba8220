"""A real Celery worker on Redis runs a scheduled task end to end (DESIGN §4: CI exercises a
Redis-backed worker at least once). Skipped without a Redis broker, unless CI requires it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.core.models import ApprovalRequest
from crm.core.tasks import expire_approvals
from tests.factories import UserFactory
from tests.worker import wait_for

pytestmark = [pytest.mark.celery_worker]


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

    assert wait_for(expired), "the worker did not run crm.core.tasks.expire_approvals"
    current.refresh_from_db()
    assert current.status == ApprovalRequest.Status.PENDING
