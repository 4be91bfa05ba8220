from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from .directory.mapping import refusal_message


class LoginForm(AuthenticationForm):
    """Django's login form, showing why a directory sign-in was refused (no role, unknown
    branch, disabled account, local password not allowed) instead of "wrong password"."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            reason = refusal_message(self.request)
            if reason is not None:
                raise ValidationError(reason, code="directory_refused") from None
            raise
