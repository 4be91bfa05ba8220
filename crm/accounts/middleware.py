import time

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control

# URL names anonymous users may reach; everything else needs a login (DESIGN §6).
PUBLIC_URL_NAMES = {"accounts:login", "set_language", "ui:health"}
PUBLIC_PREFIXES = ("/static/",)


class LoginRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not self._is_public(request):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)

    def _is_public(self, request) -> bool:
        if request.path.startswith(PUBLIC_PREFIXES):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.app_name == "admin" or is_public_view(match)


def is_public_view(match) -> bool:
    """Whether the view `match` (a ResolverMatch) is open to anonymous users."""
    return (
        match.view_name in PUBLIC_URL_NAMES
        or getattr(match.func, "fiducia_access", None) == "public"
    )


def keeps_no_personal_data(match) -> bool:
    """Whether answers of the view `match` may be cached: only public views (login, health,
    language switch) that are not marked `@personal_data`. Every page behind the sign-in shows
    customers, staff or their work (lists, 360 pages and their htmx fragments, exports,
    complaints, compliance), so none of them is cached."""
    view = getattr(match.func, "view_class", match.func)
    return is_public_view(match) and not getattr(view, "fiducia_personal", False)


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every answer of a view that needs sign-in or is marked
    `@personal_data`, whatever its status, so no browser, proxy or shared computer keeps a copy
    of personal data (issue 15). Public pages and static files keep their own caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and not keeps_no_personal_data(match):
            patch_cache_control(response, no_store=True)
        return response


# The session key holding when the session was last saved for activity (epoch seconds).
ACTIVITY_KEY = "_fiducia_active_at"


class SessionActivityMiddleware:
    """The idle timeout without a write per request (issue 21). The session's expiry moves to
    "now + SESSION_COOKIE_AGE" whenever it is saved; instead of saving every request, save
    when the data changed anyway or when the last save for activity is older than a tenth of
    the timeout. An idle session thus ends between 0.9 and 1 timeout after its last request
    (27 to 30 minutes by default). Sits after SessionMiddleware, so it marks the session
    before SessionMiddleware decides whether to save it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response  # no session, or signed out: nothing to keep alive
        now = int(time.time())
        if session.modified:
            session[ACTIVITY_KEY] = now  # saved anyway
            return response
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return response  # only a signed-in session has an idle timeout to extend
        stamp = session.get(ACTIVITY_KEY)
        if not isinstance(stamp, int) or now - stamp >= settings.SESSION_COOKIE_AGE // 10:
            session[ACTIVITY_KEY] = now
        return response
