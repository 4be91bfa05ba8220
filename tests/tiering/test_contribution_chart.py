"""The customer 360 chart's contribution line comes from the published tier policy (tiering
registers the provider in crm.ui.registry), so it and "why class B" never disagree."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.ui.registry import MONTHLY_CONTRIBUTION, provider
from tiering import rules, services
from tiering.calculation import add_months
from tiering.models import TierAssignment, TierPolicy

from .factories import AS_OF, MONTH, CustomerFactory, MonthlyAggregateFactory, PolicyFactory

pytestmark = pytest.mark.django_db


def _months(customer, n=12):
    """n months up to MONTH, each with its own brokerage figures (and bank figures that would
    give a different answer)."""
    return [
        MonthlyAggregateFactory(
            customer=customer,
            month=add_months(MONTH, -i),
            margin_balance=Decimal(100_000 + 7_000 * i),
            deposit_spread=Decimal("0.021000"),
            commission_rate=Decimal("0.000350"),
            trade_volume=Decimal(400_000 + 13_000 * i),
            rebate=Decimal(90 + i),
            net_interest_income=Decimal(999),
            fee_income=Decimal(1),
        )
        for i in range(n)
    ]


def _chart_contribution(client, customer) -> list[float] | None:
    response = client.get(reverse("customers:customer-chart", args=[customer.pk]))
    assert response.status_code == 200
    chart = json.loads(response.content)
    lines = [s for s in chart["series"] if s["type"] == "line"]
    return lines[0]["data"] if lines else None


def test_chart_equals_the_tier_explanation_under_a_brokerage_policy(client, rm):
    policy = PolicyFactory(formula=TierPolicy.Formula.BROKERAGE, window_months=12)
    customer = CustomerFactory(owner=rm)
    aggregates = _months(customer)
    CustomerFactory(owner=rm)  # a second customer, so the ranking has something to rank
    services.run_recalculate(AS_OF, policy=policy)
    explained = TierAssignment.objects.get(customer=customer).contribution

    client.force_login(rm)
    line = _chart_contribution(client, customer)
    assert len(line) == 12
    assert rules.to_cents(sum(Decimal(str(v)) for v in line)) == explained
    # Month by month it is the brokerage formula, not the bank one the chart used to draw.
    by_month = {a.month: rules.monthly_brokerage(a.__dict__) for a in aggregates}
    ordered = [by_month[m] for m in sorted(by_month)]
    assert [round(v, 2) for v in line] == [round(float(v), 2) for v in ordered]


def test_no_published_policy_means_no_contribution_line(client, rm):
    customer = CustomerFactory(owner=rm)
    _months(customer, 3)
    client.force_login(rm)
    assert _chart_contribution(client, customer) is None


def test_tiering_registers_the_provider():
    assert provider(MONTHLY_CONTRIBUTION) is not None
