"""Suitability writes: the recorded pre-sale check and the daily mismatch snapshot."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.audit.services import record
from crm.core.setsql import insert_select
from customers.records.access import access_customer
from customers.records.models import Customer, Holding

from .. import suitability
from ..models import MismatchRefresh, MismatchSnapshot, SuitabilityCheck
from ..selectors import mismatching


def suitability_check_record(
    acting_user, customer: Customer, product, *, confirm: bool = False, note: str = ""
) -> SuitabilityCheck:
    """Record a pre-sale check; where the rules ask for it, with the customer's confirmation."""
    require(acting_user, "compliance.add_suitabilitycheck")
    customer = access_customer(acting_user, customer.pk)
    result = suitability.check(customer, product)
    if confirm and result.needs_confirmation and not note.strip():
        raise ValidationError({"note": _("Please describe how the customer confirmed.")})
    confirmed = bool(confirm and result.allowed and result.needs_confirmation)
    with transaction.atomic():
        check = SuitabilityCheck.objects.create(
            customer=customer,
            product=product,
            checked_by=acting_user,
            allowed=result.allowed,
            needs_confirmation=result.needs_confirmation,
            confirmed=confirmed,
            confirmation_note=note.strip() if confirmed else "",
            risk_class=result.risk_class,
            risk_level=result.risk_level,
            reasons=result.as_json(),
        )
        record(
            acting_user,
            "suitability.checked",
            check,
            purpose=check.confirmation_note,
            after={
                "customer": customer.pk,
                "product": product.pk,
                "allowed": result.allowed,
                "confirmed": confirmed,
                "reasons": [r.code for r in result.reasons],
            },
        )
    return check


def mismatch_snapshot_refresh() -> MismatchRefresh:
    """Rebuild the suitability-mismatch snapshot the dashboard counts (daily, beat).

    Set-based in one transaction: one DELETE, one INSERT … SELECT grouping the mismatching
    holdings (selectors.mismatching, the live report's condition) by customer, and the run row
    with the bank-wide totals. Readers keep the previous snapshot until it commits."""
    per_customer = mismatching(Holding.objects.all()).values("customer_id")
    with transaction.atomic():
        MismatchSnapshot.objects.all().delete()
        insert_select(
            MismatchSnapshot,
            {
                "customer": F("customer_id"),
                "owner": F("customer__owner_id"),
                "team": F("customer__team_id"),
                "branch": F("customer__branch_id"),
                "holdings": Count("pk"),
            },
            per_customer,
        )
        totals = MismatchSnapshot.objects.aggregate(
            customers=Count("pk"), holdings=Coalesce(Sum("holdings"), 0)
        )
        return MismatchRefresh.objects.create(**totals)
