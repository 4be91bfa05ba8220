"""Signals entered by hand (a file or a feed: services.ingest)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.audit.services import record
from customers.records.access import access_customer
from customers.records.models import Customer

from ..importing import dedupe_key
from ..models import RiskSignal, SignalSource
from ..sources import SignalRecord
from .raising import warning_raise


def signal_record(
    acting_user,
    *,
    customer: Customer,
    kind: str,
    severity: int,
    observed_on: datetime.date,
    evidence: str,
    value: Decimal | None = None,
    source_code: str = "manual",
    external_id: str = "",
) -> RiskSignal:
    """A signal entered by hand. The same record twice (same source and id) is refused."""
    require(acting_user, "compliance.add_risksignal")
    access_customer(acting_user, customer.pk)
    if observed_on > timezone.localdate():
        raise ValidationError({"observed_on": _("The date lies in the future.")})
    source = SignalSource.objects.get(code=source_code)
    rec = SignalRecord(0, customer.number, kind, observed_on, int(severity), evidence, external_id)
    key = dedupe_key(rec, customer.pk)
    with transaction.atomic():
        if RiskSignal.objects.filter(source=source, dedupe_key=key).exists():
            raise ValidationError(_("This signal has already been recorded."))
        signal = RiskSignal.objects.create(
            customer=customer,
            kind=kind,
            source=source,
            dedupe_key=key,
            observed_on=observed_on,
            severity=severity,
            evidence=evidence,
            value=value,
            created_by=acting_user,
        )
        record(
            acting_user,
            "signal.recorded",
            signal,
            after={"kind": kind, "severity": int(severity), "customer": customer.pk},
        )
        warning_raise(Q(pk=signal.pk), acting_user)
    signal.refresh_from_db()
    return signal
