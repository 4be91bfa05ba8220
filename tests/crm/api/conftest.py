import pytest
from rest_framework.test import APIClient

from crm.api.services import api_client_create


@pytest.fixture(autouse=True)
def _no_sync_lag(settings):
    # Tests read rows they have just written; the lag is tested on its own.
    settings.FIDUCIA_API = {**settings.FIDUCIA_API, "SYNC_LAG_SECONDS": 0}


@pytest.fixture
def issue(db):
    """issue(*scopes, name=…, **kwargs) → (ApiClient, token)."""
    counter = iter(range(1, 10_000))

    def _issue(*scopes, name=None, **kwargs):
        return api_client_create(
            None, name=name or f"System {next(counter)}", scopes=list(scopes), **kwargs
        )

    return _issue


@pytest.fixture
def call():
    """call(token) → a DRF test client sending `Authorization: Bearer <token>`."""

    def _call(token=None):
        client = APIClient()
        if token:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    return _call


def problem_of(response, status: int) -> dict:
    """Assert an RFC 9457 answer and return its body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:fiducia:problem:")
    assert body["title"] and body["detail"]
    return body
