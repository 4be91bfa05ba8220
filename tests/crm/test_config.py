"""One home for domain defaults: settings.FIDUCIA_* read by crm.core.config.fiducia, and the
risk assessment's validity defined once (customers.records.validity)."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured

from compliance import suitability
from crm.core.config import fiducia
from customers.records.models import Customer
from customers.records.selectors import kyc_expiring_q
from customers.records.validity import (
    assessed_between,
    assessed_on_expiring,
    assessment_expires_on,
)

D = datetime.date


def test_reads_the_settings_dictionary(settings):
    settings.FIDUCIA_SALES = {**settings.FIDUCIA_SALES, "DORMANT_MONTHS": 9}
    assert fiducia("SALES", "DORMANT_MONTHS") == 9


def test_a_missing_key_or_section_is_a_configuration_error(settings):
    settings.FIDUCIA_SALES = {"DORMANT_MONTHS": 9}
    with pytest.raises(ImproperlyConfigured, match="REACTIVATION_DAYS"):
        fiducia("SALES", "REACTIVATION_DAYS")
    with pytest.raises(ImproperlyConfigured, match="FIDUCIA_NOPE"):
        fiducia("NOPE", "X")


def test_validity_is_twelve_months_with_month_end_clamping():
    assert assessment_expires_on(D(2026, 3, 15)) == D(2027, 3, 15)
    assert assessment_expires_on(D(2024, 2, 29)) == D(2025, 2, 28)
    # The inverse: every assessment date expiring on a day, none for a day nothing expires on.
    assert assessed_on_expiring(D(2025, 2, 28)) == [D(2024, 2, 28), D(2024, 2, 29)]
    assert assessed_on_expiring(D(2027, 3, 15)) == [D(2026, 3, 15)]
    assert assessed_on_expiring(D(2028, 2, 29)) == []
    assert assessed_between(D(2027, 3, 1), D(2027, 3, 31)) == (D(2026, 3, 1), D(2026, 3, 31))


@pytest.mark.django_db
def test_one_setting_moves_suitability_the_expiring_filter_and_the_renewals(settings):
    from tests.factories import CustomerFactory, ProductFactory

    today = D(2026, 12, 7)
    customer = CustomerFactory(risk_class="C3", risk_assessed_on=D(2026, 5, 20))
    product = ProductFactory(risk_level="R2")
    assert suitability.check(customer, product, today=today).allowed

    settings.FIDUCIA_ASSESSMENTS = {**settings.FIDUCIA_ASSESSMENTS, "VALID_MONTHS": 6}
    assert assessment_expires_on(customer.risk_assessed_on) == D(2026, 11, 20)
    result = suitability.check(customer, product, today=today)
    assert not result.allowed
    assert "assessment_expired" in [r.code for r in result.reasons]
    # "Expiring within 30 days" of 2026-12-07 under six months: assessed 2026-06-08 … 07-06.
    for day in (D(2026, 6, 7), D(2026, 6, 8), D(2026, 7, 6), D(2026, 7, 7)):
        CustomerFactory(risk_class="C3", risk_assessed_on=day)
    expiring = Customer.objects.filter(kyc_expiring_q(today)).order_by("risk_assessed_on")
    assert [c.risk_assessed_on for c in expiring] == [D(2026, 6, 8), D(2026, 7, 6)]
    # The renewal follow-up for an expiry day finds the assessment made six months before.
    assert assessed_on_expiring(D(2026, 12, 10)) == [D(2026, 6, 10)]
