"""OpenAPI schema and Swagger docs, served from the packages (no CDN)."""

import re

from crm.api import scopes


def test_schema_describes_every_endpoint(issue, call):
    _client, token = issue("read:customers")
    response = call(token).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/customers/",
        "/api/v1/customers/{number}/",
        "/api/v1/customers/{number}/tier/",
        "/api/v1/tasks/",
        "/api/v1/interactions/",
        "/api/v1/complaints/",
        "/api/v1/warnings/",
        "/api/v1/risk-signals/",
    } <= set(schema["paths"])
    assert "bearerAuth" in str(schema["components"]["securitySchemes"])


def test_schema_needs_a_token_or_a_session(db, client):
    assert client.get("/api/v1/schema/").status_code in (401, 403)


def test_docs_page_loads_for_staff_with_no_external_url(client, rm):
    client.force_login(rm)
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", html), html
    assets = re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", html)
    assert any("swagger-ui" in a for a in assets)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    # The init script is a URL of its own (the CSP refuses inline scripts).
    script = re.findall(r"<script src=\"([^\"]+)\"", html)
    assert any("script" in s or "docs" in s for s in script)


def test_docs_send_anonymous_visitors_to_the_sign_in(db, client):
    assert client.get("/api/v1/docs/").status_code == 302


def test_the_serializer_describes_what_the_list_returns(issue, call, rm):
    from customers.records.api import CustomerSerializer
    from tests.factories import CustomerFactory

    CustomerFactory(owner=rm)
    _client, token = issue("read:customers")
    row = call(token).get("/api/v1/customers/").json()["results"][0]
    assert set(row) == set(CustomerSerializer().fields)


def test_every_scope_has_a_label_and_known_permissions(db):
    from django.contrib.auth.models import Permission

    known = {
        f"{app}.{code}"
        for app, code in Permission.objects.values_list("content_type__app_label", "codename")
    }
    for code, (label, perms) in scopes.SCOPES.items():
        assert str(label)
        assert set(perms) <= known, code
    assert "write:feeds" in scopes.SCOPES
