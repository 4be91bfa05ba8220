"""One way to say "this needs a permission", for services and for views.

`require(user, perm)` is what services call; `@requires(perm, ...)` is what views wear.
Sign-in itself is LoginRequiredMiddleware's job (every URL but the public ones). Both
ask `user.has_perm`, and the permission backend already refuses every changing permission to a
read-only user (auditors), so neither repeats that rule. A view that any signed-in user may open
wears `@signed_in` with a comment saying why; `@public` marks the few pages anonymous users
reach (login, health). tests/crm/test_url_permissions.py walks the URLconf and fails for a view
that wears none of them.
"""

import functools

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

DENIED = _("You are not allowed to do this.")


def require(user, *perms: str, message=None) -> None:
    """Raise PermissionDenied unless `user` holds every one of `perms`."""
    if not user.is_authenticated or not user.has_perms(perms):
        raise PermissionDenied(message or DENIED)


def requires_any(user, *perms: str, message=None) -> None:
    """Raise PermissionDenied unless `user` holds at least one of `perms`."""
    if not user.is_authenticated or not any(user.has_perm(p) for p in perms):
        raise PermissionDenied(message or DENIED)


def _mark(view, access: str, perms: tuple[str, ...]):
    view.fiducia_access = access
    view.fiducia_permissions = perms
    return view


def requires(*perms: str, any_of: bool = False):
    """View decorator: sign-in, then every permission in `perms` (or one of them with
    `any_of=True`); otherwise 403."""
    check = requires_any if any_of else require

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            check(request.user, *perms)
            return view(request, *args, **kwargs)

        return _mark(wrapper, "permission", perms)

    return decorator


def signed_in(view):
    """View decorator: any signed-in user (LoginRequiredMiddleware sends others to the login);
    the view scopes what it shows itself (selectors)."""
    return _mark(view, "signed-in", ())


def public(view):
    """View decorator: no sign-in needed (health checks, feeds that authenticate by a secret
    token in the URL). LoginRequiredMiddleware lets these through."""
    return _mark(view, "public", ())


def personal_data(view):
    """View decorator for a `@public` view that still answers with personal data (a feed that
    authenticates by a token): its answers are not cached either (NoStoreMiddleware). Views that
    need sign-in need no marker: all of them send `Cache-Control: no-store`."""
    view.fiducia_personal = True
    return view
