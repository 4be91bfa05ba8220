"""Tier with its explanation, open tasks, complaints' deadlines and warnings."""

import datetime

from django.utils import timezone

from complaints.models import OPEN_STATES
from customers.contacts.services import task_create
from customers.records.models import Customer
from tests.complaints.factories import make_complaint
from tests.compliance.factories import WarningFactory
from tests.factories import CustomerFactory
from tests.tiering.factories import AS_OF, PolicyFactory, contribute
from tiering import services as tiering

from .conftest import problem_of


def test_tier_with_explanation_after_a_run(issue, call, rm):
    policy = PolicyFactory()
    big, small = CustomerFactory.create_batch(2, owner=rm)
    contribute(big, 9000)
    contribute(small, 10)
    past = timezone.now() - datetime.timedelta(days=2)
    Customer.objects.update(updated_at=past)
    tiering.run_recalculate(AS_OF, policy=policy)
    _client, token = issue("read:tiers")
    body = call(token).get(f"/api/v1/customers/{big.number}/tier/").json()
    big.refresh_from_db()
    assert body["tier"] == big.tier == "A"
    why = body["explanation"]
    assert why["applied_class"] == "A" and why["rank"] == 1
    assert why["policy_version"] == policy.version
    assert why["contribution"] == "9000.00"
    assert body["override"] is None
    # The run's set-based update stamped the customers it reclassified (sync sees it).
    assert big.updated_at > past


def test_tier_before_any_run_has_no_explanation(issue, call, rm):
    customer = CustomerFactory(owner=rm)
    _client, token = issue("read:tiers")
    body = call(token).get(f"/api/v1/customers/{customer.number}/tier/").json()
    assert body["explanation"] is None
    problem_of(call(token).get("/api/v1/customers/NOPE/tier/"), 404)


def test_open_tasks(issue, call, rm):
    customer = CustomerFactory(owner=rm)
    task = task_create(rm, customer, title="回访", due_on=timezone.localdate())
    _client, token = issue("read:tasks")
    rows = call(token).get("/api/v1/tasks/", {"customer": customer.number}).json()["results"]
    assert [(r["id"], r["title"], r["owner"]) for r in rows] == [(task.pk, "回访", rm.username)]


def test_complaints_with_deadlines(issue, call, rm):
    customer = CustomerFactory(owner=rm)
    complaint = make_complaint(rm, customer=customer)
    _client, token = issue("read:complaints")
    rows = call(token).get("/api/v1/complaints/", {"open": "1"}).json()["results"]
    assert [r["reference"] for r in rows] == [complaint.reference]
    assert rows[0]["state"] in OPEN_STATES
    assert rows[0]["decision_due"] == complaint.decision_due.isoformat()
    assert "complainant" not in str(rows[0])


def test_active_warnings(issue, call, rm):
    warning = WarningFactory(customer=CustomerFactory(owner=rm))
    _client, token = issue("read:warnings")
    rows = call(token).get("/api/v1/warnings/").json()["results"]
    assert [(r["id"], r["grade"]) for r in rows] == [(warning.pk, "red")]


def test_keyset_by_id_pages(issue, call, rm):
    for _ in range(3):
        WarningFactory(customer=CustomerFactory(owner=rm))
    _client, token = issue("read:warnings")
    api = call(token)
    first = api.get("/api/v1/warnings/?page_size=2").json()
    second = api.get(f"/api/v1/warnings/?page_size=2&cursor={first['next_cursor']}").json()
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert len(ids) == len(set(ids)) == 3 and second["next_cursor"] is None
