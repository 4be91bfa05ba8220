"""Staged imports (DESIGN §5.1 customers, §5.5 risk signals): upload → validate every row →
preview → error report → confirm the valid rows → or cancel. Nothing is written before the
operator confirms, and a repeated file creates nothing.

An app describes its import once as an `ImportKind` (the adapter: model, permission, how to
validate a file and how to write the confirmed rows, its form and texts); this module owns the
flow, the audit rows (`<audit_entity>.staged|confirmed|cancelled`) and, with
crm.core.views.transfers and templates/core/import*.html, the pages.

A confirmation is recorded as a long job (crm.core.jobs) of the operator's: it stays one
transaction (all rows or none), so the job is created, advanced and finished inside it and the
bell rings once it commits; an unexpected failure leaves a failed job and nothing else.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.audit.services import record

from . import jobs
from .access import access_in
from .config import fiducia
from .duplicates import refuse_duplicate
from .models import BackgroundJob, StagedImport
from .spreadsheets import looks_like_formula


@dataclass
class ValidatedRows:
    """What an adapter's `validate` found in a file: valid rows (normalised, ready to write),
    rows already in the database, and errors by row, column, value and reason."""

    sha256: str = ""
    total: int = 0
    existing: int = 0
    valid: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    # Further fields of the staged row (e.g. the signal source).
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ImportKind:
    model: type[StagedImport]
    permission: str  # needed to upload, see, confirm and cancel
    audit_entity: str  # audit actions "<audit_entity>.staged" etc.
    # The user's own staged imports (their `<entity>s_for(user)`).
    imports_for: Callable[[object], QuerySet]
    # (acting_user, upload, cleaned form data) → ValidatedRows; raises ValidationError.
    validate: Callable[..., ValidatedRows]
    # (acting_user, locked staged import) → (rows created, audit details); inside the
    # confirmation's transaction.
    write: Callable[..., tuple[int, dict]]
    # Pages: the upload form and the URL names "<url_name>-upload", "<url_name>-preview", …
    form_class: type
    url_name: str
    title: str
    intro: str
    created_message: str  # "%(n)d … imported."
    # (label, key) columns of the valid rows shown in the preview.
    sample_columns: tuple[tuple[str, str], ...] = ()
    # staged → [(label, value)] shown above the status (e.g. the signal source).
    facts: Callable[[StagedImport], list[tuple[str, str]]] | None = None
    nav_template: str = ""  # the app's sub-navigation, included at the top of each page
    error_report_stem: str = "import"

    def url(self, step: str = "upload") -> str:
        return f"{self.url_name}-{step}"


# The job kind of every confirmation (registered by CoreConfig.ready()).
JOB_KIND = "import"


def staged_imports_for(kind: ImportKind, user) -> QuerySet:
    return kind.imports_for(user)


def access_staged_import(kind: ImportKind, user, pk, *, for_write: bool = False):
    """One of the user's own staged imports, or NotFound (someone else's is "missing")."""
    return access_in(kind.imports_for(user), pk, lock=for_write)


def staged_import_create(kind: ImportKind, acting_user, upload, **options) -> StagedImport:
    """Validate every row of an uploaded file and keep the result for the preview. Audited."""
    require(acting_user, kind.permission)
    try:
        result = kind.validate(acting_user, upload, **options)
    except ValidationError as exc:
        # A file-level refusal (format, header, size) belongs to the file field.
        if hasattr(exc, "error_dict"):
            raise
        raise ValidationError({"file": exc.error_list}) from exc
    with transaction.atomic():
        staged = kind.model.objects.create(
            created_by=acting_user,
            file_name=upload.name[:200],
            file_sha256=result.sha256,
            total_rows=result.total,
            valid_rows=result.valid,
            existing_rows=result.existing,
            errors=result.errors,
            **result.extra,
        )
        record(
            acting_user,
            f"{kind.audit_entity}.staged",
            staged,
            after={
                "rows": result.total,
                "valid": len(result.valid),
                "existing": result.existing,
                "errors": len(result.errors),
            },
        )
    return staged


def staged_import_confirm(kind: ImportKind, acting_user, staged: StagedImport) -> StagedImport:
    """Write the valid rows in one transaction; a second confirmation is refused. Audited."""
    require(acting_user, kind.permission)
    try:
        return _confirm(kind, acting_user, staged)
    except ValidationError:
        raise  # a refusal the operator reads on the page, not a job that failed
    except Exception as exc:
        # Rolled back as a whole; the failure is kept (and rung) outside that transaction.
        job = jobs.job_create(acting_user, JOB_KIND, subject=_subject(kind, staged))
        jobs.job_finish(job.pk, error=exc)
        raise


def _subject(kind: ImportKind, staged) -> str:
    return f"{kind.audit_entity}:{staged.pk}"


def import_job(kind: ImportKind, user, staged) -> BackgroundJob | None:
    """The latest job of `user`'s confirmation of `staged` (for the link on its page)."""
    return (
        jobs.jobs_for(user)
        .filter(kind=JOB_KIND, subject=_subject(kind, staged))
        .order_by("-pk")
        .first()
    )


