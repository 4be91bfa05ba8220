"""Sign-in against a real OpenLDAP server (tests/ldap_server.py, started by the `slapd` fixture):
users created and updated at sign-in, groups mapped to roles, branch and team from attributes,
roles removed in the directory removed here (audited), disabled accounts refused and
deactivated, the break-glass rule for local passwords, lockout."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from crm.accounts import roles
from crm.audit.models import AuditEntry
from crm.audit.security import LOGIN, LOGIN_FAILED
from tests import ldap_server
from tests.factories import UserFactory

from .conftest import BRANCH, TEAM, directory_connection

User = get_user_model()
LOCAL_PASSWORD = "pw-Fiducia-2026"


def _login(client, username, password=ldap_server.USER_PASSWORD):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def _errors(response) -> str:
    return " ".join(str(e) for e in response.context["form"].non_field_errors())


def test_first_sign_in_creates_the_user_with_role_branch_and_team(client, directory):
    response = _login(client, "li.rm")
    assert response.status_code == 302 and _signed_in(client)
    user = User.objects.get(username="li.rm")
    assert user.role_names == {roles.RELATIONSHIP_MANAGER}  # canteen-committee maps to nothing
    assert (user.branch.code, user.team.name) == (BRANCH, TEAM)
    assert (user.first_name, user.last_name, user.display_name) == ("Na", "Li", "LiNa")
    assert user.email == "li.rm@bank.example"
    assert not user.has_usable_password()  # the directory holds the password
    change = AuditEntry.objects.get(action="user.permissions_changed", target_id=str(user.pk))
    assert change.purpose == "directory" and change.actor is None
    assert change.after["groups"] == [roles.RELATIONSHIP_MANAGER]
    assert change.after["branch"] == BRANCH
    assert AuditEntry.objects.filter(action=LOGIN, actor=user).exists()


def test_several_groups_map_to_several_roles(client, directory):
    assert _login(client, "wang.lead").status_code == 302
    user = User.objects.get(username="wang.lead")
    assert user.role_names == {roles.RELATIONSHIP_MANAGER, roles.TEAM_LEAD}


def test_a_role_removed_in_the_directory_is_removed_at_the_next_sign_in(client, directory):
    import ldap

    assert _login(client, "zhao.moved").status_code == 302
    user = User.objects.get(username="zhao.moved")
    assert user.role_names == {roles.RELATIONSHIP_MANAGER, roles.AUDITOR}
    client.post(reverse("accounts:logout"))

    conn = directory_connection(directory)
    auditors = ldap_server.group_dn("fiducia-auditors")
    member = ldap_server.user_dn("zhao.moved").encode()
    conn.modify_s(auditors, [(ldap.MOD_ADD, "member", [ldap_server.SERVICE_DN.encode()])])
    conn.modify_s(auditors, [(ldap.MOD_DELETE, "member", [member])])
    try:
        assert _login(client, "zhao.moved").status_code == 302
    finally:
        conn.modify_s(auditors, [(ldap.MOD_ADD, "member", [member])])
    user = User.objects.get(pk=user.pk)
    assert user.role_names == {roles.RELATIONSHIP_MANAGER}
    removal = AuditEntry.objects.filter(
        action="user.permissions_changed", target_id=str(user.pk)
    ).latest("pk")
    assert removal.before["groups"] == [roles.AUDITOR, roles.RELATIONSHIP_MANAGER]
    assert removal.after["groups"] == [roles.RELATIONSHIP_MANAGER]


def test_a_local_role_the_directory_does_not_give_is_taken_away(client, directory):
    user = UserFactory(username="li.rm", branch=None, team=None)
    user.groups.add(*roles_groups(roles.ADMINISTRATOR))
    assert _login(client, "li.rm").status_code == 302
    user = User.objects.get(pk=user.pk)
    assert user.role_names == {roles.RELATIONSHIP_MANAGER}
    assert user.branch.code == BRANCH


def roles_groups(*names):
    from django.contrib.auth.models import Group

    return Group.objects.filter(name__in=names)


def test_wrong_password_is_refused_and_creates_nobody(client, directory):
    response = _login(client, "wu.wrongpw", "not-the-password")
    assert response.status_code == 200 and not _signed_in(client)
    assert not User.objects.filter(username="wu.wrongpw").exists()
    assert AuditEntry.objects.filter(action=LOGIN_FAILED).exists()


def test_lockout_applies_to_directory_users(client, directory, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "wu.wrongpw", "not-the-password")
    response = _login(client, "wu.wrongpw")  # the right password, too late
    assert response.status_code == 429 and not _signed_in(client)


def test_disabled_directory_account_is_refused_and_the_user_deactivated(client, directory):
    user = UserFactory(username="chen.locked")
    user.groups.add(*roles_groups(roles.RELATIONSHIP_MANAGER))
    response = _login(client, "chen.locked")
    assert response.status_code == 200 and not _signed_in(client)
    assert "disabled" in _errors(response)
    user.refresh_from_db()
    assert not user.is_active
    row = AuditEntry.objects.get(action="user.permissions_changed", target_id=str(user.pk))
    assert (row.before["is_active"], row.after["is_active"]) == (True, False)


def test_active_directory_disabled_bit(client, directory):
    """userAccountControl 512 signs in; 514 (ACCOUNTDISABLE) is refused and deactivated."""
    assert _login(client, "kim.ad").status_code == 302
    client.post(reverse("accounts:logout"))
    user = UserFactory(username="lee.ad")
    response = _login(client, "lee.ad")
    assert not _signed_in(client) and "disabled" in _errors(response)
    user.refresh_from_db()
    assert not user.is_active


def test_disabled_directory_account_never_seen_before_creates_nobody(client, directory):
    response = _login(client, "chen.locked")
    assert "disabled" in _errors(response)
    assert not User.objects.filter(username="chen.locked").exists()


def test_user_deactivated_in_fiducia_stays_out(client, directory):
    UserFactory(username="li.rm", is_active=False)
    response = _login(client, "li.rm")
    assert not _signed_in(client)
    assert "inactive" in _errors(response)


@pytest.mark.parametrize("username", ["zhou.norole", "sun.nobranch", "chen.locked"])
def test_the_reason_is_shown_only_with_the_right_password(client, directory, username):
    """Typing a name and any password must not tell whether that account is disabled, has no
    role or sits in an unknown branch."""
    response = _login(client, username, "not-the-password")
    assert not _signed_in(client)
    assert "Please enter a correct username and password" in _errors(response)
    assert not User.objects.filter(username=username).exists()


def test_unknown_branch_is_refused_with_a_clear_message(client, directory):
    response = _login(client, "sun.nobranch")
    assert not _signed_in(client)
    assert "branch Fiducia does not know" in _errors(response)
    assert not User.objects.filter(username="sun.nobranch").exists()


def test_no_fiducia_role_is_refused(client, directory):
    response = _login(client, "zhou.norole")
    assert not _signed_in(client)
    assert "no Fiducia role" in _errors(response)
    assert not User.objects.filter(username="zhou.norole").exists()
    failed = AuditEntry.objects.filter(action=LOGIN_FAILED).latest("pk")
    assert failed.after["refused"] == "no_role"


def test_refusal_in_chinese(client, directory):
    response = client.post(
        reverse("accounts:login"),
        {"username": "zhou.norole", "password": ldap_server.USER_PASSWORD},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert "没有 Fiducia 角色" in _errors(response)


@pytest.mark.parametrize(
    ("flags", "allowed_by_setting", "signed_in"),
    [
        ({}, True, False),  # an ordinary local account: the directory only
        ({"break_glass": True}, True, True),
        ({"is_superuser": True}, True, True),
        ({"break_glass": True}, False, False),  # the setting switches break-glass off
    ],
)
def test_local_passwords_only_for_break_glass(
    client, directory, settings, flags, allowed_by_setting, signed_in
):
    settings.FIDUCIA_DIRECTORY = {**settings.FIDUCIA_DIRECTORY, "BREAK_GLASS": allowed_by_setting}
    user = UserFactory(username="local.admin", **flags)
    response = _login(client, user.username, LOCAL_PASSWORD)
    assert _signed_in(client) is signed_in
    if not signed_in:
        assert "directory account" in _errors(response)


def test_break_glass_works_while_the_directory_is_down(client, directory, settings):
    settings.AUTH_LDAP_SERVER_URI = f"ldap://127.0.0.1:{ldap_server.free_port()}"
    UserFactory(username="local.admin", break_glass=True)
    assert _login(client, "li.rm").status_code == 200  # nobody can vouch for the directory user
    assert _login(client, "local.admin", LOCAL_PASSWORD).status_code == 302


def test_unknown_people_are_refused_when_fiducia_does_not_create_users(client, directory, settings):
    settings.FIDUCIA_DIRECTORY = {**settings.FIDUCIA_DIRECTORY, "CREATE_USERS": False}
    response = _login(client, "li.rm")
    assert not _signed_in(client) and "no Fiducia account yet" in _errors(response)
    assert not User.objects.filter(username="li.rm").exists()


def test_a_crossed_first_sign_in_is_a_message_not_a_500(client, directory, monkeypatch):
    from django.db import IntegrityError

    from crm.accounts.directory import mapping

    def crossed(*args, **kwargs):
        raise IntegrityError("UNIQUE constraint failed: accounts_user.username")

    monkeypatch.setattr(mapping, "apply", crossed)
    response = _login(client, "li.rm")
    assert not _signed_in(client) and "Try again" in _errors(response)
    assert not User.objects.filter(username="li.rm").exists()
