"""Customer data in and out through the core mechanisms (DESIGN §5.1): the customer import is a
staged import (crm.core.imports) and the unmasked export an approved download
(crm.core.downloads). This module is the adapter: what is validated, written and exported."""

import datetime

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core import downloads, imports
from crm.core.approvals import Deciders
from customers.records.access import customer_imports_for, pii_exports_for
from customers.records.exporting import customers_xlsx
from customers.records.filters import customer_filter, search_params
from customers.records.forms import ImportForm, PiiExportRequestForm
from customers.records.importing import build_customers, parse_and_validate
from customers.records.models import Customer, CustomerImport, PiiExport
from customers.records.selectors import assignable_staff


def _validate(acting_user, upload) -> imports.ValidatedRows:
    return parse_and_validate(upload, acting_user)


def _write(acting_user, staged: CustomerImport) -> tuple[int, dict]:
    """Rows that appeared since the preview (same number, ID number or credit code) are skipped,
    so a repeated import changes nothing."""
    owners = {
        u.pk: u
        for u in assignable_staff(acting_user).filter(
            pk__in={r["owner_id"] for r in staged.valid_rows}
        )
    }
    created = Customer.objects.bulk_create(
        build_customers(staged.valid_rows, owners), batch_size=1000
    )
    return len(created), {"numbers": [c.number for c in created][:1000]}


CUSTOMER_IMPORT = imports.ImportKind(
    model=CustomerImport,
    permission="customers.import_customers",
    audit_entity="customer_import",
    imports_for=customer_imports_for,
    validate=_validate,
    write=_write,
    form_class=ImportForm,
    url_name="customers:import",
    title=_("Import customers"),
    intro=_(
        "Every row is checked first; nothing is written until you confirm the valid rows. "
        "Customers already present (same customer number, ID number or credit code) are "
        "skipped, so importing a file twice changes nothing."
    ),
    created_message=_("%(n)d customers imported."),
    sample_columns=(
        (_("Row"), "row"),
        (_("Number"), "number"),
        (_("Name"), "name"),
        (_("Kind"), "kind"),
    ),
    error_report_stem="import",
)


def customer_import_stage(acting_user, upload) -> CustomerImport:
    return imports.staged_import_create(CUSTOMER_IMPORT, acting_user, upload)


def customer_import_confirm(acting_user, staged: CustomerImport) -> CustomerImport:
    return imports.staged_import_confirm(CUSTOMER_IMPORT, acting_user, staged)


def customer_import_cancel(acting_user, staged: CustomerImport) -> None:
    imports.staged_import_cancel(CUSTOMER_IMPORT, acting_user, staged)


# ---- unmasked export ------------------------------------------------------------------------


def _build_unmasked(acting_user, filters: dict) -> tuple[bytes, str]:
    params = QueryDict(mutable=True)
    params.update(filters)
    _filterset, qs = customer_filter(acting_user, params)
    data, _rows = customers_xlsx(qs, unmasked=True)
    return data, f"customers-unmasked-{timezone.localdate():%Y%m%d}.xlsx"


PII_EXPORT = downloads.DownloadKind(
    key="customers.pii_export",
    label=_("Unmasked customer export"),
    model=PiiExport,
    permissions=("customers.export_customers",),
    approver_permission="customers.approve_pii_export",
    # The requester's lead or branch heads above them, or compliance: never a lead elsewhere.
    deciders=Deciders.LINE,
    audit_entity="pii_export",
    exports_for=pii_exports_for,
    build=_build_unmasked,
    summary=_("Unmasked customer export requested by %(user)s"),
    # After approval the requester may download the unmasked file once within this time.
    window=datetime.timedelta(hours=24),
    url_name="customers:pii-export",
    request_title=_("Request an unmasked export"),
    request_intro=_(
        "Exports with personal information in clear need a second person's approval. Once "
        "approved you can download the file once within 24 hours; the download is recorded."
    ),
    no_filters=_("none (your whole book)"),
    list_title=_("My unmasked exports"),
    form_class=PiiExportRequestForm,
    clean_filters=search_params,
)


def pii_export_request(acting_user, filters: dict, *, reason: str) -> PiiExport:
    """Ask a second person to approve an unmasked export of the filtered list."""
    return downloads.download_request(PII_EXPORT, acting_user, filters, reason=reason)


def pii_export_take(acting_user, export: PiiExport) -> tuple[bytes, str]:
    """The one download of an approved export: the file and its name. Audited."""
    return downloads.download_take(PII_EXPORT, acting_user, export)
