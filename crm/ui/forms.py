"""Showing a service's refusal on the form that asked for it."""

from django.contrib import messages
from django.core.exceptions import ValidationError


def add_service_error(form, exc: ValidationError) -> None:
    """Put `exc` (raised by a service after the form was valid) on `form`: errors keyed by one of
    the form's fields go to that field, the others above the form. Django's `add_error` refuses
    a key the form has no field for with a ValueError, and the page would answer 500 instead of
    showing the message (a service names fields in its own words, not every form's)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def message_service_error(request, exc) -> None:
    """Show a service's refusal (ValidationError or PermissionDenied) as an error message, for
    actions that have no form to show it on (buttons, htmx actions)."""
    messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
