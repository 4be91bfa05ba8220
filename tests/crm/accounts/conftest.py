import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import environ
import pytest
import requests

from tests import ldap_server
from tests.factories import BranchFactory, TeamFactory

# The seeded directory: who is in it, in which branch and team, in which groups.
BRANCH, TEAM = "SH01", "财富一组"
ENTRIES = [
    ldap_server.person("li.rm", branch=BRANCH, team=TEAM, given="Na", sn="Li"),
    ldap_server.person("wang.lead", branch=BRANCH, team=TEAM),
    ldap_server.person("zhao.moved", branch=BRANCH),
    ldap_server.person("chen.locked", branch=BRANCH, locked=True),
    ldap_server.person("sun.nobranch", branch="XX99"),
    ldap_server.person("zhou.norole", branch=BRANCH),
    ldap_server.person("wu.wrongpw", branch=BRANCH),
    ldap_server.person("kim.ad", branch=BRANCH, ad_control=512),  # AD: a normal account
    ldap_server.person("lee.ad", branch=BRANCH, ad_control=514),  # AD: ACCOUNTDISABLE set
]
GROUPS = {
    "fiducia-rm": [
        *("li.rm", "wang.lead", "zhao.moved", "chen.locked", "sun.nobranch", "wu.wrongpw"),
        *("kim.ad", "lee.ad"),
    ],
    "fiducia-team-leads": ["wang.lead"],
    "fiducia-auditors": ["zhao.moved"],
    "canteen-committee": ["li.rm", "zhou.norole"],  # not a Fiducia role
}
ROLE_MAP = {
    ldap_server.group_dn("fiducia-rm"): "relationship_manager",
    # DNs compare case-insensitively, as directories do.
    ldap_server.group_dn("FIDUCIA-TEAM-LEADS").upper(): "team_lead",
    ldap_server.group_dn("fiducia-auditors"): ["auditor"],
}


def _skip_unless_required(reason: str) -> None:
    # CI (.ci/run) sets FIDUCIA_REQUIRE_DIRECTORY: there the directory tests must run, not skip.
    if os.environ.get("FIDUCIA_REQUIRE_DIRECTORY"):
        pytest.fail(f"{reason}, but FIDUCIA_REQUIRE_DIRECTORY is set")
    pytest.skip(f"{reason}; .ci/run installs it")


@pytest.fixture(scope="session")
def slapd(tmp_path_factory):
    missing = None
    if not ldap_server.available():
        missing = "Debian's slapd is not installed (apt-get install slapd ldap-utils)"
    else:
        try:
            import django_auth_ldap  # noqa: F401
        except ImportError:
            missing = 'the `ldap` extra is not installed (pip install ".[ldap]")'
    if missing:
        _skip_unless_required(missing)
    entries = ENTRIES + [ldap_server.group(cn, members) for cn, members in GROUPS.items()]
    server = ldap_server.start(tmp_path_factory.mktemp("slapd"), entries)
    yield server
    server.stop()


@pytest.fixture
def directory(slapd, settings, monkeypatch, db):
    """Fiducia configured against the test's slapd, as LDAP_* environment variables would."""
    from crm.accounts.directory.ldap_config import ldap_settings

    for name, value in {
        "LDAP_SERVER_URI": slapd.uri,
        "LDAP_BIND_DN": ldap_server.SERVICE_DN,
        "LDAP_BIND_PASSWORD": ldap_server.SERVICE_PASSWORD,
        "LDAP_USER_SEARCH_BASE": ldap_server.PEOPLE,
        "LDAP_GROUP_SEARCH_BASE": ldap_server.GROUPS,
    }.items():
        monkeypatch.setenv(name, value)
    for name, value in ldap_settings(environ.Env()).items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "crm.accounts.directory.ldap.FiduciaLDAPBackend",
        "crm.accounts.backends.OneQueryPermissionBackend",
    ]
    settings.FIDUCIA_DIRECTORY = {
        **settings.FIDUCIA_DIRECTORY,
        "LDAP_ROLE_MAP": ROLE_MAP,
        "LDAP_BRANCH_ATTRIBUTE": "departmentNumber",
        "LDAP_TEAM_ATTRIBUTE": "ou",
    }
    branch = BranchFactory(code=BRANCH, name="上海分行")
    TeamFactory(name=TEAM, branch=branch)
    return slapd


