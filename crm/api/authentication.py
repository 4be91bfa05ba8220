"""Token authentication for API clients (`Authorization: Bearer fid_…`) and per-client throttles."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, throttling

from crm.accounts.access import Scope
from crm.core.config import fiducia

from .models import ApiClient
from .services import api_client_by_token, api_client_touch


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`request.user` is the client's service user, `request.auth` the ApiClient. Unknown,
    revoked and expired tokens answer the same 401, so a token cannot be probed."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as 'Bearer <token>'."))
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            token = ""
        client = api_client_by_token(token)
        if client is None:
            raise exceptions.AuthenticationFailed(_("The token is unknown, expired or revoked."))
        user = client.user
        # The service user's customer scope (crm.accounts.access.scope_of): the whole bank, or
        # the client's branch and those below it. It holds only while the request is
        # authenticated by the token; the service user has no role of its own.
        user.api_scope = Scope.BRANCH if client.branch_id else Scope.ALL
        api_client_touch(client)
        return user, client

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class ClientRateThrottle(throttling.SimpleRateThrottle):
    """Requests per minute per client (the client's own rate, or the default), counted in the
    cache: a shared cache (CACHE_URL) counts across processes."""

    scope = "api_client"

    def __init__(self):
        # The rate depends on the client, known only with the request.
        pass

    def allow_request(self, request, view):
        client = request.auth
        if not isinstance(client, ApiClient):
            return True
        per_minute = client.rate_per_minute or fiducia("API", "RATE_PER_MINUTE")
        self.rate = f"{per_minute}/min"
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return f"api-throttle:{request.auth.pk}"
