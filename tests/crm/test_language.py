"""How the language is chosen: the user's choice, then the browser unless the deployment turns
that off (LANGUAGE_FROM_BROWSER=false), then Simplified Chinese."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _language(client, **headers):
    response = client.get(LOGIN, **headers)
    assert response.status_code == 200
    return response.headers["Content-Language"]


def test_the_browser_chooses_by_default(client):
    assert settings.LANGUAGE_FROM_BROWSER is True
    assert _language(client, HTTP_ACCEPT_LANGUAGE="en") == "en"
    assert _language(client) == "zh-hans"


def test_forced_chinese_ignores_an_english_browser(client, settings):
    settings.LANGUAGE_FROM_BROWSER = False
    assert _language(client, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9") == "zh-hans"
    assert "登录" in client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_users_own_choice_still_wins_when_forced(client, settings):
    settings.LANGUAGE_FROM_BROWSER = False
    client.post(reverse("set_language"), {"language": "en", "next": LOGIN})
    assert _language(client, HTTP_ACCEPT_LANGUAGE="zh-CN") == "en"
    client.post(reverse("set_language"), {"language": "zh-hans", "next": LOGIN})
    assert _language(client, HTTP_ACCEPT_LANGUAGE="en") == "zh-hans"
