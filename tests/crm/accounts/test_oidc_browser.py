"""A member of staff signs in with the bank's identity provider in a real browser: the login
page's "Sign in with Keycloak" button, the provider's own sign-in page (a separate process),
and back to Fiducia's home page with the role the provider's groups map to."""

import pytest
from django.contrib.auth import get_user_model

from crm.accounts import roles
from tests.conftest import screenshot

from .conftest import PROVIDER_PASSWORD
from .test_oidc import RM

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_member_signs_in_with_the_identity_provider(page, oidc):
    oidc.set_claims({"liu.rm": RM})
    page.goto(f"{page.base_url}/accounts/login/")
    button = page.locator("#oidc-login")
    assert button.inner_text().strip() == "使用 Keycloak 登录"
    screenshot(page, "login-oidc-button")

    button.click()
    page.wait_for_url(f"{oidc.url}/login/**")  # the provider's own page
    page.fill("input[name=username]", "liu.rm")
    page.fill("input[name=password]", PROVIDER_PASSWORD)
    page.click("button")
    page.wait_for_url(f"{page.base_url}/")
    assert "Liu" in page.locator("#user-menu").inner_text()
    screenshot(page, "home-after-oidc")
    assert get_user_model().objects.get(username="liu.rm").role_names == {
        roles.RELATIONSHIP_MANAGER
    }
