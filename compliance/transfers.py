"""Risk data in and out through the core mechanisms (DESIGN §5.5): the signal file import is a
staged import (crm.core.imports) and the audit-log export an approved download
(crm.core.downloads). This module is the adapter: what is validated, written and exported."""

from __future__ import annotations

import datetime
import hashlib
import json

from django.db import connection
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.audit.selectors import audit_entries_for
from crm.core import downloads, imports, planner
from crm.core.approvals import Deciders
from crm.core.spreadsheets import table_xlsx

from . import selectors
from .filters import AuditReviewFilter
from .forms import ExportRequestForm, SignalImportForm
from .importing import validate
from .models import AuditExport, RiskSignal, SignalImport, SignalSource
from .services.raising import warning_raise
from .sources import FileSource

AUDIT_EXPORT_MAX_ROWS = 100_000


# ---- signal import --------------------------------------------------------------------------


def _validate(acting_user, upload, *, source: SignalSource) -> imports.ValidatedRows:
    file = FileSource(upload, source_code=source.code)
    result = validate(file, acting_user)
    result.sha256 = hashlib.sha256(file.data).hexdigest()
    result.extra = {"source": source}
    return result


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


def _write(acting_user, staged: SignalImport) -> tuple[int, dict]:
    """Insert the valid rows and raise their warnings. Signals already present (same source
    and id) are skipped by the database, so a repeated import creates nothing."""
    _insert_staged_signals(staged, acting_user)
    created = RiskSignal.objects.filter(batch=staged).count()
    planner.analyze_after_bulk(created, RiskSignal)
    warning_raise(Q(batch=staged), acting_user)
    return created, {}


SIGNAL_IMPORT = imports.ImportKind(
    model=SignalImport,
    permission="compliance.import_signals",
    audit_entity="signal_import",
    imports_for=selectors.imports_for,
    validate=_validate,
    write=_write,
    form_class=SignalImportForm,
    url_name="compliance:signal-import",
    title=_("Import signals"),
    intro=_(
        "Every row is checked first; nothing is written until you confirm the valid rows. A "
        "signal already recorded from the same source (same external id, or same customer, "
        "kind, date and evidence) is skipped, so importing a file twice creates nothing."
    ),
    created_message=_("%(n)d signals imported."),
    sample_columns=(
        (_("Row"), "row"),
        (_("Customer number"), "customer_number"),
        (_("Kind"), "kind"),
        (_("Severity"), "severity"),
        (_("Date"), "observed_on"),
    ),
    facts=lambda staged: [(_("Source"), staged.source.name)],
    nav_template="compliance/_nav.html",
    error_report_stem="signal-import",
)


def signal_import_stage(acting_user, upload, *, source_code: str = "file") -> SignalImport:
    """Validate every row of an uploaded CSV/XLSX and keep the result for a preview."""
    source = SignalSource.objects.get(code=source_code)
    return imports.staged_import_create(SIGNAL_IMPORT, acting_user, upload, source=source)


def signal_import_confirm(acting_user, staged: SignalImport) -> SignalImport:
    return imports.staged_import_confirm(SIGNAL_IMPORT, acting_user, staged)


def signal_import_cancel(acting_user, staged: SignalImport) -> None:
    imports.staged_import_cancel(SIGNAL_IMPORT, acting_user, staged)


# ---- audit-log export -----------------------------------------------------------------------


def audit_filter(user, params):
    """The audit review's filter set for `params` and the entries it selects."""
    filterset = AuditReviewFilter(params or None, queryset=audit_entries_for(user))
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    return filterset, qs


def audit_rows(qs) -> list[list]:
    header = [
        _("At"),
        _("Actor"),
        _("Action"),
        _("Target type"),
        _("Target id"),
        _("Target"),
        _("Purpose"),
        _("Before"),
        _("After"),
    ]
    rows = [[str(h) for h in header]]
    for e in qs[:AUDIT_EXPORT_MAX_ROWS].iterator(chunk_size=2000):
        rows.append(
            [
                timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
                e.actor.username if e.actor else "",
                e.action,
                e.target_type,
                e.target_id,
                e.target_repr,
                e.purpose,
                json.dumps(e.before, ensure_ascii=False, default=str) if e.before else "",
                json.dumps(e.after, ensure_ascii=False, default=str) if e.after else "",
            ]
        )
    return rows


def _build_audit(acting_user, filters: dict) -> tuple[bytes, str]:
    params = QueryDict(mutable=True)
    params.update(filters)
    _filterset, qs = audit_filter(acting_user, params)
    return table_xlsx(audit_rows(qs)), f"audit-{timezone.localdate():%Y%m%d}.xlsx"


AUDIT_EXPORT = downloads.DownloadKind(
    key="compliance.audit_export",
    label=_("Audit-log export"),
    model=AuditExport,
    # review_audit reads the log; add_auditexport (a changing permission, so never an
    # auditor's) asks for a copy of it.
    permissions=("compliance.review_audit", "compliance.add_auditexport"),
    approver_permission="compliance.approve_audit_export",
    # The audit log is reviewed centrally: a second compliance officer or an administrator.
    deciders=Deciders.CENTRAL,
    audit_entity="audit_export",
    exports_for=selectors.audit_exports_for,
    build=_build_audit,
    summary=_("Audit-log export requested by %(user)s"),
    window=datetime.timedelta(hours=24),
    url_name="compliance:audit-export",
    request_title=_("Request an audit-log export"),
    request_intro=_(
        "Exports of the audit log need a second person's approval. Once approved you can "
        "download the file once within 24 hours; the download is recorded."
    ),
    no_filters=_("none (the whole log, up to 100,000 rows)"),
    list_title=_("My audit exports"),
    form_class=ExportRequestForm,
)


def audit_export_request(acting_user, filters: dict, *, reason: str) -> AuditExport:
    return downloads.download_request(AUDIT_EXPORT, acting_user, filters, reason=reason)


def audit_export_take(acting_user, export: AuditExport) -> tuple[bytes, str]:
    """The one download of an approved audit export: the file and its name. Audited."""
    return downloads.download_take(AUDIT_EXPORT, acting_user, export)
