"""Issue 15 item 5: sign-ins, failed sign-ins, lockouts, sign-outs and refused access to an
object URL leave audit rows with user, IP and path, never a password or the object's data."""

import json

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from crm.audit.models import AuditEntry
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-Fiducia-2026"
LOGIN_PATH = "/accounts/login/"


def _login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def _rows(action):
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def _text(entry) -> str:
    """Everything the row stores, as one string (to prove what it does not hold)."""
    fields = [entry.target_type, entry.target_id, entry.target_repr, entry.purpose]
    return " ".join(fields) + json.dumps([entry.before, entry.after], ensure_ascii=False)


def test_successful_login_and_logout_are_recorded(client, rm_user):
    assert _login(client, rm_user.username, PASSWORD).status_code == 302
    (login,) = _rows("security.login")
    assert login.actor == rm_user
    assert login.after == {"ip": "127.0.0.1", "path": LOGIN_PATH}
    client.post(reverse("accounts:logout"))
    (logout,) = _rows("security.logout")
    assert logout.actor == rm_user
    assert logout.after == {"ip": "127.0.0.1", "path": "/accounts/logout/"}
    assert PASSWORD not in _text(login) + _text(logout)


def test_failed_login_names_the_account_never_the_password(client, rm_user):
    _login(client, rm_user.username, "Wrong-Secret-1")
    (failed,) = _rows("security.login_failed")
    assert failed.actor is None  # nobody signed in
    assert (failed.target_type, failed.target_id) == ("accounts.user", str(rm_user.pk))
    assert failed.after == {"ip": "127.0.0.1", "path": LOGIN_PATH}
    assert "Wrong-Secret-1" not in _text(failed)


def test_failed_login_for_no_account_keeps_not_the_typed_name(client):
    # People type their password into the username field: an unknown name is not stored.
    _login(client, "Pa55word-typed-as-name", "whatever-else")
    (failed,) = _rows("security.login_failed")
    assert failed.target_id == "" and failed.actor is None
    assert failed.after == {"ip": "127.0.0.1", "path": LOGIN_PATH, "account": "unknown"}
    assert "Pa55word" not in _text(failed) and "whatever" not in _text(failed)


def test_lockout_is_recorded(client, rm_user):
    for _ in range(5):
        response = _login(client, rm_user.username, "wrong")
    assert response.status_code == 429
    (locked,) = _rows("security.locked_out")
    assert locked.target_id == str(rm_user.pk)
    assert locked.after == {"ip": "127.0.0.1", "path": LOGIN_PATH}
    assert len(_rows("security.login_failed")) == 5


def test_failure_history_survives_a_successful_login(client, rm_user):
    for _ in range(3):
        _login(client, rm_user.username, "wrong")
    assert AccessAttempt.objects.exists()
    assert _login(client, rm_user.username, PASSWORD).status_code == 302
    # The lockout counter starts again (axes resets it) but the history stays in the log.
    assert not AccessAttempt.objects.exists()
    assert len(_rows("security.login_failed")) == 3
    assert len(_rows("security.login")) == 1


def test_refused_object_is_recorded_without_its_data(client, rm, other_rm):
    theirs = CustomerFactory(owner=other_rm, name="机密客户甲")
    client.force_login(rm)
    path = reverse("customers:customer-detail", args=[theirs.pk])
    assert client.get(path).status_code == 404
    (refused,) = _rows("security.access_refused")
    assert refused.actor == rm
    assert refused.after == {"ip": "127.0.0.1", "path": path, "status": 404}
    assert refused.target_type == refused.target_id == refused.target_repr == ""
    assert "机密客户甲" not in _text(refused)


def test_forbidden_object_url_is_recorded(client, auditor, rm):
    customer = CustomerFactory(owner=rm)
    client.force_login(auditor)
    path = reverse("customers:customer-edit", args=[customer.pk])
    assert client.get(path).status_code == 403
    (refused,) = _rows("security.access_refused")
    assert refused.actor == auditor and refused.after["status"] == 403


def test_made_up_paths_and_anonymous_probes_write_nothing(client, rm):
    assert client.get(reverse("customers:customer-detail", args=[1])).status_code == 302
    client.force_login(rm)
    assert client.get("/no-such-page/").status_code == 404
    assert client.get("/customers/abc/").status_code == 404
    assert not _rows("security.access_refused")


def test_the_object_owner_is_not_refused(client, rm):
    mine = CustomerFactory(owner=rm)
    client.force_login(rm)
    assert client.get(reverse("customers:customer-detail", args=[mine.pk])).status_code == 200
    assert not _rows("security.access_refused")
