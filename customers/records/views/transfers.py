"""Import and export views (DESIGN §5.1): upload → preview → error report → confirm; masked
XLSX export; unmasked export only after a second person's approval, downloadable once."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.accounts.access import is_read_only
from crm.ui.forms import add_service_error
from customers.records import selectors, services
from customers.records.exporting import customers_xlsx, table_response, xlsx_response
from customers.records.forms import ImportForm, PiiExportRequestForm
from customers.records.importing import error_report_rows
from customers.records.models import PiiExport
from customers.records.views.customers import _filtered


def _require(user, perm):
    if is_read_only(user) or not user.has_perm(perm):
        raise PermissionDenied


def _filters_of(request) -> dict:
    return {k: v for k, v in request.GET.items() if k not in {"after", "csrfmiddlewaretoken"} and v}


# ---- export ---------------------------------------------------------------------------------


def export_masked(request):
    """The filtered list (in the user's scope) as XLSX, personal information masked. Audited."""
    _require(request.user, "customers.export_customers")
    _filterset, qs = _filtered(request)
    data, rows = customers_xlsx(qs)
    services.record_masked_export(request.user, _filters_of(request), rows)
    return xlsx_response(data, f"customers-{timezone.localdate():%Y%m%d}.xlsx")


def export_request(request):
    """Ask for an unmasked export of the current filter; a second person approves it."""
    _require(request.user, "customers.export_customers")
    filters = (
        _filters_of(request)
        if request.method == "GET"
        else {k: v for k, v in request.POST.items() if k.startswith("f_") and v}
    )
    form = PiiExportRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        clean = {k.removeprefix("f_"): v for k, v in filters.items()}
        try:
            services.request_pii_export(request.user, clean, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("Your request was sent for approval. You can download it once approved.")
            )
            return redirect("customers:exports")
    return render(request, "customers/export_request.html", {"form": form, "filters": filters})


def export_list(request):
    exports = list(selectors.pii_exports_for(request.user).order_by("-pk")[:50])
    return render(request, "customers/exports.html", {"exports": exports, "now": timezone.now()})


@require_POST
def export_download(request, pk):
    """The one download of an approved unmasked export, within its window. Audited."""
    try:
        export = services.take_pii_export(request.user, pk)
    except PiiExport.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("customers:exports")
    # Re-applies the filters in the requester's *current* scope: approval never widens it.
    params = QueryDict(mutable=True)
    params.update(export.filters)
    _filterset, qs = _filtered(request, params)
    data, _rows = customers_xlsx(qs, unmasked=True)
    return xlsx_response(data, f"customers-unmasked-{timezone.localdate():%Y%m%d}.xlsx")


# ---- import ---------------------------------------------------------------------------------


def import_upload(request):
    _require(request.user, "customers.import_customers")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            staged = services.stage_import(request.user, form.cleaned_data["file"])
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return redirect("customers:import_preview", staged.pk)
    recent = list(selectors.imports_for(request.user)[:10])
    return render(request, "customers/import.html", {"form": form, "recent": recent})


def import_preview(request, pk):
    staged = get_object_or_404(selectors.imports_for(request.user), pk=pk)
    return render(
        request,
        "customers/import_preview.html",
        {"staged": staged, "errors": staged.errors[:200], "sample": staged.valid_rows[:20]},
    )


def import_errors(request, pk):
    """The error report: row, column, value (PII masked), reason — as XLSX or CSV."""
    staged = get_object_or_404(selectors.imports_for(request.user), pk=pk)
    return table_response(
        error_report_rows(staged),
        f"import-{staged.pk}-errors",
        as_csv=request.GET.get("format") == "csv",
    )


@require_POST
def import_confirm(request, pk):
    get_object_or_404(selectors.imports_for(request.user), pk=pk)
    try:
        staged = services.confirm_import(request.user, pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(n)d customers imported.") % {"n": staged.created_count})
    return redirect("customers:import_preview", pk)


@require_POST
def import_cancel(request, pk):
    get_object_or_404(selectors.imports_for(request.user), pk=pk)
    services.cancel_import(request.user, pk)
    return redirect("customers:import")
