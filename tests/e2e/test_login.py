"""A demo relationship manager logs in, sees "My day" in Chinese, switches to English, logs out."""

import io

import pytest
from django.conf import settings

from crm.accounts.demo import seed_organisation
from tests.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_rm_logs_in_switches_language_and_logs_out(page, login):
    users = seed_organisation(io.StringIO())
    rm = users["rm1"]

    page.goto(f"{page.base_url}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").inner_text() == "登录 Fiducia"
    screenshot(page, "login-zh")

    login(rm, password=settings.FIDUCIA["DEMO_PASSWORD"])
    assert page.locator("h1").inner_text() == f"{rm.display_name}，您好"
    assert page.locator('[data-nav="home"]').inner_text().strip() == "我的工作台"
    assert page.title().startswith("我的工作台")
    screenshot(page, "home-zh")

    page.click("#language-switcher button")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text() == f"Good day, {rm.display_name}"
    assert page.locator('[data-nav="home"]').inner_text().strip() == "My day"
    screenshot(page, "home-en")

    page.click("#user-menu")
    page.click("#logout")
    page.wait_for_url(f"{page.base_url}/accounts/login/")
    assert page.locator("h1").inner_text() == "Log in to Fiducia"  # the language choice stays
    page.goto(f"{page.base_url}/")
    assert page.url.startswith(f"{page.base_url}/accounts/login/")
    screenshot(page, "logged-out-en")


def test_wrong_password_shows_an_error_in_chinese(page):
    users = seed_organisation(io.StringIO())
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", users["rm2"].username)
    page.fill("input[name=password]", "wrong-password")
    page.click("#login-submit")
    assert "请输入一个正确的" in page.locator(".alert").inner_text()
    screenshot(page, "login-error-zh")
