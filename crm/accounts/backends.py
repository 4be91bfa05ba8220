"""Authentication backend: Django's ModelBackend, loading a user's permissions in one query, and
the read-only rule: a read-only user (an auditor) holds only the reading permissions of their
roles, so every `has_perm` check of a changing permission says no without asking elsewhere.

ModelBackend asks twice (direct permissions, then group permissions) the first time a request
checks a permission; every page checks some, so list pages pay that on every request.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q

from .access import is_read_only

# Codename prefixes of permissions that only read; everything else changes something.
READING = ("view_", "review_")


class OneQueryPermissionBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                perms = Permission.objects.all()
            else:
                perms = Permission.objects.filter(Q(user=user_obj) | Q(group__user=user_obj))
            read_only = is_read_only(user_obj)
            user_obj._perm_cache = {
                f"{app}.{codename}"
                for app, codename in perms.values_list(
                    "content_type__app_label", "codename"
                ).distinct()
                if not read_only or codename.startswith(READING)
            }
        return user_obj._perm_cache
