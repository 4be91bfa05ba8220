"""Issue 15 item 11: two override proposals for one customer (a double click, two people at
once) make one proposal and a message, never a 500."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.signals import pre_save
from django.urls import reverse
from django.utils import timezone

from crm.core.models import ApprovalRequest
from tiering import services
from tiering.models import TierOverride

from .factories import CustomerFactory

ALREADY = "该客户已有待审批或生效中的人工调整。"


def _until():
    return timezone.localdate() + datetime.timedelta(days=30)


@pytest.mark.django_db
def test_double_submit_of_the_form_shows_a_message_and_proposes_once(client, policy, rm, lead):
    customer = CustomerFactory(owner=rm)
    client.force_login(lead)
    url = reverse("tiering:override-propose", args=[customer.pk])
    data = {"tier": "A", "reason": "战略客户，整体合作", "expires_on": _until().isoformat()}
    first = client.post(url, data)
    assert 'id="override-proposed"' in first.content.decode()
    second = client.post(url, data)
    assert second.status_code == 200
    assert ALREADY in second.content.decode()
    assert TierOverride.objects.count() == 1
    assert ApprovalRequest.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_proposals_make_one(postgres_only, policy, rm, lead):
    """Both requests pass the "already one?" check before either inserts (a barrier holds each
    at its INSERT); the second INSERT waits for the first to commit, then is refused."""
    customer = CustomerFactory(owner=rm)
    barrier = threading.Barrier(2, timeout=10)

    def hold(sender, instance, **kwargs):
        if instance._state.adding:
            barrier.wait()

    pre_save.connect(hold, sender=TierOverride, weak=False)
    results, refusals, errors = [], [], []

    def propose(user):
        try:
            results.append(
                services.override_propose(
                    user, customer, tier="A", reason="并发提交测试", expires_on=_until()
                ).pk
            )
        except ValidationError as exc:
            refusals.append(exc)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    try:
        threads = [threading.Thread(target=propose, args=(u,)) for u in (lead, rm)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        pre_save.disconnect(hold, sender=TierOverride)
    assert not errors, errors
    assert len(results) == 1 and len(refusals) == 1
    assert TierOverride.objects.count() == 1
    assert ApprovalRequest.objects.count() == 1
