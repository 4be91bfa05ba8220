"""Security events in the audit log (issue 15 item 5): sign-ins, failed sign-ins, lockouts,
sign-outs and refused access to an object URL, each with the user, the client's IP and the path.

What is never stored: a password (Django's user_login_failed hands us cleansed credentials and
we read only the username), the refused object's data (only the path and the status), and a
typed username that names no account: people type their password into the username field, so
an unknown name is recorded as `"account": "unknown"` instead of the text.

The failure history is these rows: axes deletes its counters after a successful sign-in
(AXES_RESET_ON_SUCCESS, so earlier failures do not count towards the next lockout), the audit
rows stay.
"""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .services import record

LOGIN = "security.login"
LOGIN_FAILED = "security.login_failed"
LOCKED_OUT = "security.locked_out"
LOGOUT = "security.logout"
ACCESS_REFUSED = "security.access_refused"

ACTION_LABELS = {
    LOGIN: _("Signed in"),
    LOGIN_FAILED: _("Sign-in failed"),
    LOCKED_OUT: _("Account locked out"),
    LOGOUT: _("Signed out"),
    ACCESS_REFUSED: _("Access refused"),
}

# Answers that refuse an object: 404 (missing or not yours, the same by design) and 403.
REFUSED_STATUSES = (403, 404)


def request_facts(request) -> dict:
    """The client's IP (as axes resolves it, behind the configured proxies) and the path without
    its query string (searches may carry phone digits or names)."""
    if request is None:
        return {}
    return {"ip": get_client_ip_address(request), "path": request.path[:255]}


def _account(username):
    """The account a typed username names, or None (the text itself is never stored)."""
    if not username or not isinstance(username, str):
        return None
    User = get_user_model()
    return User.objects.filter(**{User.USERNAME_FIELD: username[:150]}).first()


def _record_attempt(action: str, request, username) -> None:
    account = _account(username)
    facts = request_facts(request)
    if account is None:
        facts["account"] = "unknown"
    # Why directory sign-in refused it (crm.accounts.directory.mapping: "no_role", "disabled", …).
    refused = getattr(request, "fiducia_login_refusal", None)
    if refused:
        facts["refused"] = refused
    record(None, action, account, after=facts)


def on_logged_in(sender, request, user, **kwargs) -> None:
    record(user, LOGIN, after=request_facts(request))


def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:  # signing out while not signed in
        record(user, LOGOUT, after=request_facts(request))


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    _record_attempt(LOGIN_FAILED, request, (credentials or {}).get("username"))


def on_locked_out(sender, request, username, ip_address=None, **kwargs) -> None:
    _record_attempt(LOCKED_OUT, request, username)


def object_url(request) -> bool:
    """Whether the request resolved to a URL that names one object by id (`pk`, `*_pk`): only
    those are probes worth recording; a 404 for a made-up path is not."""
    match = getattr(request, "resolver_match", None)
    return bool(match and any(k == "pk" or k.endswith("_pk") for k in match.kwargs))


def record_refusal(request, response) -> None:
    """An audit row for a 403/404 on an object URL: who, from where, which path and status."""
    if response.status_code in REFUSED_STATUSES and object_url(request):
        user = getattr(request, "user", None)
        record(
            user,
            ACCESS_REFUSED,
            after={**request_facts(request), "status": response.status_code},
        )


def connect() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    user_logged_in.connect(on_logged_in, dispatch_uid="audit.security.login")
    user_logged_out.connect(on_logged_out, dispatch_uid="audit.security.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit.security.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="audit.security.locked_out")
