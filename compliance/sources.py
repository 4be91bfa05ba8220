"""Pluggable signal sources (DESIGN §5.5).

A source is anything that yields signal records: a CSV/XLSX file uploaded by compliance (the
first implementation, `FileSource`), or a feed from a court list, credit bureau or news service
that a scheduled job pulls. Every source implements the small `SignalSource` protocol below and
hands its output to `compliance.importing.validate()` (customer look-up, dedupe, error list),
then either to the preview/confirm flow (files) or to `services.ingest.ingest()` (trusted feeds).

    class CourtListFeed:
        source_code = "court"                 # a SignalSource.code row (admin code table)

        def records(self):
            for item in fetch_court_list():   # your client
                yield SignalRecord(
                    row=item.index, customer_number=item.number, kind="dishonest_debtor",
                    observed_on=item.listed_on, severity=4, evidence=item.case_no,
                    external_id=item.case_no,
                )

A source reports format problems as `RecordError(row, column, value, reason)` instead of
raising, so the operator gets the whole error list at once. Records carrying the same
`external_id` from the same source are the same signal: importing them again creates nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Protocol, runtime_checkable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crm.core.imports import formula_refused
from crm.core.spreadsheets import looks_like_formula

from .models import SignalKind


@dataclass
class SignalRecord:
    row: int  # position in the source (spreadsheet row), for error reports
    customer_number: str
    kind: str  # a SignalKind value
    observed_on: datetime.date
    severity: int  # a Severity value, 1–4
    evidence: str
    external_id: str = ""
    value: Decimal | None = None


@dataclass
class RecordError:
    row: int
    column: str
    value: str
    reason: str


@runtime_checkable
class SignalSource(Protocol):
    """What every signal source provides."""

    source_code: str

    def records(self) -> Iterable[SignalRecord | RecordError]: ...


# ---- the file import: the first implementation -----------------------------------------------

# Column headers accepted in English or Chinese.
COLUMNS = {
    "customer_number": ("customer_number", "客户号"),
    "kind": ("kind", "信号类型"),
    "observed_on": ("date", "日期"),
    "severity": ("severity", "严重程度"),
    "evidence": ("evidence", "证据"),
    "external_id": ("external_id", "外部编号"),
    "value": ("value", "数值"),
}
REQUIRED = ("customer_number", "kind", "observed_on", "severity", "evidence")
KIND_ALIASES = {
    **{k.value: k.value for k in SignalKind},
    "逾期": SignalKind.OVERDUE,
    "评级下调": SignalKind.RATING_DOWNGRADE,
    "诉讼": SignalKind.LITIGATION,
    "涉诉": SignalKind.LITIGATION,
    "被执行": SignalKind.LITIGATION,
    "失信被执行人": SignalKind.DISHONEST_DEBTOR,
    "大额流出": SignalKind.LARGE_OUTFLOW,
    "负面舆情": SignalKind.NEGATIVE_NEWS,
    "负面新闻": SignalKind.NEGATIVE_NEWS,
    "esg事件": SignalKind.ESG_INCIDENT,
    "kyc过期": SignalKind.KYC_EXPIRED,
    "适当性不匹配": SignalKind.SUITABILITY_MISMATCH,
}
SEVERITY_ALIASES = {
    "1": 1,
    "low": 1,
    "低": 1,
    "2": 2,
    "medium": 2,
    "中": 2,
    "3": 3,
    "high": 3,
    "高": 3,
    "4": 4,
    "critical": 4,
    "严重": 4,
}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S")
MAX_EVIDENCE = 2000


def _parse_date(value: str) -> datetime.date:
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError


def header_map(header: list[str]) -> dict[str, int]:
    lookup = {alias.lower(): key for key, aliases in COLUMNS.items() for alias in aliases}
    mapping = {}
    for index, title in enumerate(header):
        key = lookup.get(str(title).strip().lower())
        if key:
            mapping[key] = index
    missing = [COLUMNS[k][0] for k in REQUIRED if k not in mapping]
    if missing:
        raise ValidationError(
            _("The header row must name these columns: %(cols)s.") % {"cols": ", ".join(missing)}
        )
    return mapping


def parse_row(row_no: int, values: dict[str, str], today: datetime.date):
    """One row's fields → a SignalRecord, or the list of its RecordErrors."""
    errors: list[RecordError] = []

    def err(column, value, reason):
        errors.append(RecordError(row_no, COLUMNS[column][0], value, str(reason)))

    number = values.get("customer_number", "").strip().upper()
    if not number:
        err("customer_number", number, _("A customer number is required."))
    raw_kind = values.get("kind", "").strip()
    kind = KIND_ALIASES.get(raw_kind.lower())
    if kind is None:
        err("kind", raw_kind, _("Unknown signal kind."))
    raw_date = values.get("observed_on", "").strip()
    observed = None
    try:
        observed = _parse_date(raw_date[:19])
    except ValueError:
        err("observed_on", raw_date, _("A date such as 2026-03-31 is required."))
    if observed and observed > today:
        err("observed_on", raw_date, _("The date lies in the future."))
        observed = None
    raw_sev = values.get("severity", "").strip()
    severity = SEVERITY_ALIASES.get(raw_sev.lower())
    if severity is None:
        err("severity", raw_sev, _("Severity must be 1–4 (low, medium, high, critical)."))
    evidence = values.get("evidence", "").strip()
    if not evidence:
        err("evidence", evidence, _("Evidence is required."))
    elif len(evidence) > MAX_EVIDENCE:
        err("evidence", evidence[:50] + "…", _("Evidence is longer than 2000 characters."))
    external_id = values.get("external_id", "").strip()
    if len(external_id) > 64:
        err("external_id", external_id, _("The external id is longer than 64 characters."))
    # The evidence is free text and may begin like a formula (it stays text, and the preview
    # points it out); the customer number and the source's id are codes and may not.
    for column, text in (("customer_number", number), ("external_id", external_id)):
        if looks_like_formula(text):
            err(column, text, formula_refused())
    raw_value = values.get("value", "").strip().replace(",", "")
    value = None
    if raw_value:
        try:
            value = Decimal(raw_value)
            if not value.is_finite() or abs(value) >= Decimal("1e16"):
                raise InvalidOperation
        except InvalidOperation:
            err("value", raw_value, _("Not a number."))
    if errors:
        return errors
    return SignalRecord(
        row=row_no,
        customer_number=number,
        kind=str(kind),
        observed_on=observed,
        severity=int(severity),
        evidence=evidence,
        external_id=external_id,
        value=value,
    )


class FileSource:
    """A CSV (UTF-8 or GB18030) or XLSX upload, read with the staged imports' reader."""

    def __init__(self, upload, *, source_code: str = "file", today: datetime.date | None = None):
        from django.utils import timezone

        # The staged imports' one file reader (size limit, encodings, damaged XLSX).
        from crm.core.config import fiducia
        from crm.core.imports import read_rows

        self.source_code = source_code
        self.name = upload.name
        rows, data = read_rows(upload, max_rows=fiducia("IMPORTS", "SIGNAL_MAX_ROWS"))
        self.data = data
        self._rows = [r for r in rows if any(v for v in r)]
        if not self._rows:
            raise ValidationError(_("The file is empty."))
        self._mapping = header_map(self._rows[0])
        self.today = today or timezone.localdate()

    @property
    def total(self) -> int:
        return len(self._rows) - 1

    def records(self) -> Iterator[SignalRecord | RecordError]:
        mapping = self._mapping
        for offset, raw in enumerate(self._rows[1:]):
            values = {k: (raw[i] if i < len(raw) else "") for k, i in mapping.items()}
            result = parse_row(offset + 2, values, self.today)
            if isinstance(result, list):
                yield from result
            else:
                yield result
