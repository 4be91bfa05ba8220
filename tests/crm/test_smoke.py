import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_login_page_renders_in_chinese_by_default(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()


def test_home_for_rm(rm_client):
    response = rm_client.get("/")
    assert response.status_code == 200
    assert rm_client.user.display_name in response.content.decode()


def test_unknown_url_is_404_for_logged_in_user(rm_client):
    response = rm_client.get("/no/such/page/")
    assert response.status_code == 404
