"""Trusted feeds that validate and write signals in one step (compliance.sources); the file
import's stage/confirm/cancel is the core staged import (compliance.transfers). Warnings are
raised by raising.warning_raise."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crm.accounts.permissions import require
from crm.audit.services import record

from ..importing import validate
from ..models import RiskSignal, SignalSource
from .raising import CHUNK, warning_raise


def _build_signals(rows: list[dict], source, acting_user, batch=None) -> list[RiskSignal]:
    return [
        RiskSignal(
            customer_id=r["customer_id"],
            kind=r["kind"],
            source=source,
            dedupe_key=r["dedupe_key"],
            observed_on=datetime.date.fromisoformat(r["observed_on"]),
            severity=r["severity"],
            evidence=r["evidence"],
            value=Decimal(r["value"]) if r.get("value") else None,
            batch=batch,
            created_by=acting_user,
        )
        for r in rows
    ]


def ingest(source, acting_user) -> tuple[int, list[dict]]:
    """For trusted pushed/pulled feeds: validate and write in one step (no preview).
    Returns (signals created, errors)."""
    require(acting_user, "compliance.import_signals")
    result = validate(source, acting_user)
    src = SignalSource.objects.get(code=source.source_code)
    with transaction.atomic():
        before = timezone.now()
        signals = _build_signals(result.valid, src, acting_user)
        RiskSignal.objects.bulk_create(signals, batch_size=CHUNK, ignore_conflicts=True)
        keys = [r["dedupe_key"] for r in result.valid]
        created = RiskSignal.objects.filter(
            source=src, dedupe_key__in=keys, created_at__gte=before
        ).count()
        record(
            acting_user,
            "signal.ingested",
            src,
            after={"created": created, "errors": len(result.errors)},
        )
        warning_raise(Q(source=src, dedupe_key__in=keys), acting_user)
    return created, result.errors
