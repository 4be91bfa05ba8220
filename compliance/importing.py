"""Validation shared by every signal source: customer look-up in the user's scope, the dedupe
key, duplicates inside the batch and against the database. Nothing here writes."""

from __future__ import annotations

import hashlib

from django.utils.translation import gettext as _

from crm.core.imports import ValidatedRows
from customers.records.access import customers_for

from .models import RiskSignal, SignalSource
from .sources import RecordError, SignalRecord

CHUNK = 5000


def dedupe_key(record: SignalRecord, customer_id: int) -> str:
    """The source's own id, or a hash of what makes the record the same record."""
    if record.external_id:
        return record.external_id
    basis = "|".join(
        [str(customer_id), record.kind, record.observed_on.isoformat(), record.evidence]
    )
    return "h:" + hashlib.sha256(basis.encode()).hexdigest()[:62]


def _error(e: RecordError) -> dict:
    return {"row": e.row, "column": e.column, "value": e.value, "reason": str(e.reason)}


def validate(source, acting_user) -> ValidatedRows:
    """Run a source's records through the common checks (set-based look-ups in chunks)."""
    result = ValidatedRows()
    src = SignalSource.objects.get(code=source.source_code)
    records: list[SignalRecord] = []
    rows = set()
    for item in source.records():
        rows.add(item.row)
        if isinstance(item, RecordError):
            result.errors.append(_error(item))
        else:
            records.append(item)
    result.total = len(rows)
    scope = customers_for(acting_user)
    numbers = sorted({r.customer_number for r in records})
    ids: dict[str, int] = {}
    for start in range(0, len(numbers), CHUNK):
        ids.update(
            scope.filter(number__in=numbers[start : start + CHUNK]).values_list("number", "pk")
        )
    keyed: list[tuple[SignalRecord, int, str]] = []
    seen: dict[str, int] = {}
    for record in records:
        customer_id = ids.get(record.customer_number)
        if customer_id is None:
            result.errors.append(
                _error(
                    RecordError(
                        record.row,
                        "customer_number",
                        record.customer_number,
                        _("Unknown customer number, or not a customer you may see."),
                    )
                )
            )
            continue
        key = dedupe_key(record, customer_id)
        if key in seen:
            result.existing += 1  # the same signal twice in one file collapses into one
            continue
        seen[key] = record.row
        keyed.append((record, customer_id, key))
    keys = [k for _r, _c, k in keyed]
    present: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        present.update(
            RiskSignal.objects.filter(
                source=src, dedupe_key__in=keys[start : start + CHUNK]
            ).values_list("dedupe_key", flat=True)
        )
    for record, customer_id, key in keyed:
        if key in present:
            result.existing += 1
            continue
        result.valid.append(
            {
                "row": record.row,
                "customer_id": customer_id,
                "customer_number": record.customer_number,
                "kind": record.kind,
                "observed_on": record.observed_on.isoformat(),
                "severity": record.severity,
                "evidence": record.evidence,
                "dedupe_key": key,
                "value": str(record.value) if record.value is not None else None,
            }
        )
    result.errors.sort(key=lambda e: (e["row"], e["column"]))
    return result
