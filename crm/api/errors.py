"""Errors as RFC 9457 problem details (`application/problem+json`).

Every refusal has `type`, `title`, `status` and `detail`; a validation error adds `errors`, one
entry per field and message (`field` is absent for a refusal of the whole request). Services'
ValidationError and PermissionDenied and the access contract's NotFound map to 400, 403 and 404,
so the API says what the web UI says, in the language of `Accept-Language`.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from crm.core.access import NotFound as ScopeNotFound

PROBLEM = "application/problem+json"
TYPE_BASE = "urn:fiducia:problem:"

TITLES = {
    400: _("The request is not valid."),
    401: _("Authentication is needed."),
    403: _("Not allowed."),
    404: _("Not found."),
    405: _("Method not allowed."),
    406: _("Not acceptable."),
    409: _("Conflict."),
    413: _("The request is too large."),
    415: _("Unsupported media type."),
    422: _("The request cannot be processed."),
    429: _("Too many requests."),
}


def _field_errors(detail, prefix: str = "") -> list[dict]:
    """Flatten DRF's nested error detail into [{field, message, code}]."""
    out = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", "__all__") else str(key)
            path = f"{prefix}.{name}" if prefix and name else (name or prefix)
            out.extend(_field_errors(value, path))
    elif isinstance(detail, list):
        for i, value in enumerate(detail):
            if isinstance(value, dict | list) and not isinstance(value, exceptions.ErrorDetail):
                out.extend(_field_errors(value, f"{prefix}[{i}]" if prefix else f"[{i}]"))
            else:
                out.extend(_field_errors(value, prefix))
    else:
        entry = {"message": str(detail), "code": getattr(detail, "code", "invalid")}
        if prefix:
            entry = {"field": prefix, **entry}
        out.append(entry)
    return out


def _to_drf(exc):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return exceptions.ValidationError(detail)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, ScopeNotFound):
        return exceptions.NotFound()
    return exc


def problem(status_code: int, detail, *, code: str, errors=None, headers=None) -> Response:
    body = {
        "type": TYPE_BASE + code,
        "title": str(TITLES.get(status_code, _("Error."))),
        "status": status_code,
        "detail": str(detail),
    }
    if errors is not None:
        body["errors"] = errors
    response = Response(body, status=status_code, headers=headers)
    response.content_type = PROBLEM
    return response


def problem_exception_handler(exc, context):
    exc = _to_drf(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500 page, logged
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        detail = errors[0]["message"] if len(errors) == 1 else _("Some fields are not valid.")
        out = problem(status.HTTP_400_BAD_REQUEST, detail, code="validation", errors=errors)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        out = problem(response.status_code, detail, code=str(code).replace("_", "-"))
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            out[header] = response[header]
    return out
