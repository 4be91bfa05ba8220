"""crm.ui.forms.message_service_error: a refusal without a form reaches the page's messages as
one line (ValidationError with one or several messages, keyed or not, and PermissionDenied)."""

from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied, ValidationError

from crm.ui.forms import message_service_error, service_error_text


def _request(rf):
    request = rf.post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_validation_errors_are_joined_into_one_message(rf):
    request = _request(rf)
    message_service_error(request, ValidationError({"owner": "甲", "reason": ["乙", "丙"]}))
    assert [str(m) for m in get_messages(request)] == ["甲 乙 丙"]


def test_permission_denied_shows_its_text():
    assert service_error_text(PermissionDenied("不可以")) == "不可以"
    assert service_error_text(ValidationError("一条")) == "一条"
