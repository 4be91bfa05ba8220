"""LDAP / Active Directory sign-in (django-auth-ldap, installed with the `ldap` extra).

django-auth-ldap binds with the service account, searches the user, binds as the user and
creates or updates the Django user from the attribute map. This backend adds Fiducia's rules
around that (crm.accounts.directory.mapping): a disabled directory account is refused and the
Fiducia user deactivated; roles come from group DNs, branch and team from attributes; a
directory user with no Fiducia role or an unknown branch is refused.
"""

from __future__ import annotations

import logging

import ldap
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django_auth_ldap.backend import LDAPBackend

from crm.core.config import fiducia

from . import mapping

logger = logging.getLogger(__name__)

AD_ACCOUNTDISABLE = 0x2  # userAccountControl's "account disabled" bit


def account_disabled(attrs: dict, names: list[str]) -> bool:
    """Whether the directory marks the account disabled: Active Directory's userAccountControl
    with the ACCOUNTDISABLE bit, or any other listed attribute present (OpenLDAP's ppolicy
    pwdAccountLockedTime, a bank's own flag)."""
    lowered = {k.lower(): v for k, v in (attrs or {}).items()}
    for name in names:
        values = lowered.get(name.lower())
        if not values:
            continue
        if name.lower() == "useraccountcontrol":
            try:
                if int(values[0]) & AD_ACCOUNTDISABLE:
                    return True
            except ValueError:
                return True  # a value we cannot read is not proof the account is enabled
        else:
            return True
    return False


def _first(attrs: dict, name: str) -> str | None:
    if not name:
        return None
    values = {k.lower(): v for k, v in attrs.items()}.get(name.lower())
    return values[0] if values else None


class _Undo(Exception):
    """Rolls back what django-auth-ldap wrote for a sign-in that is then refused."""


class FiduciaLDAPBackend(LDAPBackend):
    """The reasons for a refusal are shown only once the password is proven (the bind as the
    user succeeded), so nobody learns by typing a name whether an account is disabled, has no
    role or sits in an unknown branch. django-auth-ldap creates or updates the user while it
    authenticates; a refusal rolls that back, so a refused sign-in changes nothing — except
    that a disabled directory account deactivates its Fiducia user, and a user whose roles were
    all withdrawn loses them here too."""

    def authenticate_ldap_user(self, ldap_user, password):
        request = ldap_user._request
        try:
            if ldap_user.dn is None:
                return None  # not in the directory: the local (break-glass) backend may know it
            attrs = ldap_user.attrs or {}
            group_dns = ldap_user.group_dns
        except ldap.LDAPError as exc:
            # Directory unreachable: refuse through this backend, let break-glass still work.
            logger.error("LDAP search failed: %s", type(exc).__name__)
            return None
        username = self.ldap_to_django_username(ldap_user._username)
        existing = get_user_model().objects.filter(username__iexact=username).first()
        if account_disabled(attrs, settings.FIDUCIA_LDAP_DISABLED_ATTRIBUTES):
            mapping.deactivate(existing)
            # AD (and OpenLDAP's ppolicy) refuse the bind itself: then "wrong password".
            mapping.refuse(
                request, mapping.DISABLED if self._bind_works(ldap_user, password) else None
            )
        roles = mapping.roles_for(group_dns, fiducia("DIRECTORY", "LDAP_ROLE_MAP"))
        before = mapping.snapshot(existing or get_user_model()())
        try:
            with transaction.atomic():
                user = ldap_user.authenticate(password)  # binds as the user; creates or updates
                if user is None:
                    return None
                if not user.is_active:
                    raise mapping.DirectoryRefusal(mapping.INACTIVE)
                identity = mapping.resolve(
                    roles,
                    _first(attrs, fiducia("DIRECTORY", "LDAP_BRANCH_ATTRIBUTE")),
                    _first(attrs, fiducia("DIRECTORY", "LDAP_TEAM_ATTRIBUTE")),
                )
                if existing is None and not fiducia("DIRECTORY", "CREATE_USERS"):
                    raise mapping.DirectoryRefusal(mapping.NOT_SET_UP)
                if not roles and existing is None:
                    raise mapping.DirectoryRefusal(mapping.NO_ROLE)  # not worth creating
                mapping.apply(user, identity, before)
        except mapping.DirectoryRefusal as refusal:
            mapping.refuse(request, refusal.code)  # after the rollback
        except IntegrityError:
            mapping.refuse(request, mapping.CROSSED)
        if not roles:
            mapping.refuse(request, mapping.NO_ROLE)  # the roles were taken away here
        return user

    @staticmethod
    def _bind_works(ldap_user, password) -> bool:
        """Whether the directory accepts the password (nothing django-auth-ldap writes stays)."""
        try:
            with transaction.atomic():
                raise _Undo(ldap_user.authenticate(password) is not None)
        except _Undo as undo:
            return undo.args[0]
