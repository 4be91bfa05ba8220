"""KPI figures of the customers app against hand-computed fixtures."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from customers.records.metrics import aum_growth, new_customers
from customers.records.models import Customer
from tests.factories import CustomerFactory, MonthlyAggregateFactory, rm

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
Q2_START, Q2_END = datetime.date(2025, 4, 1), datetime.date(2025, 6, 30)


def _created(customer, *args):
    Customer.objects.filter(pk=customer.pk).update(
        created_at=datetime.datetime(*args, tzinfo=SHANGHAI)
    )


def test_new_customers_counts_by_owner_within_the_period_in_local_time():
    a, b, c = rm(), rm(), rm()
    _created(CustomerFactory(owner=a), 2025, 3, 31, 23, 30)  # the day before: out
    _created(CustomerFactory(owner=a), 2025, 4, 1, 0, 10)  # first minutes of Q2: in
    _created(CustomerFactory(owner=a), 2025, 6, 30, 23, 59)  # last minute of Q2: in
    _created(CustomerFactory(owner=a), 2025, 7, 1, 0, 0)  # Q3: out
    _created(CustomerFactory(owner=b), 2025, 5, 15, 12, 0)
    _created(CustomerFactory(owner=c), 2024, 5, 15, 12, 0)  # a year earlier: out
    result = new_customers([a, b, c], Q2_START, Q2_END)
    assert result == {a.pk: 2, b.pk: 1}
    # Staff not asked about are not counted.
    assert new_customers([b], Q2_START, Q2_END) == {b.pk: 1}


def _agg(customer, month, balance):
    MonthlyAggregateFactory(customer=customer, month=month, average_balance=Decimal(balance))


def test_aum_growth_is_closing_minus_opening_book_balance():
    a, b = rm(), rm()
    base, april, june = (
        datetime.date(2025, 3, 1),
        datetime.date(2025, 4, 1),
        datetime.date(2025, 6, 1),
    )
    c1, c2, c3 = CustomerFactory(owner=a), CustomerFactory(owner=a), CustomerFactory(owner=a)
    _agg(c1, base, "100000"), _agg(c1, april, "999999"), _agg(c1, june, "160000")  # +60,000
    _agg(c2, june, "40000")  # new money: +40,000
    _agg(c3, base, "50000")  # left (no June figure): −50,000
    c4 = CustomerFactory(owner=b)
    _agg(c4, base, "200000"), _agg(c4, june, "180000")  # −20,000
    result = aum_growth([a, b], Q2_START, Q2_END)
    assert result == {a.pk: Decimal("50000"), b.pk: Decimal("-20000")}


def test_aum_growth_uses_the_last_month_with_figures_in_the_period():
    a = rm()
    c1 = CustomerFactory(owner=a)
    _agg(c1, datetime.date(2025, 6, 1), "100000")
    _agg(c1, datetime.date(2025, 7, 1), "130000")  # August and September not loaded yet
    assert aum_growth([a], datetime.date(2025, 7, 1), datetime.date(2025, 9, 30)) == {
        a.pk: Decimal("30000")
    }


def test_aum_growth_without_figures_is_empty():
    a = rm()
    assert aum_growth([a], Q2_START, Q2_END) == {}
    assert aum_growth([], Q2_START, Q2_END) == {}
