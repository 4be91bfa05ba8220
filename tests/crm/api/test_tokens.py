"""API clients: tokens shown once and stored hashed, expiry and revocation (401), the command
and the admin that issue them."""

import datetime
import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from crm.api.models import ApiClient
from crm.api.services import api_client_revoke
from crm.audit.models import AuditEntry
from tests.factories import CustomerFactory

from .conftest import problem_of

URL = "/api/v1/customers/"


def test_token_is_stored_only_as_its_hash(issue):
    client, token = issue("read:customers")
    stored = ApiClient.objects.filter(pk=client.pk).values().get()
    assert token not in str(stored)
    assert stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith("fid_") and len(token) > 40
    assert not client.user.has_usable_password()
    created = AuditEntry.objects.get(action="api_client.created", target_id=str(client.pk))
    assert token not in str(created.after)


def test_valid_token_reads_and_is_noted_as_used(issue, call):
    client, token = issue("read:customers")
    assert call(token).get(URL).status_code == 200
    client.refresh_from_db()
    assert client.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["", "Bearer fid_unknown", "Bearer", "Token abc", "Bearer a b"],
)
def test_missing_or_bad_token_is_401_problem(db, call, header):
    from rest_framework.test import APIClient

    api = APIClient()
    if header:
        api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get(URL)
    problem_of(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_is_401(issue, call):
    client, token = issue("read:customers", expires_in_days=1)
    assert call(token).get(URL).status_code == 200
    ApiClient.objects.filter(pk=client.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    body = problem_of(call(token).get(URL), 401)
    assert body["type"].endswith("authentication-failed")


def test_revoked_token_is_401_and_revocation_is_audited(issue, call, admin):
    client, token = issue("read:customers")
    assert call(token).get(URL).status_code == 200
    api_client_revoke(admin, client)
    problem_of(call(token).get(URL), 401)
    assert AuditEntry.objects.filter(action="api_client.revoked", actor=admin).count() == 1
    api_client_revoke(admin, client)  # twice: nothing more
    assert AuditEntry.objects.filter(action="api_client.revoked").count() == 1


def test_revoking_needs_the_permission(issue, rm):
    from django.core.exceptions import PermissionDenied

    client, _token = issue("read:customers")
    with pytest.raises(PermissionDenied):
        api_client_revoke(rm, client)
    client.refresh_from_db()
    assert client.revoked_at is None


def test_command_prints_the_token_once_and_it_works(db, call):
    CustomerFactory()
    out = io.StringIO()
    call_command(
        "create_api_client",
        "Call centre",
        "--scopes",
        "read:customers,write:interactions",
        "--expires-in-days",
        "30",
        stdout=out,
    )
    token = out.getvalue().strip().splitlines()[-1]
    client = ApiClient.objects.get(name="Call centre")
    assert client.scopes == ["read:customers", "write:interactions"]
    assert client.expires_at.date() == (timezone.now() + datetime.timedelta(days=30)).date()
    assert call(token).get(URL).status_code == 200


@pytest.mark.parametrize(
    "args, message",
    [
        (["X", "--scopes", "read:everything"], "Unknown scopes"),
        (["X", "--scopes", "read:customers", "--branch", "NOPE"], "Unknown branch"),
        (["X", "--scopes", "read:customers", "--expires-in-days", "-1"], "negative"),
    ],
)
def test_command_refuses_bad_input_and_writes_nothing(db, args, message):
    with translation.override("en"), pytest.raises(CommandError, match=message):
        call_command("create_api_client", *args, stdout=io.StringIO())
    assert not ApiClient.objects.exists()


def test_command_refuses_a_second_client_of_the_same_name(issue):
    issue("read:customers", name="CRM sync")
    with translation.override("en"), pytest.raises(CommandError, match="already exists"):
        call_command(
            "create_api_client", "CRM sync", "--scopes", "read:tasks", stdout=io.StringIO()
        )
    assert ApiClient.objects.count() == 1


def test_admin_shows_the_token_once_and_revokes(admin, client, call):
    client.force_login(admin)
    response = client.post(
        "/admin/api/apiclient/add/",
        {
            "name": "Mobile app",
            "scope_list": ["read:customers", "write:interactions"],
            "expires_in_days": "90",
            "branch": "",
            "rate_per_minute": "0",
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = response.context["token"]
    assert token in response.content.decode()
    api = ApiClient.objects.get(name="Mobile app")
    assert call(token).get(URL).status_code == 200
    # The change page never shows it again.
    page = client.get(f"/admin/api/apiclient/{api.pk}/change/").content.decode()
    assert token not in page and api.token_prefix in page
    response = client.post(
        "/admin/api/apiclient/",
        {"action": "revoke", "_selected_action": [api.pk]},
    )
    assert response.status_code == 302
    problem_of(call(token).get(URL), 401)


def test_old_idempotency_keys_are_purged_and_a_rerun_finds_nothing(issue):
    from crm.api.models import IdempotencyKey
    from crm.api.tasks import purge_idempotency_keys

    client, _token = issue("write:interactions")
    old = IdempotencyKey.objects.create(client=client, key="old", request_hash="x")
    IdempotencyKey.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=8)
    )
    IdempotencyKey.objects.create(client=client, key="new", request_hash="y")
    assert purge_idempotency_keys() == 1
    assert purge_idempotency_keys() == 0
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
