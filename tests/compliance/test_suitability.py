import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from compliance import suitability
from compliance.models import SuitabilityCheck
from compliance.services import suitability as suitability_services
from crm.audit.models import AuditEntry
from crm.core.access import NotFound
from customers.records.models import KYCProfile
from tests.factories import CustomerFactory, HoldingFactory, ProductFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)


def _customer(
    risk_class="C3",
    assessed=TODAY - datetime.timedelta(days=30),
    birth=datetime.date(1980, 1, 1),
    **kw,
):
    return CustomerFactory(risk_class=risk_class, risk_assessed_on=assessed, birth_date=birth, **kw)


def _codes(result):
    return {r.code for r in result.reasons}


@pytest.mark.parametrize(
    ("risk_class", "level", "allowed"),
    [
        ("C3", "R3", True),
        ("C3", "R2", True),
        ("C3", "R4", False),
        ("C5", "R5", True),
        ("C2", "R3", False),
    ],
)
def test_class_up_to_level(risk_class, level, allowed):
    result = suitability.check(_customer(risk_class), ProductFactory(risk_level=level), today=TODAY)
    assert result.allowed is allowed
    assert ("above_class" in _codes(result)) is (not allowed)


def test_c1_only_r1_and_needs_confirmation():
    customer = _customer("C1")
    r2 = suitability.check(customer, ProductFactory(risk_level="R2"), today=TODAY)
    assert not r2.allowed and "c1_only_r1" in _codes(r2)
    r1 = suitability.check(customer, ProductFactory(risk_level="R1"), today=TODAY)
    assert r1.allowed and r1.needs_confirmation and "conservative" in _codes(r1)


def test_missing_assessment_blocks():
    result = suitability.check(
        _customer("", assessed=None), ProductFactory(risk_level="R1"), today=TODAY
    )
    assert not result.allowed and "no_assessment" in _codes(result)


def test_assessment_expires_after_12_months():
    product = ProductFactory(risk_level="R2")
    fresh = _customer(assessed=datetime.date(2025, 6, 16))
    stale = _customer(assessed=datetime.date(2025, 6, 15))
    assert suitability.check(fresh, product, today=TODAY).allowed
    result = suitability.check(stale, product, today=TODAY)
    assert not result.allowed and "assessment_expired" in _codes(result)


def test_qualified_investor_requirement():
    product = ProductFactory(risk_level="R3", requires_qualified_investor=True)
    nobody = _customer()
    assert "not_qualified" in _codes(suitability.check(nobody, product, today=TODAY))
    on_paper = _customer()
    KYCProfile.objects.create(customer=on_paper, financial_assets=Decimal("6000000"))
    result = suitability.check(on_paper, product, today=TODAY)
    assert not result.allowed and "qualified_unverified" in _codes(result)
    verified = _customer()
    KYCProfile.objects.create(
        customer=verified, is_qualified_investor=True, qualified_evidence="资产证明"
    )
    assert suitability.check(verified, product, today=TODAY).allowed


@pytest.mark.parametrize(
    ("experience", "net", "assets", "income", "meets"),
    [
        (2, "3000000", "0", "0", True),
        (1, "3000000", "0", "0", False),
        (0, "0", "5000000", "0", True),
        (0, "0", "0", "400000", True),
        (0, "0", "4999999", "399999", False),
    ],
)
def test_qualified_criteria(experience, net, assets, income, meets):
    kyc = KYCProfile(
        investment_experience_years=experience,
        net_household_financial_assets=Decimal(net),
        financial_assets=Decimal(assets),
        annual_income=Decimal(income),
    )
    assert suitability.meets_qualified_criteria(kyc) is meets


def test_senior_needs_confirmation_from_65():
    product = ProductFactory(risk_level="R2")
    senior = _customer(birth=datetime.date(1961, 6, 15))
    younger = _customer(birth=datetime.date(1961, 6, 16))
    result = suitability.check(senior, product, today=TODAY)
    assert result.allowed and result.needs_confirmation and "senior" in _codes(result)
    assert not suitability.check(younger, product, today=TODAY).needs_confirmation


def test_product_not_on_sale():
    result = suitability.check(
        _customer(), ProductFactory(risk_level="R1", is_active=False), today=TODAY
    )
    assert not result.allowed and "not_on_sale" in _codes(result)


def test_record_check_with_confirmation(rm_user):
    customer = CustomerFactory(owner=rm_user, risk_class="C1")
    product = ProductFactory(risk_level="R1")
    with pytest.raises(ValidationError):
        suitability_services.suitability_check_record(
            rm_user, customer, product, confirm=True, note=""
        )
    check = suitability_services.suitability_check_record(
        rm_user, customer, product, confirm=True, note="已签署风险揭示书"
    )
    assert check.allowed and check.needs_confirmation and check.confirmed
    assert AuditEntry.objects.filter(action="suitability.checked").count() == 1


def test_record_check_outside_book_refused(rm_user, auditor_user):
    other = CustomerFactory()
    # Outside the book the customer does not exist for the RM (404), as in every app.
    with pytest.raises(NotFound):
        suitability_services.suitability_check_record(rm_user, other, ProductFactory())
    with pytest.raises(PermissionDenied):
        suitability_services.suitability_check_record(auditor_user, other, ProductFactory())
    assert SuitabilityCheck.objects.count() == 0


def test_presale_page_scoped_and_records(rm_client):
    rm = rm_client.user
    mine = CustomerFactory(owner=rm, risk_class="C2")
    other = CustomerFactory(risk_class="C5")
    product = ProductFactory(risk_level="R4")
    url = reverse("compliance:suitability-check")
    page = rm_client.get(url, {"customer": mine.number, "product": product.pk})
    assert page.status_code == 200 and 'data-allowed="0"' in page.content.decode()
    assert 'data-code="above_class"' in page.content.decode()
    hidden = rm_client.get(url, {"customer": other.number, "product": product.pk})
    assert "suitability-result" not in hidden.content.decode()
    rm_client.post(url, {"customer": mine.number, "product": product.pk})
    assert SuitabilityCheck.objects.get().allowed is False


def test_mismatch_report_is_set_based(client, compliance_user, django_assert_max_num_queries):
    above = HoldingFactory(
        customer=CustomerFactory(risk_class="C2"), product=ProductFactory(risk_level="R4")
    )
    HoldingFactory(
        customer=CustomerFactory(risk_class="C4"), product=ProductFactory(risk_level="R4")
    )
    unknown = HoldingFactory(
        customer=CustomerFactory(risk_class=""), product=ProductFactory(risk_level="R1")
    )
    for _ in range(5):
        HoldingFactory(
            customer=CustomerFactory(risk_class="C1"), product=ProductFactory(risk_level="R3")
        )
    from compliance.selectors import mismatches_for

    ids = set(mismatches_for(compliance_user).values_list("pk", flat=True))
    assert above.pk in ids and unknown.pk in ids and len(ids) == 7
    client.force_login(compliance_user)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("compliance:mismatch-list"))
    assert response.status_code == 200
