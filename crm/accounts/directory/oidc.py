"""OpenID Connect sign-in (mozilla-django-oidc): Keycloak, ADFS or any provider of the
authorisation-code flow. The provider's claims go through the same mapping as LDAP groups
(crm.accounts.directory.mapping): OIDC_ROLES_CLAIM values → roles (FIDUCIA_DIRECTORY
OIDC_ROLE_MAP), OIDC_BRANCH_CLAIM → branch code, OIDC_TEAM_CLAIM → team name.

The views answer 404 unless OIDC_RP_CLIENT_ID is set, so `make run` needs no provider.
"""

from __future__ import annotations

import logging

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from crm.core.config import fiducia

from . import mapping

logger = logging.getLogger(__name__)

SIGN_IN_FAILED = _("Sign-in with the identity provider failed.")


def oidc_enabled() -> bool:
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", ""))


def _values(claim) -> list[str]:
    """A claim as a list: providers send groups as a list, some a single string."""
    if claim is None:
        return []
    return [str(v) for v in claim] if isinstance(claim, list | tuple) else [str(claim)]


def _claim(claims: dict, name: str):
    """A claim by name; a dotted name reads nested JSON (Keycloak's realm_access.roles)."""
    value = claims
    for part in name.split(".") if name else []:
        value = value.get(part) if isinstance(value, dict) else None
    return value if name else None


class FiduciaOIDCBackend(OIDCAuthenticationBackend):
    def authenticate(self, request, **kwargs):
        try:
            return super().authenticate(request, **kwargs)
        except requests.RequestException as exc:
            logger.error("OpenID provider request failed: %s", type(exc).__name__)
            mapping.refuse(request, mapping.PROVIDER_FAILED)

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        username = _claim(claims, fiducia("DIRECTORY", "OIDC_USERNAME_CLAIM"))
        if not username or not isinstance(username, str):
            raise SuspiciousOperation("the provider sent no username claim")
        User = get_user_model()
        existing = User.objects.filter(username__iexact=username).first()
        roles = mapping.roles_for(
            _values(_claim(claims, fiducia("DIRECTORY", "OIDC_ROLES_CLAIM"))),
            fiducia("DIRECTORY", "OIDC_ROLE_MAP"),
        )
        try:
            if existing is not None and not existing.is_active:
                raise mapping.DirectoryRefusal(mapping.INACTIVE)
            identity = mapping.resolve(
                roles,
                _first_value(_claim(claims, fiducia("DIRECTORY", "OIDC_BRANCH_CLAIM"))),
                _first_value(_claim(claims, fiducia("DIRECTORY", "OIDC_TEAM_CLAIM"))),
            )
            if existing is None and not fiducia("DIRECTORY", "CREATE_USERS"):
                raise mapping.DirectoryRefusal(mapping.NOT_SET_UP)
            if not roles and existing is None:
                raise mapping.DirectoryRefusal(mapping.NO_ROLE)
        except mapping.DirectoryRefusal as refusal:
            mapping.refuse(self.request, refusal.code)
        before = mapping.snapshot(existing or User())
        try:
            user = self._save(existing, username, claims, identity, before)
        except IntegrityError:
            mapping.refuse(self.request, mapping.CROSSED)
        if not roles:
            mapping.refuse(self.request, mapping.NO_ROLE)
        return user

    @staticmethod
    @transaction.atomic
    def _save(existing, username, claims, identity, before):
        """Create or update the user from the claims and apply the mapping, together."""
        user = existing or get_user_model()(username=username[:150])
        if existing is None:
            user.set_unusable_password()
        user.first_name = str(claims.get("given_name", user.first_name))[:150]
        user.last_name = str(claims.get("family_name", user.last_name))[:150]
        user.email = str(claims.get("email", user.email))[:254]
        user.display_name = str(claims.get("name", user.display_name))[:100]
        user.save()
        mapping.apply(user, identity, before)
        return user


def _first_value(claim) -> str | None:
    values = _values(claim)
    return values[0] if values else None


class CallbackView(OIDCAuthenticationCallbackView):
    def login_failure(self):
        reason = mapping.refusal_message(self.request)
        messages.error(self.request, reason or SIGN_IN_FAILED)
        return super().login_failure()


def _when_enabled(view):
    """404 unless OIDC is configured; reachable before sign-in (it is the sign-in)."""

    def wrapper(request, *args, **kwargs):
        if not oidc_enabled():
            raise Http404
        return view(request, *args, **kwargs)

    wrapper.fiducia_access = "public"
    wrapper.fiducia_personal = True  # never cached: it carries the state and the code
    return wrapper


authenticate_view = _when_enabled(OIDCAuthenticationRequestView.as_view())
callback_view = _when_enabled(CallbackView.as_view())
