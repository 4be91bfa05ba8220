"""Every call needs its scope (403 problem+json otherwise); customers are masked unless the
client holds the PII scope, which then writes one audit row per customer revealed; every call
is one audit row; a branch-restricted client sees its branch only."""

import pytest

from crm.api.models import ApiClient
from crm.audit.models import AuditEntry
from tests.factories import BranchFactory, CustomerFactory, UserFactory

from .conftest import problem_of

ENDPOINTS = [
    ("get", "/api/v1/customers/", "read:customers"),
    ("get", "/api/v1/customers/C99/", "read:customers"),
    ("get", "/api/v1/customers/C99/tier/", "read:tiers"),
    ("get", "/api/v1/tasks/", "read:tasks"),
    ("get", "/api/v1/complaints/", "read:complaints"),
    ("get", "/api/v1/warnings/", "read:warnings"),
    ("post", "/api/v1/interactions/", "write:interactions"),
    ("post", "/api/v1/risk-signals/", "write:risk_signals"),
]
ALL = sorted({scope for _m, _u, scope in ENDPOINTS} | {"read:customers:pii", "write:feeds"})


@pytest.mark.parametrize("method, url, scope", ENDPOINTS)
def test_a_call_without_its_scope_is_403_problem(issue, call, method, url, scope):
    others = [s for s in ALL if s != scope and not (scope == "read:customers" and "customers" in s)]
    _client, token = issue(*others)
    body = problem_of(getattr(call(token), method)(url, {}, format="json"), 403)
    assert body["type"].endswith("permission-denied")
    # Refused calls are audited too (who tried what).
    entry = AuditEntry.objects.filter(action="api.called").latest("pk")
    assert entry.after["status"] == 403


@pytest.mark.parametrize("method, url, scope", ENDPOINTS)
def test_a_call_with_its_scope_passes_the_scope_check(issue, call, method, url, scope):
    _client, token = issue(scope)
    response = getattr(call(token), method)(url, {}, format="json")
    assert response.status_code != 403, response.content


def test_customers_are_masked_without_the_pii_scope(issue, call, rm):
    customers = CustomerFactory.create_batch(3, owner=rm)
    _client, token = issue("read:customers")
    rows = call(token).get("/api/v1/customers/").json()["results"]
    assert len(rows) == 3
    for row in rows:
        assert row["identifiers_clear"] is False
        assert "*" in row["mobile"] and "*" in row["id_number"] and "*" in row["email"]
    clear = {c.mobile for c in customers} | {c.decrypted_id_number() for c in customers}
    assert not clear & {v for row in rows for v in row.values() if isinstance(v, str)}
    assert not AuditEntry.objects.filter(action="customer.pii_revealed").exists()
    call_row = AuditEntry.objects.get(action="api.called")
    assert call_row.after["records"] == 3
    assert call_row.after["endpoint"] == "api-customers:customer-list"


def test_pii_scope_gives_clear_identifiers_audited_per_customer(issue, call, rm):
    customers = CustomerFactory.create_batch(3, owner=rm)
    client, token = issue("read:customers:pii", name="KYC refresh")
    rows = call(token).get("/api/v1/customers/").json()["results"]
    by_number = {r["number"]: r for r in rows}
    for c in customers:
        row = by_number[c.number]
        assert row["identifiers_clear"] is True
        assert row["mobile"] == c.mobile
        assert row["email"] == c.email
        assert row["id_number"] == c.decrypted_id_number()
    revealed = AuditEntry.objects.filter(action="customer.pii_revealed")
    assert sorted(int(e.target_id) for e in revealed) == sorted(c.pk for c in customers)
    assert {e.actor_id for e in revealed} == {client.user_id}
    assert {e.purpose for e in revealed} == {"API: KYC refresh"}
    # The audit rows themselves hold no clear identifier.
    text = str(list(revealed.values("after", "target_repr", "purpose")))
    for c in customers:
        assert c.mobile not in text and c.decrypted_id_number() not in text


def test_one_customer_by_number_and_404_outside_scope(issue, call, rm):
    customer = CustomerFactory(owner=rm)
    _client, token = issue("read:customers")
    api = call(token)
    assert api.get(f"/api/v1/customers/{customer.number}/").json()["number"] == customer.number
    problem_of(api.get("/api/v1/customers/NOPE/"), 404)


def test_branch_restricted_client_sees_its_branch_and_below(issue, call):
    north = BranchFactory(code="N")
    north_sub = BranchFactory(code="N1", parent=north)
    south = BranchFactory(code="S")
    mine = CustomerFactory(owner=UserFactory(role="relationship_manager", branch=north))
    below = CustomerFactory(owner=UserFactory(role="relationship_manager", branch=north_sub))
    other = CustomerFactory(owner=UserFactory(role="relationship_manager", branch=south))
    client, token = issue("read:customers", branch=north)
    api = call(token)
    numbers = {r["number"] for r in api.get("/api/v1/customers/").json()["results"]}
    assert numbers == {mine.number, below.number}
    problem_of(api.get(f"/api/v1/customers/{other.number}/"), 404)
    assert ApiClient.objects.get(pk=client.pk).user.branch == north


def test_service_user_sees_nothing_without_its_token(issue):
    """The scope comes with the token: the service user has no role of its own."""
    from customers.records.access import customers_for

    CustomerFactory()
    client, _token = issue("read:customers")
    assert not customers_for(client.user).exists()
