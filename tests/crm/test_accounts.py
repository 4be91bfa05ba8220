"""Login, lockout, session expiry, roles and their permissions (DESIGN §1, §6)."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse

from crm.accounts import roles
from crm.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

PASSWORD = "pw-Fiducia-2026"


def _login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_login_and_logout(client, rm_user):
    response = _login(client, rm_user.username, PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("ui:home")
    assert client.get("/").status_code == 200
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_shows_the_form_again(client, rm_user):
    response = _login(client, rm_user.username, "wrong")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_lockout_after_five_failures(client, rm_user):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert _login(client, rm_user.username, "wrong").status_code == 200
    response = _login(client, rm_user.username, "wrong")
    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    # Now even the right password is refused, and nothing is logged in.
    response = _login(client, rm_user.username, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302


def test_locked_out_page_is_friendly_and_translated(client, rm_user):
    for _ in range(5):
        response = _login(client, rm_user.username, "wrong")
    body = response.content.decode()
    assert "账户已锁定" in body
    assert "30" in body


def test_lockout_is_per_account_not_per_address(client, rm_user, make_user):
    for _ in range(5):
        _login(client, rm_user.username, "wrong")
    colleague = make_user(roles.RELATIONSHIP_MANAGER)
    assert _login(client, colleague.username, PASSWORD).status_code == 302


def test_four_failures_then_success_resets_the_counter(client, rm_user):
    for _ in range(4):
        _login(client, rm_user.username, "wrong")
    assert _login(client, rm_user.username, PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        assert _login(client, rm_user.username, "wrong").status_code == 200


def test_session_expires_after_idle_time_and_on_browser_close():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    # Not saved on every request: SessionActivityMiddleware extends the idle window instead.
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    assert "crm.accounts.middleware.SessionActivityMiddleware" in settings.MIDDLEWARE
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_session_cookie_has_no_persistent_expiry(client, rm_user):
    response = _login(client, rm_user.username, PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == ""  # a browser-session cookie
    assert client.session.get_expiry_age() == 30 * 60


def test_password_change(client, rm_user):
    client.force_login(rm_user)
    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Xq9-long-pass-2026",
            "new_password2": "Xq9-long-pass-2026",
        },
    )
    assert response.status_code == 302
    rm_user.refresh_from_db()
    assert rm_user.check_password("Xq9-long-pass-2026")


def test_every_role_group_exists_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLES)


@pytest.mark.parametrize(
    ("role", "permission", "held"),
    [
        (roles.COMPLIANCE_OFFICER, "audit.view_auditentry", True),
        (roles.AUDITOR, "audit.view_auditentry", True),
        (roles.ADMINISTRATOR, "audit.view_auditentry", True),
        (roles.RELATIONSHIP_MANAGER, "audit.view_auditentry", False),
        (roles.TEAM_LEAD, "audit.view_auditentry", False),
        (roles.RISK_OFFICER, "audit.view_auditentry", False),
        (roles.ADMINISTRATOR, "core.change_calendarday", True),
        (roles.BRANCH_HEAD, "core.change_calendarday", False),
        (roles.RELATIONSHIP_MANAGER, "core.view_notification", True),
    ],
)
def test_role_permissions_are_synced_to_groups(make_user, role, permission, held):
    app_label, codename = permission.split(".")
    group = Group.objects.get(name=role)
    assert (
        group.permissions.filter(content_type__app_label=app_label, codename=codename).exists()
        is held
    )
    assert make_user(role).has_perm(permission) is held


def test_grants_match_the_declarations():
    for role in roles.ROLES:
        declared = roles.granted(role)
        in_db = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Group.objects.get(name=role).permissions.select_related("content_type")
        }
        assert declared <= in_db, role


def test_grant_rejects_unknown_role():
    with pytest.raises(ValueError):
        roles.grant("janitor", ["audit.view_auditentry"])


def test_sync_is_idempotent():
    group = Group.objects.get(name=roles.AUDITOR)
    before = set(group.permissions.values_list("pk", flat=True))
    roles.sync_role_permissions()
    roles.sync_role_permissions()
    assert set(group.permissions.values_list("pk", flat=True)) == before


def test_role_label_is_translated():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert roles.role_label(roles.RELATIONSHIP_MANAGER) == "客户经理"
    with translation.override("en"):
        assert roles.role_label(roles.RELATIONSHIP_MANAGER) == "Relationship manager"
    assert roles.role_label("unknown") == "unknown"


def test_is_read_only_only_for_pure_auditors(make_user):
    from crm.accounts.access import is_read_only

    auditor = make_user(roles.AUDITOR)
    assert is_read_only(auditor)
    assert not is_read_only(make_user(roles.COMPLIANCE_OFFICER))
    auditor.groups.add(Group.objects.get(name=roles.COMPLIANCE_OFFICER))
    auditor.__dict__.pop("role_names", None)
    assert not is_read_only(auditor)


# ---- Permission changes in Django admin are audited ------------------------------------------


def _change_form_data(user, **overrides):
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "is_staff": "",
        "groups": [str(pk) for pk in user.groups.values_list("pk", flat=True)],
        "user_permissions": [],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2025-01-02",
        "date_joined_1": "09:00:00",
        "display_name": user.display_name,
        "employee_no": "",
        "branch": str(user.branch_id),
        "team": str(user.team_id),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def test_admin_group_change_writes_an_audit_row(admin_client, rm_user):
    lead_group = Group.objects.get(name=roles.TEAM_LEAD)
    rm_group = Group.objects.get(name=roles.RELATIONSHIP_MANAGER)
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[rm_user.pk]),
        _change_form_data(rm_user, groups=[str(rm_group.pk), str(lead_group.pk)]),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditEntry.objects.get(action="user.permissions_changed")
    assert entry.target_id == str(rm_user.pk)
    assert entry.actor.username == "admin"
    assert entry.before["groups"] == [roles.RELATIONSHIP_MANAGER]
    assert entry.after["groups"] == sorted([roles.RELATIONSHIP_MANAGER, roles.TEAM_LEAD])


def test_admin_deactivation_and_permission_grant_are_audited(admin_client, rm_user):
    from django.contrib.auth.models import Permission

    perm = Permission.objects.get(codename="export_auditentry")
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[rm_user.pk]),
        _change_form_data(rm_user, is_active="", user_permissions=[str(perm.pk)]),
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="user.permissions_changed")
    assert entry.before["is_active"] is True
    assert entry.after["is_active"] is False
    assert entry.after["permissions"] == ["audit.export_auditentry"]


def test_admin_edit_without_rights_change_writes_nothing(admin_client, rm_user):
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[rm_user.pk]),
        _change_form_data(rm_user, display_name="新名字"),
    )
    assert response.status_code == 302
    rm_user.refresh_from_db()
    assert rm_user.display_name == "新名字"
    assert not AuditEntry.objects.filter(action="user.permissions_changed").exists()


def test_failed_audit_rolls_back_the_permission_change(admin_client, rm_user, monkeypatch):
    from crm.accounts import admin as accounts_admin

    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(accounts_admin, "record_permission_change", broken)
    lead_group = Group.objects.get(name=roles.TEAM_LEAD)
    admin_client.raise_request_exception = False
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[rm_user.pk]),
        _change_form_data(rm_user, groups=[str(lead_group.pk)]),
    )
    assert response.status_code == 500
    assert list(rm_user.groups.values_list("name", flat=True)) == [roles.RELATIONSHIP_MANAGER]


def test_admin_role_permission_change_is_audited(admin_client):
    from django.contrib.auth.models import Permission

    group = Group.objects.get(name=roles.RISK_OFFICER)
    before = set(group.permissions.values_list("pk", flat=True))
    extra = Permission.objects.get(codename="export_auditentry")
    response = admin_client.post(
        reverse("admin:auth_group_change", args=[group.pk]),
        {"name": group.name, "permissions": [str(pk) for pk in before | {extra.pk}]},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="role.changed")
    assert entry.target_repr == roles.RISK_OFFICER
    assert "audit.export_auditentry" not in entry.before["permissions"]
    assert "audit.export_auditentry" in entry.after["permissions"]
    # Saving again without a change writes nothing more.
    admin_client.post(
        reverse("admin:auth_group_change", args=[group.pk]),
        {"name": group.name, "permissions": [str(pk) for pk in before | {extra.pk}]},
    )
    assert AuditEntry.objects.filter(action="role.changed").count() == 1
