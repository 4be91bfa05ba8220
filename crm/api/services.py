"""Issuing, revoking and using API client tokens.

A token is `fid_` + 43 URL-safe characters (256 random bits). Only its SHA-256 is stored (a
fast hash is enough for a random 256-bit secret: there is nothing to guess), looked up through a
unique index; the first characters are kept to tell tokens apart in admin.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.audit.services import record
from crm.core.config import fiducia
from crm.core.duplicates import refuse_duplicate

from . import scopes as scope_table
from .models import ApiClient

TOKEN_PREFIX = "fid_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _grant(user, scopes) -> None:
    from django.contrib.auth.models import Permission

    wanted = scope_table.permissions_of(scopes)
    perms = [
        p
        for p in Permission.objects.select_related("content_type")
        if f"{p.content_type.app_label}.{p.codename}" in wanted
    ]
    user.user_permissions.set(perms)


def api_client_create(
    acting_user,
    *,
    name: str,
    scopes: list[str],
    expires_in_days: int | None = None,
    branch=None,
    rate_per_minute: int = 0,
) -> tuple[ApiClient, str]:
    """A new client with its service user; returns the client and its token, which is not
    stored and cannot be shown again. Audited (never the token)."""
    if acting_user is not None:
        require(acting_user, "api.add_apiclient")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the client a name.")})
    scopes = sorted(set(scopes))
    if not scopes:
        raise ValidationError({"scopes": _("Choose at least one scope.")})
    bad = scope_table.unknown(scopes)
    if bad:
        raise ValidationError(
            {"scopes": _("Unknown scopes: %(scopes)s.") % {"scopes": ", ".join(bad)}}
        )
    days = fiducia("API", "TOKEN_DAYS") if expires_in_days is None else expires_in_days
    if days < 0:
        raise ValidationError({"expires_in_days": _("The number of days cannot be negative.")})
    now = timezone.now()
    token = _new_token()
    username = f"api-{slugify(name)[:100] or secrets.token_hex(4)}"
    with refuse_duplicate(_("An API client with this name already exists.")), transaction.atomic():
        user = get_user_model()(
            username=username, display_name=name[:100], branch=branch, is_active=True
        )
        user.set_unusable_password()
        user.save()
        _grant(user, scopes)
        client = ApiClient.objects.create(
            name=name,
            user=user,
            scopes=scopes,
            branch=branch,
            rate_per_minute=rate_per_minute,
            token_prefix=token[:12],
            token_hash=token_hash(token),
            created_by=acting_user,
            expires_at=now + datetime.timedelta(days=days) if days else None,
        )
        record(
            acting_user,
            "api_client.created",
            client,
            after={"scopes": scopes, "branch": branch.pk if branch else None, "days": days},
        )
    return client, token


def api_client_revoke(acting_user, client: ApiClient) -> ApiClient:
    """Revoke the token at once (the next call answers 401). Revoking twice changes nothing."""
    if acting_user is not None:
        require(acting_user, "api.change_apiclient")
    with transaction.atomic():
        locked = ApiClient.objects.select_for_update().get(pk=client.pk)
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at = timezone.now()
        locked.revoked_by = acting_user
        locked.save(update_fields=["revoked_at", "revoked_by"])
        record(acting_user, "api_client.revoked", locked)
    return locked


def api_client_by_token(token: str) -> ApiClient | None:
    """The usable client holding `token`, or None (unknown, revoked or expired alike)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    client = ApiClient.objects.select_related("user").filter(token_hash=token_hash(token)).first()
    if client is None or not client.is_usable() or not client.user.is_active:
        return None
    return client


def api_client_touch(client: ApiClient) -> None:
    """Note when the client was last seen, at most once a minute (no write per request)."""
    now = timezone.now()
    if client.last_used_at is None or now - client.last_used_at > datetime.timedelta(minutes=1):
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now


def idempotency_keys_purge(*, now=None) -> int:
    """Delete idempotency keys older than FIDUCIA_API["IDEMPOTENCY_KEEP_DAYS"]; a retry after
    that is a new request. Returns how many were deleted."""
    from .models import IdempotencyKey

    cutoff = (now or timezone.now()) - datetime.timedelta(
        days=fiducia("API", "IDEMPOTENCY_KEEP_DAYS")
    )
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def idempotency_claim(client: ApiClient, key: str, digest: str):
    """Claim `key` for a write: (row, None) for the first request, (None, first row) when the
    key is taken. Call inside the write's transaction: a concurrent claim of the same key waits
    on the unique index until the first commits (then it finds its row) or rolls back (then it
    claims the key itself)."""
    from .models import IdempotencyKey

    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(client=client, key=key, request_hash=digest), None
    except IntegrityError:
        return None, IdempotencyKey.objects.get(client=client, key=key)


def idempotency_answer(row, status_code: int, body) -> None:
    """Keep the answer of the write that claimed `row` (same transaction)."""
    row.status_code = status_code
    row.response = body
    row.save(update_fields=["status_code", "response"])
