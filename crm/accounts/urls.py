from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from .directory import oidc
from .views import LoginView

app_name = "accounts"

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    # OpenID Connect (404 unless OIDC_RP_CLIENT_ID is set).
    path("oidc/authenticate/", oidc.authenticate_view, name="oidc-authenticate"),
    path("oidc/callback/", oidc.callback_view, name="oidc-callback"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            success_url=reverse_lazy("accounts:password-change-done")
        ),
        name="password-change",
    ),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password-change-done"
    ),
]
