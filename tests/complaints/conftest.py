"""Complaints' own data; the people (rm, other_rm, officer, …) come from tests/personas.py."""

import pytest

from tests.factories import CustomerFactory


@pytest.fixture
def customer(rm):
    return CustomerFactory(owner=rm, name="张伟")
