"""Tiering's own data; the people (rm, lead, head, admin) come from tests/personas.py."""

import pytest

from .factories import PolicyFactory


@pytest.fixture
def admin_user(admin):
    """Tiering's admin pages as the administrator role (pytest-django's is a superuser)."""
    return admin


@pytest.fixture
def policy(db):
    return PolicyFactory()
