"""The metric registry: registration, ordering, and the compute contract every app's metric
must honour (a dict keyed by user id, in a number of queries that does not grow with staff)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.ui import registry
from crm.ui.registry import Metric, metrics, register_metric
from tests.factories import CustomerFactory, MonthlyAggregateFactory, rm

START, END = datetime.date(2025, 4, 1), datetime.date(2025, 6, 30)


@pytest.fixture
def clean_registry(monkeypatch):
    monkeypatch.setattr(registry, "_metrics", {})
    return registry


def _zero(users, start, end):
    return {}


def test_registration_and_ordering(clean_registry):
    register_metric(Metric("b", "B", _zero, order=20))
    register_metric(Metric("a", "A", _zero, order=20))
    register_metric(Metric("z", "Z", _zero, order=5))
    assert [m.key for m in metrics()] == ["z", "a", "b"]  # by order, then key
    # Registering a key again replaces the metric (an app reloaded, a setting changed).
    register_metric(Metric("z", "Z2", _zero, order=30))
    assert [(m.key, m.label) for m in metrics()] == [("a", "A"), ("b", "B"), ("z", "Z2")]


def test_metric_defaults():
    metric = Metric("k", "K", _zero)
    assert (metric.order, metric.higher_is_better, metric.aggregate, metric.unit) == (
        50,
        True,
        "sum",
        "",
    )


def test_customers_registers_its_metrics():
    keys = [m.key for m in metrics()]
    assert "new_customers" in keys and "aum_growth" in keys
    assert keys.index("new_customers") < keys.index("aum_growth")


def _run(metric, users):
    with CaptureQueriesContext(connection) as ctx:
        result = metric.compute(users, START, END)
    return result, len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("metric", metrics(), ids=lambda m: m.key)
def test_every_registered_metric_honours_the_compute_contract(metric):
    few = [rm() for _ in range(2)]
    many = few + [rm() for _ in range(8)]
    for user in many:
        customer = CustomerFactory(owner=user)
        MonthlyAggregateFactory(customer=customer, month=datetime.date(2025, 3, 1))
        MonthlyAggregateFactory(customer=customer, month=datetime.date(2025, 6, 1))

    empty = metric.compute([], START, END)
    assert isinstance(empty, dict) and not any(empty.values())

    result_few, queries_few = _run(metric, few)
    result_many, queries_many = _run(metric, many)
    assert isinstance(result_many, dict)
    assert set(result_many) <= {u.pk for u in many}
    assert set(result_few) <= {u.pk for u in few}
    for value in result_many.values():
        assert value is None or isinstance(value, int | float) or hasattr(value, "quantize")
    # Set-based: five times the staff, the same number of queries.
    assert queries_many == queries_few
    assert queries_many <= 3
