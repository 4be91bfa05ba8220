"""Staged imports (DESIGN §5.1 customers, §5.5 risk signals): upload → validate every row →
preview → error report → confirm the valid rows → or cancel. Nothing is written before the
operator confirms, and a repeated file creates nothing.

An app describes its import once as an `ImportKind` (the adapter: model, permission, how to
validate a file and how to write the confirmed rows, its form and texts); this module owns the
flow, the audit rows (`<audit_entity>.staged|confirmed|cancelled`) and, with
crm.core.views.transfers and templates/core/import*.html, the pages.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.audit.services import record

from .access import access_in
from .models import StagedImport

MAX_BYTES = 10 * 1024 * 1024


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
    with transaction.atomic():
        locked = access_staged_import(kind, acting_user, staged.pk, for_write=True)
        if locked.status != StagedImport.Status.PENDING:
            raise ValidationError(_("This import has already been confirmed or cancelled."))
        created, details = kind.write(acting_user, locked)
        locked.status = StagedImport.Status.CONFIRMED
        locked.created_count = created
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["status", "created_count", "confirmed_at"])
        record(
            acting_user,
            f"{kind.audit_entity}.confirmed",
            locked,
            after={"created": created, **details},
        )
    return locked


def staged_import_cancel(kind: ImportKind, acting_user, staged: StagedImport) -> None:
    """Drop a pending import (a confirmed or cancelled one stays as it is). Audited."""
    require(acting_user, kind.permission)
    with transaction.atomic():
        locked = access_staged_import(kind, acting_user, staged.pk, for_write=True)
        if locked.status != StagedImport.Status.PENDING:
            return
        locked.status = StagedImport.Status.CANCELLED
        locked.save(update_fields=["status"])
        record(acting_user, f"{kind.audit_entity}.cancelled", locked)


def read_rows(upload) -> tuple[list[list[str]], bytes]:
    """The rows of an uploaded CSV (UTF-8 or GB18030) or XLSX file as stripped strings, and its
    bytes (for the file's hash); a file that cannot be read is refused with a ValidationError."""
    name = upload.name.lower()
    data = upload.read()
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 10 MB; please split it."))
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ValidationError(_("The file is not a readable XLSX workbook.")) from exc
        return [
            ["" if v is None else str(v).strip() for v in row]
            for row in sheet.iter_rows(values_only=True)
        ], data
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError(_("The CSV file is neither UTF-8 nor GB18030 encoded."))
        return [[v.strip() for v in row] for row in csv.reader(io.StringIO(text))], data
    raise ValidationError(_("Please upload a .csv or .xlsx file."))


def error_report_rows(staged: StagedImport) -> list[list]:
    """The error report (header first): row, column, value (PII already masked), reason."""
    header = [_("Row"), _("Column"), _("Value"), _("Reason")]
    return [header] + [[e["row"], e["column"], e["value"], e["reason"]] for e in staged.errors]
