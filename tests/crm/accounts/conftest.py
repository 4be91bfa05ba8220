import environ
import pytest

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
]
GROUPS = {
    "fiducia-rm": ["li.rm", "wang.lead", "zhao.moved", "chen.locked", "sun.nobranch", "wu.wrongpw"],
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


@pytest.fixture(scope="session")
def slapd(tmp_path_factory):
    if not ldap_server.available():
        pytest.skip(
            "Debian's slapd is not installed (apt-get install slapd ldap-utils); .ci/run installs it"
        )
    pytest.importorskip("django_auth_ldap", reason="the `ldap` extra is not installed")
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
