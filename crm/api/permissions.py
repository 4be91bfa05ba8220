"""Scope checks: a view names the scopes it needs (`required_scopes`, any one of them with
`any_scope = True`); a client without them gets 403 problem+json."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from .models import ApiClient


class HasScopes(BasePermission):
    message = _("This API client lacks the scope this call needs.")

    def has_permission(self, request, view):
        client = request.auth
        if not isinstance(client, ApiClient):
            return False
        needed = getattr(view, "required_scopes", ())
        held = set(client.scopes)
        if getattr(view, "any_scope", False):
            return any(s in held for s in needed)
        return all(s in held for s in needed)


def has_scope(request, scope: str) -> bool:
    client = request.auth
    return isinstance(client, ApiClient) and scope in client.scopes
