"""django-auth-ldap's AUTH_LDAP_* settings from the LDAP_* environment variables (documented in
.env.example and the README). crm/settings.py imports this only when LDAP_SERVER_URI is set, so
python-ldap (the `ldap` extra) is needed only then; it imports no model (settings load first).
"""

import ldap
from django_auth_ldap import config as ldap_config

# The directory's group models (LDAP_GROUP_TYPE) and their django-auth-ldap classes.
GROUP_TYPES = {
    "groupOfNames": ldap_config.GroupOfNamesType,
    "nestedGroupOfNames": ldap_config.NestedGroupOfNamesType,
    "groupOfUniqueNames": ldap_config.GroupOfUniqueNamesType,
    "posixGroup": ldap_config.PosixGroupType,
    "activeDirectory": ldap_config.ActiveDirectoryGroupType,
    "nestedActiveDirectory": ldap_config.NestedActiveDirectoryGroupType,
}


def ldap_settings(env) -> dict:
    """AUTH_LDAP_* settings from the environment (documented in .env.example)."""
    disabled = env.list(
        "LDAP_DISABLED_ATTRIBUTES", default=["userAccountControl", "pwdAccountLockedTime"]
    )
    return {
        "AUTH_LDAP_SERVER_URI": env("LDAP_SERVER_URI"),
        "AUTH_LDAP_BIND_DN": env("LDAP_BIND_DN", default=""),
        "AUTH_LDAP_BIND_PASSWORD": env("LDAP_BIND_PASSWORD", default=""),
        "AUTH_LDAP_START_TLS": env.bool("LDAP_START_TLS", default=False),
        "AUTH_LDAP_CONNECTION_OPTIONS": {
            ldap.OPT_NETWORK_TIMEOUT: env.float("LDAP_TIMEOUT_SECONDS", default=5),
            ldap.OPT_TIMEOUT: env.float("LDAP_TIMEOUT_SECONDS", default=5),
            ldap.OPT_REFERRALS: 0,  # Active Directory's referrals need a bind of their own
        },
        "AUTH_LDAP_USER_SEARCH": ldap_config.LDAPSearch(
            env("LDAP_USER_SEARCH_BASE"),
            ldap.SCOPE_SUBTREE,
            env("LDAP_USER_SEARCH_FILTER", default="(uid=%(user)s)"),
            # "*" is every user attribute; operational ones (pwdAccountLockedTime) only by name.
            ["*", *disabled],
        ),
        "AUTH_LDAP_GROUP_SEARCH": ldap_config.LDAPSearch(
            env("LDAP_GROUP_SEARCH_BASE"),
            ldap.SCOPE_SUBTREE,
            env("LDAP_GROUP_SEARCH_FILTER", default="(objectClass=groupOfNames)"),
        ),
        "AUTH_LDAP_GROUP_TYPE": GROUP_TYPES[env("LDAP_GROUP_TYPE", default="groupOfNames")](),
        "AUTH_LDAP_USER_ATTR_MAP": env.json(
            "LDAP_USER_ATTR_MAP",
            default={
                "first_name": "givenName",
                "last_name": "sn",
                "email": "mail",
                "display_name": "displayName",
            },
        ),
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
        "AUTH_LDAP_CACHE_TIMEOUT": 0,  # group memberships are read at every sign-in
        "FIDUCIA_LDAP_DISABLED_ATTRIBUTES": disabled,
    }
