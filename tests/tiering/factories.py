"""Tiering factories, built on the shared ones."""

import datetime
from decimal import Decimal

import factory

from tests.factories import CustomerFactory, MonthlyAggregateFactory  # noqa: F401
from tiering.models import TierPolicy

AS_OF = datetime.date(2026, 6, 30)
MONTH = datetime.date(2026, 6, 1)


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TierPolicy

    version = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"策略{n}")
    status = TierPolicy.Status.PUBLISHED
    formula = TierPolicy.Formula.BANK


def contribute(customer, amount, month=MONTH, **fields):
    """One month's aggregate whose bank-formula contribution is `amount`."""
    values = {
        "net_interest_income": Decimal(amount),
        "fee_income": Decimal(0),
        "trade_count": 5,
    }
    values.update(fields)
    return MonthlyAggregateFactory(customer=customer, month=month, **values)
