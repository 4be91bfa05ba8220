"""The embedded default needs no directory: no python-ldap, no provider, local passwords for
everyone; the break-glass flag is a right like any other (audited when it changes)."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from crm.accounts.services import permission_snapshot, record_permission_change
from crm.audit.models import AuditEntry
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[3]


def test_the_quick_start_loads_without_python_ldap():
    # python-ldap made unimportable: settings, URLs and the login view must not need it.
    code = (
        "import sys; sys.modules['ldap'] = None; sys.modules['django_auth_ldap'] = None\n"
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.urls import reverse; reverse('accounts:login')\n"
        "import crm.accounts.backends, crm.accounts.views\n"
        "print(settings.AUTHENTICATION_BACKENDS)\n"
    )
    env = {"DJANGO_SETTINGS_MODULE": "crm.settings", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "directory" not in result.stdout  # no LDAP or OIDC backend by default


@pytest.mark.django_db
def test_without_a_directory_every_local_password_works(client):
    assert not settings.OIDC_RP_CLIENT_ID and not getattr(settings, "AUTH_LDAP_SERVER_URI", "")
    user = UserFactory()
    client.post(
        reverse("accounts:login"), {"username": user.username, "password": "pw-Fiducia-2026"}
    )
    assert "_auth_user_id" in client.session


@pytest.mark.django_db
def test_granting_break_glass_is_an_audited_permission_change():
    user = UserFactory()
    admin = UserFactory(is_superuser=True)
    before = permission_snapshot(user)
    user.break_glass = True
    user.save()
    assert record_permission_change(admin, user, before)
    row = AuditEntry.objects.get(action="user.permissions_changed", target_id=str(user.pk))
    assert (row.before["break_glass"], row.after["break_glass"]) == (False, True)


def test_a_role_map_naming_an_unknown_role_stops_the_start(settings):
    from crm.accounts.directory.checks import role_maps_name_known_roles

    assert role_maps_name_known_roles() == []
    settings.FIDUCIA_DIRECTORY = {
        **settings.FIDUCIA_DIRECTORY,
        "OIDC_ROLE_MAP": {"/crm/rm": "relationship_manager", "/crm/boss": ["ceo"]},
    }
    errors = role_maps_name_known_roles()
    assert [e.id for e in errors] == ["fiducia.E102"] and "'ceo'" in errors[0].msg