def _confirm(kind: ImportKind, acting_user, staged: StagedImport) -> StagedImport:
    with transaction.atomic():
        locked = access_staged_import(kind, acting_user, staged.pk, for_write=True)
        if locked.status != StagedImport.Status.PENDING:
            raise ValidationError(_("This import has already been confirmed or cancelled."))
        job = jobs.job_create(
            acting_user,
            JOB_KIND,
            total=len(locked.valid_rows),
            result_url=reverse(kind.url("preview"), args=[locked.pk]),
            subject=_subject(kind, locked),
        )
        jobs.job_progress(job.pk, 0)
        # Another confirmation (of a second upload of the same file) may have written some of
        # these rows since the preview: refused as a whole, the rest can be confirmed again.
        with refuse_duplicate(
            _(
                "Some of these rows were imported by someone else at the same moment; nothing "
                "was written. Confirm again to import the rows that are still new."
            )
        ):
            created, details = kind.write(acting_user, locked)
        locked.status = StagedImport.Status.CONFIRMED
        locked.created_count = created
        locked.confirmed_at = timezone.now()
        locked.valid_rows = _sample_only(kind, locked.valid_rows)
        locked.save(update_fields=["status", "created_count", "confirmed_at", "valid_rows"])
        record(
            acting_user,
            f"{kind.audit_entity}.confirmed",
            locked,
            after={"created": created, **details},
        )
        # Every valid row is handled (written, or skipped as already present).
        jobs.job_finish(job.pk)
    return locked


def staged_import_cancel(kind: ImportKind, acting_user, staged: StagedImport) -> None:
    """Drop a pending import (a confirmed or cancelled one stays as it is). Audited."""
    require(acting_user, kind.permission)
    with transaction.atomic():
        locked = access_staged_import(kind, acting_user, staged.pk, for_write=True)
        if locked.status != StagedImport.Status.PENDING:
            return
        locked.status = StagedImport.Status.CANCELLED
        locked.valid_rows = _sample_only(kind, locked.valid_rows)
        locked.save(update_fields=["status", "valid_rows"])
        record(acting_user, f"{kind.audit_entity}.cancelled", locked)


def _sample_only(kind: ImportKind, rows: list[dict]) -> list[dict]:
    """What a finished import keeps of its valid rows: the preview's sample columns (row,
    number, name…). Everything else (ID numbers, mobiles, even encrypted) has served its
    purpose once the rows are written or dropped."""
    keep = {key for _label, key in kind.sample_columns}
    return [{k: v for k, v in row.items() if k in keep} for row in rows]


