"""OpenID Connect sign-in, end to end: the authorisation-code flow (with PKCE) between Fiducia
(Django's test client) and a real provider process (django-oauth-toolkit, tests/oidc_provider):
claims mapped to roles, branch and team; refusals with their reasons; the login page's button."""

import re
from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse

from crm.accounts import roles
from crm.audit.models import AuditEntry
from crm.audit.security import LOGIN
from tests.factories import UserFactory

from .conftest import BRANCH, PROVIDER_PASSWORD, TEAM

User = get_user_model()
RM = {"groups": ["/fiducia/rm", "/staff"], "branch": BRANCH, "team": TEAM}


def sign_in(client, username):
    """Fiducia → provider (sign in there) → Fiducia's callback; the callback's response."""
    start = client.get(reverse("accounts:oidc-authenticate"), HTTP_ACCEPT_LANGUAGE="en")
    assert start.status_code == 302
    browser = requests.Session()
    to_login = browser.get(start.url, allow_redirects=False, timeout=10)
    assert to_login.status_code == 302  # the provider wants its own sign-in first
    login_url = requests.compat.urljoin(start.url, to_login.headers["Location"])
    page = browser.get(login_url, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    next_url = re.search(r'name="next" value="([^"]*)"', page.text).group(1).replace("&amp;", "&")
    signed_in = browser.post(
        login_url,
        data={
            "csrfmiddlewaretoken": token,
            "username": username,
            "password": PROVIDER_PASSWORD,
            "next": next_url,
        },
        headers={"Referer": login_url},
        allow_redirects=False,
        timeout=10,
    )
    assert signed_in.status_code == 302, signed_in.text[:500]
    authorised = browser.get(
        requests.compat.urljoin(login_url, signed_in.headers["Location"]),
        allow_redirects=False,
        timeout=10,
    )
    callback = urlsplit(authorised.headers["Location"])
    assert callback.path == reverse("accounts:oidc-callback")
    return client.get(f"{callback.path}?{callback.query}", HTTP_ACCEPT_LANGUAGE="en")


def _messages(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_sign_in_through_the_provider_maps_claims_to_role_branch_and_team(client, oidc):
    oidc.set_claims({"liu.rm": RM})
    response = sign_in(client, "liu.rm")
    assert response.status_code == 302 and response.url == reverse("ui:home")
    assert client.get(reverse("ui:home")).status_code == 200
    user = User.objects.get(username="liu.rm")
    assert user.role_names == {roles.RELATIONSHIP_MANAGER}
    assert (user.branch.code, user.team.name) == (BRANCH, TEAM)
    assert (user.email, user.first_name, user.last_name) == ("liu.rm@bank.example", "Min", "Liu")
    assert not user.has_usable_password()
    assert AuditEntry.objects.filter(action=LOGIN, actor=user).exists()
    change = AuditEntry.objects.get(action="user.permissions_changed", target_id=str(user.pk))
    assert change.purpose == "directory"


def test_roles_follow_the_claims_at_every_sign_in(client, oidc):
    oidc.set_claims({"ma.lead": {**RM, "groups": ["/fiducia/rm", "/fiducia/leads"]}})
    assert sign_in(client, "ma.lead").status_code == 302
    user = User.objects.get(username="ma.lead")
    assert user.role_names == {roles.RELATIONSHIP_MANAGER, roles.TEAM_LEAD}
    client.post(reverse("accounts:logout"))

    oidc.set_claims({"ma.lead": RM})  # the lead role was withdrawn at the provider
    assert sign_in(client, "ma.lead").status_code == 302
    user = User.objects.get(pk=user.pk)
    assert user.role_names == {roles.RELATIONSHIP_MANAGER}
    removal = AuditEntry.objects.filter(
        action="user.permissions_changed", target_id=str(user.pk)
    ).latest("pk")
    assert removal.before["groups"] == [roles.RELATIONSHIP_MANAGER, roles.TEAM_LEAD]


def test_no_mapped_role_is_refused_and_creates_nobody(client, oidc):
    oidc.set_claims({"qian.norole": {**RM, "groups": ["/staff"]}})
    response = sign_in(client, "qian.norole")
    assert response.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    assert "no Fiducia role" in _messages(response)
    assert not User.objects.filter(username="qian.norole").exists()


def test_unknown_branch_is_refused(client, oidc):
    oidc.set_claims({"he.nobranch": {**RM, "branch": "XX99", "team": ""}})
    response = sign_in(client, "he.nobranch")
    assert "_auth_user_id" not in client.session
    assert "branch Fiducia does not know" in _messages(response)


def test_user_deactivated_in_fiducia_is_refused(client, oidc):
    UserFactory(username="fu.inactive", is_active=False)
    oidc.set_claims({"fu.inactive": RM})
    response = sign_in(client, "fu.inactive")
    assert "_auth_user_id" not in client.session
    assert "inactive" in _messages(response)
    assert not User.objects.get(username="fu.inactive").is_active


def test_login_page_offers_the_provider(client, oidc):
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en")
    assert b"Sign in with Keycloak" in page.content


def test_local_password_refused_for_ordinary_users_when_oidc_is_on(client, oidc):
    UserFactory(username="local.rm")
    response = client.post(
        reverse("accounts:login"),
        {"username": "local.rm", "password": "pw-Fiducia-2026"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "_auth_user_id" not in client.session
    assert "directory account" in response.content.decode()


def test_provider_down_is_a_message_not_a_500(client, oidc, settings):
    settings.OIDC_OP_TOKEN_ENDPOINT = "http://127.0.0.1:9/o/token/"  # nothing listens there
    oidc.set_claims({"liu.rm": RM})
    response = sign_in(client, "liu.rm")
    assert response.status_code == 302 and "_auth_user_id" not in client.session
    assert "did not answer" in _messages(response)


@pytest.mark.django_db
def test_without_oidc_settings_the_views_do_not_exist_and_the_button_is_absent(client, settings):
    settings.OIDC_RP_CLIENT_ID = ""
    assert client.get(reverse("accounts:oidc-authenticate")).status_code == 404
    assert client.get(reverse("accounts:oidc-callback")).status_code == 404
    assert b"oidc-login" not in client.get(reverse("accounts:login")).content


def test_unknown_people_are_refused_when_fiducia_does_not_create_users(client, oidc, settings):
    settings.FIDUCIA_DIRECTORY = {**settings.FIDUCIA_DIRECTORY, "CREATE_USERS": False}
    oidc.set_claims({"liu.rm": RM, "ma.lead": RM})
    response = sign_in(client, "liu.rm")
    assert "_auth_user_id" not in client.session
    assert "no Fiducia account yet" in _messages(response)
    assert not User.objects.filter(username="liu.rm").exists()

    UserFactory(username="ma.lead")  # set up in admin beforehand: signs in, roles from claims
    assert sign_in(client, "ma.lead").status_code == 302
    assert User.objects.get(username="ma.lead").role_names == {roles.RELATIONSHIP_MANAGER}


def test_a_crossed_first_sign_in_is_a_message_not_a_500(client, oidc, monkeypatch):
    """Two first sign-ins of one person at once: the second meets the unique username."""
    from django.db import IntegrityError

    from crm.accounts.directory import mapping

    def crossed(*args, **kwargs):
        raise IntegrityError("UNIQUE constraint failed: accounts_user.username")

    monkeypatch.setattr(mapping, "apply", crossed)
    oidc.set_claims({"liu.rm": RM})
    response = sign_in(client, "liu.rm")
    assert response.status_code == 302 and "_auth_user_id" not in client.session
    assert "Try again" in _messages(response)
    assert not User.objects.filter(username="liu.rm").exists()  # rolled back
