from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import Resolver404, resolve

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
        return (
            match.view_name in PUBLIC_URL_NAMES
            or match.app_name == "admin"
            or getattr(match.func, "fiducia_access", None) == "public"
        )