def read_rows(upload, *, max_rows: int) -> tuple[list[list[str]], bytes]:
    """The rows of an uploaded CSV (UTF-8 with or without BOM, or GB18030) or XLSX file as
    stripped strings, and its bytes (for the file's hash); a file that cannot be read, or that
    breaks a limit of `settings.FIDUCIA_IMPORTS` (size, `max_rows` data rows after the header,
    columns, cell size, and for XLSX the shared strings, the expanded size and the compression
    ratio), is refused with a ValidationError. The limits are checked while reading, so a hostile
    file costs a fraction of a second and little memory, and nothing is staged."""
    name = upload.name.lower()
    limit = fiducia("IMPORTS", "MAX_BYTES")
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            _("The file is larger than %(mb)d MB; please split it.") % {"mb": limit // 2**20}
        )
    if name.endswith(".xlsx"):
        return list(_xlsx_rows(data, max_rows + 1)), data
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError(_("The CSV file is neither UTF-8 nor GB18030 encoded."))
        return list(_csv_rows(text, max_rows + 1)), data
    raise ValidationError(_("Please upload a .csv or .xlsx file."))


def _too_many_rows(max_rows: int) -> ValidationError:
    return ValidationError(
        _("The file has more than %(n)d rows; please split it.") % {"n": max_rows - 1}
    )


def _too_many_columns() -> ValidationError:
    return ValidationError(
        _("The file has more than %(n)d columns.") % {"n": fiducia("IMPORTS", "MAX_COLUMNS")}
    )


def _cell_too_long() -> ValidationError:
    return ValidationError(
        _("A cell holds more than %(n)d characters.") % {"n": fiducia("IMPORTS", "MAX_CELL_CHARS")}
    )


def _csv_rows(text: str, max_rows: int):
    max_columns = fiducia("IMPORTS", "MAX_COLUMNS")
    max_chars = fiducia("IMPORTS", "MAX_CELL_CHARS")
    try:
        for count, row in enumerate(csv.reader(io.StringIO(text)), 1):
            if count > max_rows:
                raise _too_many_rows(max_rows)
            if len(row) > max_columns:
                raise _too_many_columns()
            if any(len(v) > max_chars for v in row):
                raise _cell_too_long()
            yield [v.strip() for v in row]
    except csv.Error as exc:  # e.g. a field beyond the csv module's own size limit
        if "field larger than field limit" in str(exc):
            raise _cell_too_long() from exc
        raise ValidationError(_("The CSV file is damaged and cannot be read.")) from exc


