from django.conf import settings
from django.contrib.auth import views as auth_views

from .directory.oidc import oidc_enabled
from .forms import LoginForm
from .permissions import public


@public  # the sign-in itself
class LoginView(auth_views.LoginView):
    """Django's login, with a "Sign in with <provider>" button when OpenID Connect is on."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            oidc_enabled=oidc_enabled(),
            oidc_provider_name=getattr(settings, "OIDC_PROVIDER_NAME", ""),
            **kwargs,
        )
