"""Customers' own data; the people (rm_a, rm_b, lead, …) come from tests/personas.py."""

import pytest

from tests.factories import CustomerFactory


@pytest.fixture
def mine(rm_a):
    return CustomerFactory(
        owner=rm_a, name="张伟", mobile="13812345678", id_number="11010519491231002X"
    )


@pytest.fixture
def theirs(rm_b):
    return CustomerFactory(owner=rm_b, name="王芳", mobile="13987654321")
