"""What a staff member may do and see, cached across requests (issue 21: one query of overhead).

Every request needs the user's roles (groups), permissions and, for a branch head, the path of
their branch. Read from the database, that is two or three queries a request; here they are one
cache entry per user, recomputed when missing or stale:

- a user's entry is deleted when their row, groups or own permissions change;
- a generation token, stored beside the entries, is replaced when anything shared changes
  (a group, a group's permissions, a permission, a branch); an entry made under another token
  is stale;
- the entry also records the `is_superuser` and `branch_id` it was made for, which the request
  reads fresh from the user row, so a change to either is seen at once even without a signal.

Invalidation runs at once and again after the transaction commits, so a request that read the
old rows while the change was being made cannot leave a stale entry behind. With `CACHE_URL`
(Redis) the entries are shared by every process; without it they live in each process's memory,
and another process sees a change after `FIDUCIA_ACCESS_CACHE_SECONDS` at most (README).
"""

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

GENERATION_KEY = "fiducia:access:generation"


def _user_key(user_id) -> str:
    return f"fiducia:access:user:{user_id}"


@dataclass(frozen=True)
class AccessFacts:
    roles: frozenset[str]
    # "app_label.codename" for every permission the user holds, before the read-only rule.
    permissions: frozenset[str]
    branch_path: str | None


def access_facts(user) -> AccessFacts:
    """The user's roles, permissions and branch path: from the cache when fresh (no query),
    otherwise from the database (two queries) and then cached."""
    memo = user.__dict__.get("_access_facts")
    if memo is not None:
        return memo
    key = _user_key(user.pk)
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        generation = cache.get(GENERATION_KEY)
    entry = found.get(key)
    if entry is not None and entry[:3] == (generation, user.is_superuser, user.branch_id):
        facts = entry[3]
    else:
        facts = _load(user)
        entry = (generation, user.is_superuser, user.branch_id, facts)
        cache.set(key, entry, timeout=settings.FIDUCIA_ACCESS_CACHE_SECONDS)
    user.__dict__["_access_facts"] = facts
    return facts


def _load(user) -> AccessFacts:
    """Two queries: the permissions, and the roles with the branch path (one row per group)."""
    from django.contrib.auth import get_user_model

    if user.is_superuser:
        perms = Permission.objects.all()
    else:
        perms = Permission.objects.filter(Q(user=user) | Q(group__user=user))
    pairs = perms.values_list("content_type__app_label", "codename").distinct()
    rows = list(
        get_user_model().objects.filter(pk=user.pk).values_list("groups__name", "branch__path")
    )
    return AccessFacts(
        roles=frozenset(name for name, _path in rows if name is not None),
        permissions=frozenset(f"{app}.{codename}" for app, codename in pairs),
        branch_path=rows[0][1] if rows else None,
    )


def forget_user(user_id) -> None:
    """Drop one user's entry, now and once the current transaction commits."""
    cache.delete(_user_key(user_id))
    transaction.on_commit(lambda: cache.delete(_user_key(user_id)))


def forget_everyone() -> None:
    """Make every entry stale (a new generation token), now and after the commit."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    transaction.on_commit(lambda: cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None))


# ---- signal receivers (connected in AccountsConfig.ready) ---------------------------------


def user_changed(sender, instance, **kwargs):
    forget_user(instance.pk)


def shared_changed(sender, **kwargs):
    forget_everyone()


def membership_changed(sender, instance, action, reverse, **kwargs):
    """User.groups or User.user_permissions changed: from the user's side only that user's
    entry is stale; from the group's or permission's side, possibly anyone's."""
    if not action.startswith("post_"):
        return
    if reverse:
        forget_everyone()
    else:
        forget_user(instance.pk)


def connect_signals() -> None:
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.db.models.signals import m2m_changed, post_delete, post_save

    # By name: models.py asks this module for the roles, so importing it back would be a cycle.
    Branch = apps.get_model("accounts", "Branch")
    User = get_user_model()
    for signal in (post_save, post_delete):
        signal.connect(user_changed, sender=User, dispatch_uid="fiducia-access-user")
        for model in (Group, Permission, Branch):
            signal.connect(
                shared_changed, sender=model, dispatch_uid=f"fiducia-access-{model.__name__}"
            )
    m2m_changed.connect(
        membership_changed, sender=User.groups.through, dispatch_uid="fiducia-access-groups"
    )
    m2m_changed.connect(
        membership_changed,
        sender=User.user_permissions.through,
        dispatch_uid="fiducia-access-user-perms",
    )
    m2m_changed.connect(
        shared_changed, sender=Group.permissions.through, dispatch_uid="fiducia-access-group-perms"
    )
