"""Authentication backend: Django's ModelBackend, loading a user's permissions in one query, and
the read-only rule: a read-only user (an auditor) holds only the reading permissions of their
roles, so every `has_perm` check of a changing permission says no without asking elsewhere.

ModelBackend asks twice (direct permissions, then group permissions) the first time a request
checks a permission; every page checks some. Here the permissions come from the per-user access
cache (crm/accounts/access_cache.py), so a request asks nothing once the entry exists.
"""

from django.contrib.auth.backends import ModelBackend

from .access import is_read_only
from .access_cache import access_facts
from .directory import mapping

# Codename prefixes of permissions that only read; everything else changes something.
READING = ("view_", "review_")


class OneQueryPermissionBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None or mapping.local_password_allowed(user):
            return user
        mapping.refuse(request, mapping.USE_DIRECTORY)

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            read_only = is_read_only(user_obj)
            user_obj._perm_cache = {
                perm
                for perm in access_facts(user_obj).permissions
                if not read_only or perm.partition(".")[2].startswith(READING)
            }
        return user_obj._perm_cache
