"""crm.ui.forms.add_service_error: a service's refusal always reaches the form as a message."""

from django import forms
from django.core.exceptions import ValidationError

from crm.ui.forms import add_service_error


class PlanForm(forms.Form):
    departing = forms.CharField()
    default_successor = forms.CharField()


def _form():
    form = PlanForm({"departing": "a", "default_successor": "b"})
    assert form.is_valid()
    return form


def test_errors_for_the_forms_fields_land_on_them():
    form = _form()
    add_service_error(form, ValidationError({"default_successor": "not in your team"}))
    assert form.errors == {"default_successor": ["not in your team"]}


def test_errors_for_fields_the_form_lacks_go_above_it():
    form = _form()
    error = ValidationError({"successor": "must be someone else", "departing": "left already"})
    add_service_error(form, error)  # Django's add_error would raise ValueError for "successor"
    assert form.errors == {"__all__": ["must be someone else"], "departing": ["left already"]}


def test_a_plain_refusal_goes_above_the_form():
    form = _form()
    add_service_error(form, ValidationError(["already open", "try later"]))
    assert form.non_field_errors() == ["already open", "try later"]


def test_message_service_error_shows_a_refusal_without_a_form(rf):
    from django.contrib.messages import get_messages
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.core.exceptions import PermissionDenied

    from crm.ui.forms import message_service_error

    request = rf.post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    message_service_error(request, ValidationError(["first", "second"]))
    message_service_error(request, PermissionDenied("not yours"))
    assert [str(m) for m in get_messages(request)] == ["first second", "not yours"]