def _xlsx_rows(data: bytes, max_rows: int):
    """The first sheet's rows. The zip's members are checked against the limits before anything
    is expanded; the sheet is then scanned as a stream (rows, columns, cell sizes) before
    openpyxl reads its values, so neither pass holds more than one row in memory."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._reader import WorkSheetParser

    unreadable = _("The file is not a readable XLSX workbook.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ValidationError(unreadable) from exc
    _check_members(members)
    try:
        # Every sheet is scanned before openpyxl opens the workbook: opening a read-only
        # workbook already parses a sheet that lacks its dimension from end to end.
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
        reader.read_manifest()
        reader.read_workbook()
        for _sheet, rel in reader.parser.find_sheets():
            if rel.target in reader.valid_files:
                with archive.open(rel.target) as source:
                    _scan_sheet(source, max_rows)
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.active
        max_chars = fiducia("IMPORTS", "MAX_CELL_CHARS")
        if any(len(str(text)) > max_chars for text in sheet._shared_strings):
            raise _cell_too_long()
        with book._archive.open(sheet._worksheet_path) as source:
            parser = WorkSheetParser(
                source,
                sheet._shared_strings,
                data_only=True,
                epoch=book.epoch,
                date_formats=book._date_formats,
                timedelta_formats=book._timedelta_formats,
            )
            rows = []
            for _index, cells in parser.parse():
                row = [""] * max((c["column"] for c in cells), default=0)
                for c in cells:
                    value = c["value"]
                    row[c["column"] - 1] = "" if value is None else str(value).strip()
                rows.append(row)
        book.close()
    except ValidationError:
        raise
    except Exception as exc:  # openpyxl and zipfile raise many kinds for a damaged file
        raise ValidationError(unreadable) from exc
    return rows


def _check_members(members) -> None:
    """Refuse a zip whose members expand beyond the limits (declared sizes: zipfile never
    expands a member beyond its declared size, it reports a damaged file instead)."""
    too_big = ValidationError(
        _(
            "The workbook expands to more than %(mb)d MB or is compressed suspiciously well; "
            "it is refused. Please save it again from your spreadsheet program or send a CSV."
        )
        % {"mb": fiducia("IMPORTS", "MAX_UNCOMPRESSED_BYTES") // 2**20}
    )
    ratio = fiducia("IMPORTS", "MAX_COMPRESSION_RATIO")
    if sum(m.file_size for m in members) > fiducia("IMPORTS", "MAX_UNCOMPRESSED_BYTES"):
        raise too_big
    for m in members:
        if m.filename.lower().endswith("sharedstrings.xml") and m.file_size > fiducia(
            "IMPORTS", "MAX_SHARED_STRINGS_BYTES"
        ):
            raise ValidationError(
                _("The workbook's text table is larger than %(mb)d MB; please split the file.")
                % {"mb": fiducia("IMPORTS", "MAX_SHARED_STRINGS_BYTES") // 2**20}
            )
        if m.file_size > 2**20 and m.file_size > ratio * max(m.compress_size, 1):
            raise too_big


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _scan_sheet(source, max_rows: int) -> None:
    """Stream the sheet's XML once and refuse it at the first row, column or cell beyond the
    limits; every finished element is dropped, so memory stays at one row."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
    from openpyxl.xml.functions import iterparse

    max_columns = fiducia("IMPORTS", "MAX_COLUMNS")
    max_chars = fiducia("IMPORTS", "MAX_CELL_CHARS")
    rows = cells = 0
    sheet_data = row_element = None
    for event, element in iterparse(source, events=("start", "end")):
        tag = element.tag
        if event == "start":
            if tag == f"{_NS}sheetData":
                sheet_data = element
            elif tag == f"{_NS}row":
                rows += 1
                cells = 0
                row_element = element
                index = element.get("r")
                if rows > max_rows or (index and int(index) > max_rows):
                    raise _too_many_rows(max_rows)
            elif tag == f"{_NS}c":
                cells += 1
                ref = element.get("r")
                column = cells
                if ref:
                    try:
                        column = column_index_from_string(coordinate_from_string(ref)[0])
                    except ValueError:
                        column = max_columns + 1
                if cells > max_columns or column > max_columns:
                    raise _too_many_columns()
            continue
        if tag in (f"{_NS}v", f"{_NS}t") and element.text and len(element.text) > max_chars:
            raise _cell_too_long()
        if tag == f"{_NS}c" and row_element is not None:
            row_element.remove(element)
        elif tag == f"{_NS}row":
            if sheet_data is not None:
                sheet_data.remove(element)
            row_element = None


def formula_refused() -> str:
    """The reason given for formula-like text in a column that does not allow it."""
    return _(
        "Text beginning with =, +, -, @, a tab or a line break is not accepted in this column "
        "(a spreadsheet could run it as a formula)."
    )


def formula_values(staged: StagedImport) -> int:
    """How many values of the valid rows begin like a spreadsheet formula (accepted as text
    where the column allows it; the preview points them out)."""
    return sum(
        1 for row in staged.valid_rows for value in row.values() if looks_like_formula(value)
    )


def error_report_rows(staged: StagedImport) -> list[list]:
    """The error report (header first): row, column, value (PII already masked), reason."""
    header = [_("Row"), _("Column"), _("Value"), _("Reason")]
    return [header] + [[e["row"], e["column"], e["value"], e["reason"]] for e in staged.errors]
