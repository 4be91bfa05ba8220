"""The one place that answers "which customers may this user see" (DESIGN §1, §6).

Selectors in every app call `book_filter()` with the field paths of their own model, so the rule
lives here once: RMs see their own book (owned or co-served), team leads their team, branch heads
their branch and its sub-branches, compliance/risk/audit/admin everything.
"""

from enum import IntEnum

from django.db.models import Q

from . import roles


class Scope(IntEnum):
    NONE = 0
    OWN = 1
    TEAM = 2
    BRANCH = 3
    ALL = 4


_ROLE_SCOPE = {
    roles.RELATIONSHIP_MANAGER: Scope.OWN,
    roles.TEAM_LEAD: Scope.TEAM,
    roles.BRANCH_HEAD: Scope.BRANCH,
    roles.COMPLIANCE_OFFICER: Scope.ALL,
    roles.RISK_OFFICER: Scope.ALL,
    roles.AUDITOR: Scope.ALL,
    roles.ADMINISTRATOR: Scope.ALL,
}


def scope_of(user) -> Scope:
    """The widest scope among the user's roles; superusers see everything."""
    if not user.is_authenticated or not user.is_active:
        return Scope.NONE
    # An API client's service user, authenticated by its token (crm.api.authentication): the
    # scope comes from the client, not from a role (it has none, so it sees nothing otherwise).
    api_scope = getattr(user, "api_scope", None)
    if api_scope is not None:
        return api_scope
    if user.is_superuser:
        return Scope.ALL
    scope = max((_ROLE_SCOPE.get(r, Scope.NONE) for r in user.role_names), default=Scope.NONE)
    # A lead without a team, or a branch head without a branch, falls back to their own book.
    if scope is Scope.TEAM and not user.team_id:
        return Scope.OWN
    if scope is Scope.BRANCH and not user.branch_id:
        return Scope.OWN
    return scope


def branch_path(user) -> str:
    """The materialised path of the user's branch, from the access cache (no query)."""
    from .access_cache import access_facts

    return access_facts(user).branch_path or ""


def is_read_only(user) -> bool:
    """Auditors read everything and change nothing."""
    return user.has_role(roles.AUDITOR) and not user.is_superuser and len(user.role_names) == 1


def book_filter(
    user,
    *,
    owner: str = "owner",
    team: str = "team",
    branch: str = "branch",
    own_extra: Q | None = None,
) -> Q:
    """A Q object restricting a queryset to the user's book of business.

    `owner`, `team`, `branch` are the field paths on the queried model (for a complaint:
    "customer__owner", …). `own_extra` widens the own book, e.g. with a co-server Exists().
    """
    from .models import Branch

    scope = scope_of(user)
    if scope is Scope.ALL:
        return Q()
    if scope is Scope.NONE:
        return Q(pk__in=[])
    own = Q(**{owner: user})
    if own_extra is not None:
        own |= own_extra
    if scope is Scope.OWN:
        return own
    if scope is Scope.TEAM:
        return own | Q(**{f"{team}_id": user.team_id})
    subtree = Branch.objects.filter(path__startswith=branch_path(user)).values("pk")
    return own | Q(**{f"{branch}_id__in": subtree})


def read_only_filter() -> Q:
    """The users `is_read_only` says yes to, as a Q on the user model: auditors that are not
    superusers and hold no other role."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    membership = User.groups.through.objects
    others = membership.exclude(group__name=roles.AUDITOR).values("user_id")
    auditors = membership.filter(group__name=roles.AUDITOR).values("user_id")
    return Q(pk__in=auditors, is_superuser=False) & ~Q(pk__in=others)


def staff_filter(user) -> Q:
    """Which staff members this user may assign work to or see in team figures: never a
    read-only user (an auditor owns no task, step or customer)."""
    from .models import Branch

    scope = scope_of(user)
    if scope is Scope.ALL:
        return Q(is_active=True) & ~read_only_filter()
    if scope is Scope.BRANCH:
        subtree = Branch.objects.filter(path__startswith=branch_path(user)).values("pk")
        return Q(is_active=True, branch_id__in=subtree) & ~read_only_filter()
    if scope is Scope.TEAM:
        return Q(is_active=True, team_id=user.team_id) & ~read_only_filter()
    return Q(pk=user.pk)


def is_central(user) -> bool:
    """A central role (compliance, risk, administrators): one whose scope is the whole bank."""
    return scope_of(user) is Scope.ALL


def line_filter(user, *, staff: str) -> Q:
    """Rows whose staff member (`staff`, the field path of a user foreign key) is in `user`'s
    line of management: the lead of their team, the head of their branch or of a branch above
    it, or a central role. Anyone else, the member themself included, gets nothing."""
    from .models import Branch

    scope = scope_of(user)
    if scope is Scope.ALL:
        return ~Q(**{staff: user})
    if scope is Scope.BRANCH:
        # Branches are a materialised path: the staff member's branch lies in the head's subtree
        # exactly when the head's branch is that branch or one above it.
        subtree = Branch.objects.filter(path__startswith=branch_path(user)).values("pk")
        return Q(**{f"{staff}__branch_id__in": subtree}) & ~Q(**{staff: user})
    if scope is Scope.TEAM:
        return Q(**{f"{staff}__team_id": user.team_id}) & ~Q(**{staff: user})
    return Q(pk__in=[])
