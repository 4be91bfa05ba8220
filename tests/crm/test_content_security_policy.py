"""The Content Security Policy allows scripts from the app's own files only: every page says so,
and no template carries an inline handler or script that the browser would refuse (silently:
a refused onclick="return confirm(…)" once let a handover complete without its confirmation)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
TEMPLATES = [
    path
    for path in ROOT.glob("**/templates/**/*.html")
    if not {".venv", "node_modules"} & set(path.relative_to(ROOT).parts)
]
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE | re.DOTALL)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")


def test_templates_were_found():
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_inline_handlers_or_scripts(path):
    text = path.read_text(encoding="utf-8")
    assert not INLINE_HANDLER.search(text), "use a data- attribute handled in static/js/fiducia.js"
    assert not INLINE_SCRIPT.search(text), "scripts come from static files (CSP script-src 'self')"


@pytest.mark.django_db
def test_pages_send_the_policy(client):
    response = client.get(reverse("accounts:login"))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("style-src")[0]
