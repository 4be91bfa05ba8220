"""Showing a service's refusal on the form that asked for it, or in the messages."""

import datetime
from contextlib import contextmanager

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy

from crm.core.access import NotFound, parse_id
from crm.ui.widgets import NativeDateInput, NativeDateTimeInput

# What a service that checks a permission of its own refuses with, besides ValidationError.
SERVICE_REFUSALS = (ValidationError, PermissionDenied)


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


def service_error_text(exc: Exception) -> str:
    """A service's refusal (ValidationError or PermissionDenied) as one line for the user."""
    texts = getattr(exc, "messages", None)
    return " ".join(str(m) for m in texts) if texts else str(exc)


def message_service_error(request, exc: Exception) -> None:
    """Show a service's refusal in the page's messages, for actions that have no form to put
    it on (buttons that post and redirect)."""
    messages.error(request, service_error_text(exc))


@contextmanager
def refusal_on_form(form):
    """Run the block; a ValidationError raised in it (a service refusing what the valid form
    asked for) goes onto `form` by add_service_error and ends the block, so the view goes on
    to render the form again. A successful block usually ends with its own redirect."""
    try:
        yield
    except ValidationError as exc:
        add_service_error(form, exc)


@contextmanager
def refusal_in_messages(request, refusals=ValidationError):
    """Run the block; an exception of `refusals` (ValidationError, or a tuple that adds
    PermissionDenied where the service refuses with it) raised in it is shown in the page's
    messages and ends the block. The rest of the block, usually a success message, runs only
    when the service agreed; the view then redirects either way."""
    try:
        yield
    except refusals as exc:
        message_service_error(request, exc)


# Dates a form accepts for periods and "as of" days: date arithmetic near year 1 or 9999
# overflows, and no business date lies outside these years.
DATE_MIN = datetime.date(1900, 1, 1)
DATE_MAX = datetime.date(2199, 12, 31)


def date_in_range(value: datetime.date | datetime.datetime | None) -> None:
    """Validator for date and date-time form fields: a day between DATE_MIN and DATE_MAX."""
    day = value.date() if isinstance(value, datetime.datetime) else value
    if day is not None and not DATE_MIN <= day <= DATE_MAX:
        raise ValidationError(
            gettext_lazy("Enter a date between %(min)s and %(max)s."),
            code="date_range",
            params={"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()},
        )


class DateField(forms.DateField):
    """A date in the browser's native ISO input, between DATE_MIN and DATE_MAX: every date a
    form of ours takes is one of these (tests/crm/test_crafted_input.py walks the forms)."""

    widget = NativeDateInput
    default_validators = [date_in_range]


class DateTimeField(forms.DateTimeField):
    """A date and time in the browser's native ISO input, on a day between DATE_MIN and
    DATE_MAX (converting `0001-01-01T00:00` in Asia/Shanghai to UTC leaves the calendar)."""

    widget = NativeDateTimeInput
    default_validators = [date_in_range]


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """ModelMultipleChoiceField that refuses ids no database column holds ("abc", 10**30)
    with its own "not one of the available choices" message, before asking the database
    (SQLite cannot even bind an integer beyond 64 bits)."""

    def _check_values(self, value):
        for pk in value:
            try:
                parse_id(pk)
            except NotFound as exc:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                ) from exc
        return super()._check_values(value)


class RevealPurposeForm(forms.Form):
    """The stated purpose of an audited reveal of one personal value (templates/ui/_reveal.html)."""

    purpose = forms.CharField(label=gettext_lazy("Purpose"), max_length=300, min_length=2)
