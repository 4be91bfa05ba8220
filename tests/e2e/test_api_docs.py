"""The API docs page renders in a real browser under the CSP, with every asset from our own
server (Swagger UI from drf-spectacular-sidecar, no CDN)."""

from urllib.parse import urlparse

import pytest

from tests.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_swagger_docs_render_offline_under_the_csp(page, login, rm):
    hosts, problems = set(), []
    page.on("request", lambda r: hosts.add(urlparse(r.url).netloc))
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type == "error" else None,
    )
    login(rm)
    page.goto(f"{page.base_url}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Fiducia integration API" in page.locator(".swagger-ui .info .title").inner_text()
    page.wait_for_selector("text=/api/v1/customers/")
    screenshot(page, "api-docs")
    assert hosts <= {urlparse(page.base_url).netloc, ""}, hosts
    assert not [p for p in problems if "Content Security Policy" in p], problems
