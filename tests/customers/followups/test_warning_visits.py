"""Bulk visit tasks for risk warnings (customers.records.followups.schedule_warning_visits): one
INSERT … SELECT per batch, owners resolved from the customers, idempotent by dedupe key."""

import datetime

import pytest
from django.utils import timezone

from customers.records.followups import (
    schedule_follow_up,
    schedule_warning_visits,
    warning_visit_key,
)
from customers.records.models import FollowUpReason, FollowUpTask
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _items(customers, start=1):
    due = timezone.localdate() + datetime.timedelta(days=3)
    return [
        {"customer_id": c.pk, "due_on": due, "reference": f"W{n}"}
        for n, c in enumerate(customers, start=start)
    ]


def test_creates_one_open_visit_per_item_owned_by_the_customers_rm(rm_a, rm_b):
    customers = [CustomerFactory(owner=rm_a), CustomerFactory(owner=rm_b)]
    # A customer may have several warnings (one per kind): one task each.
    items = _items(customers) + _items(customers[:1], start=3)
    assert schedule_warning_visits(items) == 3
    tasks = {t.dedupe_key: t for t in FollowUpTask.objects.all()}
    assert set(tasks) == {warning_visit_key(f"W{n}") for n in (1, 2, 3)}
    assert tasks["risk-warning-visit:W1"].owner == rm_a
    assert tasks["risk-warning-visit:W2"].owner == rm_b
    assert tasks["risk-warning-visit:W3"].customer == customers[0]
    for item in items:
        task = tasks[warning_visit_key(item["reference"])]
        assert task.customer_id == item["customer_id"]
        assert task.due_on == item["due_on"]
        assert task.status == FollowUpTask.Status.OPEN
        assert task.reason == FollowUpReason.RISK_WARNING
        assert task.title == f"风险预警走访：{item['reference']}"


def test_rerun_and_overlapping_batches_add_nothing(rm_a, django_assert_num_queries):
    customers = [CustomerFactory(owner=rm_a) for _ in range(5)]
    items = _items(customers)
    assert schedule_warning_visits(items[:3]) == 3
    # Batches are multi-row INSERTs: the query count does not grow with the number of items.
    with django_assert_num_queries(2):
        assert schedule_warning_visits(items, batch_size=3) == 2
    assert schedule_warning_visits(items) == 0
    assert FollowUpTask.objects.count() == 5
    assert FollowUpTask.objects.filter(dedupe_key__startswith="risk-warning-visit:").count() == 5


def _single_visit(customer, warning, **owner):
    """The visit for warning `warning` as the single-item function schedules it."""
    return schedule_follow_up(
        customer=customer,
        reason=FollowUpReason.RISK_WARNING,
        due_on=timezone.localdate(),
        title=f"风险预警走访：{warning}",
        dedupe_key=warning_visit_key(warning),
        **owner,
    )


def test_dedupes_with_a_task_made_by_the_single_item_function(rm_a, rm_b):
    customer = CustomerFactory(owner=rm_a)
    # The visit a single-item call scheduled earlier (and its RM moved since) stays as it is.
    earlier = _single_visit(customer, "W1", owner=rm_b)
    schedule_warning_visits(_items([customer]))
    assert list(FollowUpTask.objects.values_list("pk", "owner")) == [(earlier.pk, rm_b.pk)]
    # …and the single-item function finds the bulk-made task instead of adding a second one.
    schedule_warning_visits(_items([customer], start=2))
    again = _single_visit(customer, "W2")
    assert again.owner == rm_a
    assert FollowUpTask.objects.count() == 2


def test_no_items_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert schedule_warning_visits([]) == 0
