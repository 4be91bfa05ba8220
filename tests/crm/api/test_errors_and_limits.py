"""RFC 9457 problem details: shape, field details, language; the per-client rate limit."""

import pytest

from crm.audit.models import AuditEntry
from tests.factories import CustomerFactory

from .conftest import problem_of


def test_validation_problem_lists_every_field(issue, call):
    _client, token = issue("write:interactions")
    response = call(token).post(
        "/api/v1/interactions/", {"channel": "pigeon", "summary": ""}, format="json"
    )
    body = problem_of(response, 400)
    assert body["type"] == "urn:fiducia:problem:validation"
    fields = {e["field"] for e in body["errors"]}
    assert {"customer", "channel", "occurred_at", "purpose", "summary"} <= fields
    assert all(e["message"] and e["code"] for e in body["errors"])


def test_malformed_json_is_a_problem_not_a_500(issue, call):
    _client, token = issue("write:interactions")
    response = call(token).post(
        "/api/v1/interactions/", "{not json", content_type="application/json"
    )
    problem_of(response, 400)


def test_problem_speaks_the_requested_language(issue, call):
    _client, token = issue("read:customers")
    response = call(token).get("/api/v1/customers/NOPE/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = problem_of(response, 404)
    assert body["title"] == "未找到。"


@pytest.mark.parametrize(
    "query, field",
    [
        ("cursor=%%%", "cursor"),
        ("cursor=WzEsMl0", "cursor"),  # valid base64, not a cursor
        ("updated_since=yesterday", "updated_since"),
        ("page_size=0", "page_size"),
        ("page_size=5000", "page_size"),
    ],
)
def test_bad_paging_parameters_are_field_problems(issue, call, query, field):
    _client, token = issue("read:customers")
    body = problem_of(call(token).get(f"/api/v1/customers/?{query}"), 400)
    assert body["errors"][0]["field"] == field


def test_method_not_allowed_is_a_problem(issue, call):
    _client, token = issue("read:customers")
    problem_of(call(token).delete("/api/v1/customers/"), 405)


def test_rate_limit_answers_429_with_retry_after(issue, call):
    CustomerFactory()
    _client, token = issue("read:customers", rate_per_minute=2)
    api = call(token)
    assert api.get("/api/v1/customers/").status_code == 200
    assert api.get("/api/v1/customers/").status_code == 200
    response = api.get("/api/v1/customers/")
    body = problem_of(response, 429)
    assert body["type"].endswith("throttled")
    assert int(response["Retry-After"]) > 0
    # Another client has its own budget.
    _other, other_token = issue("read:customers", rate_per_minute=2)
    assert call(other_token).get("/api/v1/customers/").status_code == 200
    assert AuditEntry.objects.filter(action="api.called", after__status=429).count() == 1
