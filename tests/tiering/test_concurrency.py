"""Two workers starting the same monthly run at once (a retried beat task): one computes, the
other waits on the run's row lock and then finds it applied. PostgreSQL only."""

import threading

import pytest
from django.db import connection

from tiering import services
from tiering.models import TierAssignment, TierRun, TierRunCell

from .factories import AS_OF, CustomerFactory, PolicyFactory, contribute

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_runs_for_the_same_date_have_one_effect(postgres_only, rm):
    policy = PolicyFactory()
    for amount in (500, 300, 200):
        contribute(CustomerFactory(owner=rm), amount)
    results, errors = [], []

    def work():
        try:
            results.append(services.run_recalculate(AS_OF, policy=policy).pk)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(results)) == 1
    assert TierRun.objects.count() == 1
    assert TierAssignment.objects.count() == 3
    assert sum(TierRunCell.objects.values_list("customers", flat=True)) == 3
