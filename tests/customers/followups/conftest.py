import datetime

import pytest
from django.utils import timezone

from customers.contacts.models import CadenceRule


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def no_default_rules(db):
    """Tests of event triggers run without the seeded cadence rules."""
    CadenceRule.objects.update(is_active=False)


def days(n):
    return datetime.timedelta(days=n)
