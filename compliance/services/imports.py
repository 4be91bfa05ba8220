"""The signal import's writes: stage an uploaded file, confirm or cancel it, and trusted feeds
that validate and write in one step (compliance.sources). Set-based: the confirmed rows go in
with one INSERT … SELECT, their warnings are raised by raising.warning_raise."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.audit.services import record
from crm.core import planner

from ..importing import validate
from ..models import RiskSignal, SignalImport, SignalSource
from ..sources import FileSource
from .raising import CHUNK, warning_raise


def stage_import(acting_user, upload, *, source_code: str = "file") -> SignalImport:
    """Validate every row of an uploaded CSV/XLSX and keep the result for a preview."""
    require(acting_user, "compliance.import_signals")
    source = FileSource(upload, source_code=source_code)
    result = validate(source, acting_user)
    import hashlib

    with transaction.atomic():
        staged = SignalImport.objects.create(
            created_by=acting_user,
            source=SignalSource.objects.get(code=source_code),
            file_name=upload.name[:200],
            file_sha256=hashlib.sha256(source.data).hexdigest(),
            total_rows=result.total,
            valid_rows=result.valid,
            existing_rows=result.existing,
            errors=result.errors,
        )
        record(
            acting_user,
            "signal_import.staged",
            staged,
            after={
                "rows": result.total,
                "valid": len(result.valid),
                "existing": result.existing,
                "errors": len(result.errors),
            },
        )
    return staged


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


def _insert_staged_signals(staged: SignalImport, acting_user) -> None:
    """One INSERT … SELECT straight from the staged JSON rows (no per-row Python); rows already
    present (same source and key) are skipped by the unique constraint."""
    s_t = RiskSignal._meta.db_table
    i_t = SignalImport._meta.db_table
    if connection.vendor == "postgresql":
        source = (
            f'FROM "{i_t}" i, jsonb_to_recordset(i.valid_rows) AS r(customer_id int, kind text, '
            "dedupe_key text, observed_on date, severity int, evidence text, value numeric) "
            "WHERE i.id = %s"
        )
        cols = "r.customer_id, r.kind, r.dedupe_key, r.observed_on, r.severity, r.evidence, r.value"
    else:
        source = f'FROM "{i_t}" i, json_each(i.valid_rows) AS j WHERE i.id = %s'
        cols = ", ".join(
            f"json_extract(j.value, '$.{c}')"
            for c in (
                "customer_id",
                "kind",
                "dedupe_key",
                "observed_on",
                "severity",
                "evidence",
                "value",
            )
        )
    with connection.cursor() as cur:
        cur.execute(
            f'INSERT INTO "{s_t}" (customer_id, kind, dedupe_key, observed_on, severity, evidence, '
            "value, source_id, batch_id, created_by_id, created_at) "
            f"SELECT {cols}, %s, %s, %s, %s {source} ON CONFLICT DO NOTHING",
            [staged.source_id, staged.pk, acting_user.pk, timezone.now(), staged.pk],
        )


def confirm_import(acting_user, import_id: int) -> SignalImport:
    """Write the valid rows (bulk, in chunks) and raise their warnings. Signals already present
    (same source and id) are skipped by the database, so a repeated import creates nothing."""
    require(acting_user, "compliance.import_signals")
    with transaction.atomic():
        staged = (
            SignalImport.objects.select_for_update()
            .filter(pk=import_id, created_by=acting_user)
            .select_related("source")
            .first()
        )
        if staged is None:
            raise SignalImport.DoesNotExist
        if staged.status != SignalImport.Status.PENDING:
            raise ValidationError(_("This import has already been confirmed or cancelled."))
        _insert_staged_signals(staged, acting_user)
        created = RiskSignal.objects.filter(batch=staged).count()
        planner.analyze_after_bulk(created, RiskSignal)
        staged.status = SignalImport.Status.CONFIRMED
        staged.created_count = created
        staged.confirmed_at = timezone.now()
        staged.save(update_fields=["status", "created_count", "confirmed_at"])
        record(acting_user, "signal_import.confirmed", staged, after={"created": created})
        warning_raise(Q(batch=staged), acting_user)
    return staged


def cancel_import(acting_user, import_id: int) -> None:
    with transaction.atomic():
        updated = SignalImport.objects.filter(
            pk=import_id, created_by=acting_user, status=SignalImport.Status.PENDING
        ).update(status=SignalImport.Status.CANCELLED)
        if updated:
            record(acting_user, "signal_import.cancelled", None, after={"import": import_id})


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
