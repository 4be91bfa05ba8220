"""How the language of a page is chosen (README, "Language").

1. the user's own choice from the language menu (Django's set_language, kept in a cookie);
2. the browser's Accept-Language header, unless settings.LANGUAGE_FROM_BROWSER is False;
3. settings.LANGUAGE_CODE, Simplified Chinese.

A bank whose workstations run English browsers sets LANGUAGE_FROM_BROWSER=false so that staff
see Chinese unless they pick English themselves.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's LocaleMiddleware, told to ignore the browser when the deployment says so."""

    def process_request(self, request):
        if not settings.LANGUAGE_FROM_BROWSER:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)
