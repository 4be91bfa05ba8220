"""The roles of DESIGN §1, as auth groups.

Groups are created by a migration; each app declares what its roles may do with `grant_table()`
in its AppConfig.ready(), and `sync_role_permissions` (post_migrate) makes the groups match.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

RELATIONSHIP_MANAGER = "relationship_manager"
TEAM_LEAD = "team_lead"
BRANCH_HEAD = "branch_head"
COMPLIANCE_OFFICER = "compliance_officer"
RISK_OFFICER = "risk_officer"
AUDITOR = "auditor"
ADMINISTRATOR = "administrator"

ROLES = {
    RELATIONSHIP_MANAGER: _("Relationship manager"),
    TEAM_LEAD: _("Team lead"),
    BRANCH_HEAD: _("Branch head"),
    COMPLIANCE_OFFICER: _("Compliance officer"),
    RISK_OFFICER: _("Risk officer"),
    AUDITOR: _("Auditor"),
    ADMINISTRATOR: _("Administrator"),
}

# The sets of roles the apps grant to together.
EVERYONE = tuple(ROLES)
BOOK_HOLDERS = (RELATIONSHIP_MANAGER, TEAM_LEAD, BRANCH_HEAD)  # they hold customers
LEADS = (TEAM_LEAD, BRANCH_HEAD)

_grants: dict[str, set[str]] = defaultdict(set)


def grant(role: str, permissions: Iterable[str]) -> None:
    """Declare that `role` holds these "app_label.codename" permissions."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    _grants[role].update(permissions)


def grant_table(table: dict[str | tuple[str, ...], Iterable[str]]) -> None:
    """An app's grants as one table: each key, a role or a tuple of roles (EVERYONE,
    BOOK_HOLDERS, LEADS, …), holds its permissions. Grants add up, so a role may appear in
    several keys."""
    for who, permissions in table.items():
        for role in (who,) if isinstance(who, str) else who:
            grant(role, permissions)


def granted(role: str) -> frozenset[str]:
    return frozenset(_grants[role])


def sync_role_permissions(**kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    by_key = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type")
    }
    for role in ROLES:
        group, _created = Group.objects.get_or_create(name=role)
        wanted = [by_key[k] for k in _grants[role] if k in by_key]
        group.permissions.add(*wanted)


def role_label(name: str) -> str:
    return str(ROLES.get(name, name))