def directory_connection(slapd):
    """python-ldap bound as the directory's administrator, to change the directory mid-test."""
    import ldap

    conn = ldap.initialize(slapd.uri)
    conn.simple_bind_s(ldap_server.ADMIN_DN, ldap_server.ADMIN_PASSWORD)
    return conn


# ---- the OpenID provider ---------------------------------------------------------------------

OIDC_CLIENT_ID, OIDC_CLIENT_SECRET = "fiducia", "fiducia-client-secret"
PROVIDER_PASSWORD = "Provider-pw-2026"
PROVIDER_USERS = ["liu.rm", "ma.lead", "he.nobranch", "qian.norole", "fu.inactive"]


@dataclass
class Provider:
    url: str
    claims_file: Path

    def set_claims(self, claims: dict) -> None:
        self.claims_file.write_text(json.dumps(claims, ensure_ascii=False), encoding="utf-8")


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """django-oauth-toolkit as a real provider process on a free port (tests/oidc_provider)."""
    try:
        import oauth2_provider  # noqa: F401
    except ImportError:
        _skip_unless_required("django-oauth-toolkit (the dev extra) is not installed")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    folder = tmp_path_factory.mktemp("oidc")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    port = ldap_server.free_port()
    provider = Provider(url=f"http://127.0.0.1:{port}", claims_file=folder / "claims.json")
    provider.set_claims({})
    root = Path(__file__).resolve().parents[3]
    env = {
        **os.environ,
        "PYTHONPATH": str(root),
        "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
        "PROVIDER_DB": str(folder / "provider.sqlite3"),
        "PROVIDER_RSA_KEY": key.decode(),
        "PROVIDER_CLAIMS": str(provider.claims_file),
        "PROVIDER_SEED": json.dumps(
            {
                "users": dict.fromkeys(PROVIDER_USERS, PROVIDER_PASSWORD),
                "client_id": OIDC_CLIENT_ID,
                "client_secret": OIDC_CLIENT_SECRET,
                # The test client's host, and the live server's (any port: RFC 8252 loopback).
                "redirect_uri": "http://testserver/accounts/oidc/callback/ "
                "http://localhost/accounts/oidc/callback/",
            }
        ),
    }
    for name in ("DATABASE_URL", "CELERY_BROKER_URL"):  # Fiducia's, not the provider's
        env.pop(name, None)
    subprocess.run(
        [sys.executable, "-m", "tests.oidc_provider.seed"], env=env, cwd=root, check=True
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(process.stderr.read().decode(errors="replace"))
        try:
            requests.get(provider.url + "/o/.well-known/openid-configuration", timeout=1)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the OpenID provider did not start") from None
            time.sleep(0.2)
    yield provider
    process.terminate()
    process.wait(10)


@pytest.fixture
def oidc(oidc_provider, settings, db):
    """Fiducia configured for the provider, as the OIDC_* environment variables would."""
    url = oidc_provider.url
    settings.OIDC_RP_CLIENT_ID = OIDC_CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = OIDC_CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{url}/o/authorize/"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{url}/o/token/"
    settings.OIDC_OP_USER_ENDPOINT = f"{url}/o/userinfo/"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{url}/o/.well-known/jwks.json"
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_RP_SCOPES = "openid email profile"
    settings.OIDC_PROVIDER_NAME = "Keycloak"
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "crm.accounts.directory.oidc.FiduciaOIDCBackend",
        "crm.accounts.backends.OneQueryPermissionBackend",
    ]
    settings.FIDUCIA_DIRECTORY = {
        **settings.FIDUCIA_DIRECTORY,
        "OIDC_ROLE_MAP": {"/fiducia/rm": "relationship_manager", "/fiducia/leads": "team_lead"},
        "OIDC_ROLES_CLAIM": "groups",
        "OIDC_BRANCH_CLAIM": "branch",
        "OIDC_TEAM_CLAIM": "team",
    }
    branch = BranchFactory(code=BRANCH, name="上海分行")
    TeamFactory(name=TEAM, branch=branch)
    return oidc_provider
