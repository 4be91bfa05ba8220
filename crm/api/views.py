"""The base of every API view, the idempotent write helper, and the schema and docs views."""

from __future__ import annotations

import hashlib
import json

from django.db import transaction
from django.urls import resolve
from django.utils.translation import gettext as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.audit.services import record

from .authentication import ApiTokenAuthentication, ClientRateThrottle
from .errors import problem
from .models import ApiClient
from .permissions import HasScopes
from .services import idempotency_answer, idempotency_claim


def _token_view(view_class):
    """Mark a DRF view for the URLconf guards: it authenticates requests itself (a token, not a
    session), so the sign-in middleware lets it through, and its answers are never cached."""
    view_class.fiducia_access = "public"
    view_class.fiducia_personal = True
    return view_class


class _Marked:
    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        view.fiducia_access = cls.fiducia_access
        view.fiducia_personal = True
        return view


@_token_view
class ApiView(_Marked, APIView):
    """Token authentication, scopes (`required_scopes`), the client's rate limit, JSON only,
    problem+json errors, and one audit row per call: the client, the endpoint, the status and
    how many records it returned or wrote (`self.records`). Writes record that row themselves,
    inside their transaction (`audit()`); reads get it when the answer is finished."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [HasScopes]
    throttle_classes = [ClientRateThrottle]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    required_scopes: tuple[str, ...] = ()
    records: int | None = None
    _audited = False

    def audit(self, request, status_code: int, **extra) -> None:
        if self._audited or not isinstance(request.auth, ApiClient):
            return
        self._audited = True
        match = getattr(request, "resolver_match", None) or resolve(request.path_info)
        record(
            request.user,
            "api.called",
            request.auth,
            after={
                "method": request.method,
                "endpoint": match.view_name,
                "status": status_code,
                "records": self.records or 0,
                **extra,
            },
        )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        self.audit(request, response.status_code)
        return response


def _request_hash(request, fingerprint=None) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(request.path.encode())
    body = request.data if fingerprint is None else fingerprint
    digest.update(json.dumps(body, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def idempotent_write(view: ApiView, request, write, *, fingerprint=None) -> Response:
    """Run `write()` → (status, body) in one transaction with the call's audit row. With an
    `Idempotency-Key` header the answer is kept: the same key again (a retry, or a concurrent
    duplicate, which waits on the unique index) gets the first answer and writes nothing; the
    same key with a different request is refused. `fingerprint` stands for the body where
    `request.data` does not tell requests apart (an uploaded file shows only its name)."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 100:
        raise exceptions.ValidationError(
            {"Idempotency-Key": [_("The idempotency key may be at most 100 characters.")]}
        )
    with transaction.atomic():
        row = None
        if key:
            digest = _request_hash(request, fingerprint)
            row, first = idempotency_claim(request.auth, key, digest)
            if first is not None:
                if first.request_hash != digest:
                    return problem(
                        422,
                        _("This idempotency key was used for a different request."),
                        code="idempotency-key-reused",
                    )
                view.records = 0
                view.audit(request, first.status_code, replayed=True)
                response = Response(first.response, status=first.status_code)
                response["Idempotent-Replayed"] = "true"
                return response
        status_code, body = write()
        if row is not None:
            idempotency_answer(row, status_code, body)
        view.audit(request, status_code)
    return Response(body, status=status_code)


class _DocsAuth:
    # Staff read the docs signed in; a client may fetch the schema with its token.
    authentication_classes = [SessionAuthentication, ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]


@_token_view
class SchemaView(_Marked, _DocsAuth, SpectacularAPIView):
    pass


class DocsView(_Marked, _DocsAuth, SpectacularSwaggerSplitView):
    # Any signed-in member of staff may read how the API works (it shows no data).
    fiducia_access = "signed-in"
    fiducia_personal = False
