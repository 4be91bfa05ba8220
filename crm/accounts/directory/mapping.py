"""One mapping from what a directory says about a person to a Fiducia user, used by the LDAP
and the OpenID Connect backends alike.

The directory is the truth for a directory user's roles, branch and team: they are set at every
sign-in, so a role removed in the directory is removed here at the next sign-in, audited as a
permission change (actor: none, purpose "directory"). Decisions where the issue is silent:
- a branch code or team name the directory names but Fiducia does not know refuses the sign-in
  and changes nothing: a user put in no branch would see nothing, one left in the old branch
  would see the wrong customers;
- a person the directory gives no Fiducia role is refused; an existing user loses their roles;
- a user deactivated in the directory is deactivated here and refused; turning the directory
  account on again does not reactivate the Fiducia user (an administrator does, audited).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from crm.audit.services import record
from crm.core.config import fiducia

from ..models import Branch, Team
from ..roles import ROLES
from ..services import permission_snapshot

PURPOSE = "directory"

# Why a sign-in was refused: the code goes into the audit row of the failed sign-in, the message
# (in the user's language) onto the login page.
NO_ROLE = "no_role"
UNKNOWN_BRANCH = "unknown_branch"
UNKNOWN_TEAM = "unknown_team"
DISABLED = "disabled"
INACTIVE = "inactive"
USE_DIRECTORY = "local_password"
PROVIDER_FAILED = "provider_failed"
NOT_SET_UP = "not_set_up"
CROSSED = "crossed"  # two first sign-ins of one person at once: one creates the user
MESSAGES = {
    NO_ROLE: _("Your directory account has no Fiducia role. Ask your administrator."),
    UNKNOWN_BRANCH: _(
        "Your directory account names a branch Fiducia does not know. Ask your administrator."
    ),
    UNKNOWN_TEAM: _(
        "Your directory account names a team Fiducia does not know. Ask your administrator."
    ),
    DISABLED: _("Your directory account is disabled."),
    INACTIVE: _("This account is inactive."),
    USE_DIRECTORY: _("Sign in with your directory account."),
    NOT_SET_UP: _("You have no Fiducia account yet. Ask your administrator."),
    CROSSED: _("Another sign-in of yours was being set up at the same moment. Try again."),
    PROVIDER_FAILED: _(
        "The identity provider did not answer. Try again or ask your administrator."
    ),
}


class DirectoryRefusal(Exception):
    """A sign-in the directory mapping refuses, for the reason `code` (a key of MESSAGES)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Identity:
    """What the directory says, already resolved to Fiducia's roles, branch and team."""

    roles: frozenset[str]
    branch: Branch | None
    team: Team | None


def roles_for(values: Iterable[str], role_map: dict) -> frozenset[str]:
    """The Fiducia roles that the directory groups (DNs) or claim values map to. Keys compare
    case-insensitively (directories differ on DN case); a value is a role or a list of roles
    (names that are not roles stop the start: crm.accounts.directory.checks)."""
    lowered = {str(k).strip().lower(): v for k, v in role_map.items()}
    found = set()
    for value in values:
        mapped = lowered.get(str(value).strip().lower())
        if mapped is None:
            continue
        found.update([mapped] if isinstance(mapped, str) else mapped)
    return frozenset(found & set(ROLES))


def resolve(roles: frozenset[str], branch_code: str | None, team_name: str | None) -> Identity:
    """Find the branch (by code) and team (by name, within that branch). Raises
    DirectoryRefusal when the directory names one Fiducia does not know."""
    branch = team = None
    if branch_code:
        branch = Branch.objects.filter(code__iexact=branch_code.strip()).first()
        if branch is None:
            raise DirectoryRefusal(UNKNOWN_BRANCH)
    if team_name:
        team = (
            Team.objects.filter(branch=branch, name=team_name.strip()).first() if branch else None
        )
        if team is None:
            raise DirectoryRefusal(UNKNOWN_TEAM)
    return Identity(roles=roles, branch=branch, team=team)


def snapshot(user) -> dict:
    """A user's rights and scope, for the audit row's before/after."""
    facts = permission_snapshot(user) if user.pk else {}
    return {**facts, "branch": user.branch.code if user.branch_id else None, "team": user.team_id}


@transaction.atomic
def apply(user, identity: Identity, before: dict) -> None:
    """Make the saved `user`'s roles, branch and team what the directory says, and audit the
    change (compared with `before`, taken before the backend updated the user) in the same
    transaction. Groups that are not Fiducia roles are left alone."""
    user.branch, user.team = identity.branch, identity.team
    user.save(update_fields=["branch", "team"])
    current = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    if current != identity.roles:
        user.groups.remove(*Group.objects.filter(name__in=current - identity.roles))
        user.groups.add(*Group.objects.filter(name__in=identity.roles - current))
    user.__dict__.pop("role_names", None)
    after = snapshot(user)
    if before != after:
        record(None, "user.permissions_changed", user, purpose=PURPOSE, before=before, after=after)


@transaction.atomic
def deactivate(user) -> None:
    """The directory says the account is disabled: so is the Fiducia user (audited)."""
    if user is None or not user.is_active:
        return
    before = snapshot(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    record(
        None, "user.permissions_changed", user, purpose=PURPOSE, before=before, after=snapshot(user)
    )


def refuse(request, code: str | None) -> None:
    """Stop the sign-in: Django's authenticate() stops asking the other backends on
    PermissionDenied and signals the failure, which axes counts and the audit log records with
    the code. The login form shows the reason's message (crm.accounts.forms); without a code it
    says only "wrong username or password"."""
    if request is not None and code is not None:
        request.fiducia_login_refusal = code
    raise PermissionDenied(code or "")


def refusal_message(request):
    """The message for the reason a sign-in on this request was refused, or None."""
    code = getattr(request, "fiducia_login_refusal", None)
    return MESSAGES.get(code) if code else None


# ---- local passwords -------------------------------------------------------------------------


def directory_enabled() -> bool:
    return bool(getattr(settings, "AUTH_LDAP_SERVER_URI", "")) or bool(
        getattr(settings, "OIDC_RP_CLIENT_ID", "")
    )


def local_password_allowed(user) -> bool:
    """With directory sign-in on, a local password signs in only a break-glass user (flagged in
    admin, or a superuser), and only while FIDUCIA_DIRECTORY["BREAK_GLASS"] allows it."""
    if not directory_enabled():
        return True
    return bool(fiducia("DIRECTORY", "BREAK_GLASS")) and (user.is_superuser or user.break_glass)
