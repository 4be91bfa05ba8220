"""Import and export pages (DESIGN §5.1). The staged import and the approved unmasked export are
the core's generic pages bound to this package's adapters (customers.records.transfers); the
masked export is this package's own."""

from django.utils import timezone

from crm.accounts.permissions import requires
from crm.core.spreadsheets import xlsx_response
from crm.core.views.transfers import download_views, filters_of, import_views
from customers.records import services
from customers.records.exporting import customers_xlsx
from customers.records.filters import customer_filter
from customers.records.transfers import CUSTOMER_IMPORT, PII_EXPORT

customer_import = import_views(CUSTOMER_IMPORT)
pii_export = download_views(PII_EXPORT)


@requires("customers.export_customers")
def export_masked(request):
    """The filtered list (in the user's scope) as XLSX, personal information masked. Audited."""
    _filterset, qs = customer_filter(request.user, request.GET)
    data, rows = customers_xlsx(qs)
    services.customers_export(request.user, filters_of(request.GET), rows)
    return xlsx_response(data, f"customers-{timezone.localdate():%Y%m%d}.xlsx")
