"""Suitability (适当性, DESIGN §5.5): may this customer buy this product, and why.

Rules (the numbers are settings.FIDUCIA_SUITABILITY and FIDUCIA_ASSESSMENTS):
- a customer of risk class Cn may buy products up to risk level Rn; C1 only R1;
- without a risk assessment, or with one older than 12 months, nothing may be sold;
- products for qualified investors only need a verified qualified investor (KYC flag with
  evidence); meeting the criteria on paper without verification is not enough;
- customers aged 65 or over, and C1 customers, get a warning and the RM records the customer's
  confirmation before the sale (the check is allowed, but `needs_confirmation` is set).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.config import fiducia
from customers.records.validity import assessment_expires_on, assessment_valid_months


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    blocking: bool  # False: a warning that needs a recorded confirmation


@dataclass
class SuitabilityResult:
    allowed: bool
    reasons: list[Reason] = field(default_factory=list)
    needs_confirmation: bool = False
    risk_class: str = ""
    risk_level: str = ""

    def as_json(self) -> list[dict]:
        return [
            {"code": r.code, "message": r.message, "blocking": r.blocking} for r in self.reasons
        ]


def level_number(value: str) -> int | None:
    """ "C3" → 3, "R4" → 4; None for an empty or unknown value."""
    if value and len(value) == 2 and value[1].isdigit():
        return int(value[1])
    return None


def age_on(birth: datetime.date | None, today: datetime.date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def meets_qualified_criteria(kyc) -> bool:
    if kyc is None:
        return False
    experience = kyc.investment_experience_years or 0
    net = kyc.net_household_financial_assets or Decimal(0)
    assets = kyc.financial_assets or Decimal(0)
    income = kyc.annual_income or Decimal(0)
    return (
        (
            experience >= fiducia("SUITABILITY", "QI_EXPERIENCE_YEARS")
            and net >= fiducia("SUITABILITY", "QI_NET_HOUSEHOLD")
        )
        or assets >= fiducia("SUITABILITY", "QI_FINANCIAL_ASSETS")
        or income >= fiducia("SUITABILITY", "QI_ANNUAL_INCOME")
    )


def _kyc(customer):
    try:
        return customer.kyc
    except customer._meta.get_field("kyc").related_model.DoesNotExist:
        return None


def check(customer, product, *, today: datetime.date | None = None) -> SuitabilityResult:
    today = today or timezone.localdate()
    result = SuitabilityResult(
        allowed=True, risk_class=customer.risk_class or "", risk_level=product.risk_level
    )

    def block(code, message):
        result.allowed = False
        result.reasons.append(Reason(code, str(message), True))

    def warn(code, message):
        result.needs_confirmation = True
        result.reasons.append(Reason(code, str(message), False))

    if not product.is_active:
        block("not_on_sale", _("The product is not on sale."))
    cls = level_number(customer.risk_class)
    lvl = level_number(product.risk_level)
    if cls is None or customer.risk_assessed_on is None:
        block("no_assessment", _("The customer has no risk assessment."))
    else:
        months = assessment_valid_months()
        if assessment_expires_on(customer.risk_assessed_on) <= today:
            block(
                "assessment_expired",
                _("The risk assessment of %(date)s has expired (valid for %(n)d months).")
                % {"date": customer.risk_assessed_on.isoformat(), "n": months},
            )
        if cls == 1 and lvl != 1:
            block("c1_only_r1", _("A C1 (conservative) customer may buy R1 products only."))
        elif lvl is not None and lvl > cls:
            block(
                "above_class",
                _("Product risk %(level)s is above the customer's risk class %(cls)s.")
                % {"level": product.risk_level, "cls": customer.risk_class},
            )
    if product.requires_qualified_investor:
        kyc = _kyc(customer)
        if kyc is None or not kyc.is_qualified_investor:
            if meets_qualified_criteria(kyc):
                block(
                    "qualified_unverified",
                    _(
                        "The product is for qualified investors only; the customer appears to "
                        "meet the criteria but the qualification has not been verified."
                    ),
                )
            else:
                block(
                    "not_qualified",
                    _("The product is for qualified investors only."),
                )
    age = age_on(customer.birth_date, today)
    if age is not None and age >= fiducia("SUITABILITY", "SENIOR_AGE"):
        warn(
            "senior",
            _("The customer is %(age)d years old: explain the risks and record the confirmation.")
            % {"age": age},
        )
    if cls == 1:
        warn(
            "conservative",
            _("The customer is C1 (conservative): record the customer's confirmation."),
        )
    if not result.allowed:
        result.needs_confirmation = False
    return result
