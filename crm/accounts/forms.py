from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError


class LoginForm(AuthenticationForm):
    """Django's login form, showing why a directory sign-in was refused (no role, unknown
    branch, disabled account, local password not allowed) instead of "wrong password"."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            reason = getattr(self.request, "fiducia_login_refusal", None)
            if reason is not None:
                raise ValidationError(reason, code="directory_refused") from None
            raise
