"""The generic pages of the two core mechanisms, mounted by each app with its adapter:

- staged import (crm.core.imports): upload → preview → error report → confirm / cancel;
- approved download (crm.core.downloads): request → (four-eyes) → list → download once.

`import_views(kind)` and `download_views(kind)` return the views bound to the app's kind and
wearing its permission; the app keeps its own URL paths and names in its urls.py.
"""

import functools
from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.accounts.permissions import requires
from crm.ui.forms import message_service_error, refusal_in_messages, refusal_on_form

from .. import downloads, imports
from ..spreadsheets import table_response, xlsx_response

# Query parameters that are page mechanics, not filters of an export.
_NOT_FILTERS = {"after", "csrfmiddlewaretoken"}


def filters_of(params) -> dict:
    """The non-empty filters of a list page's query (what an export request saves)."""
    return {k: v for k, v in params.items() if k not in _NOT_FILTERS and v}


def _bind(view, kind, perms):
    @functools.wraps(view)
    def bound(request, *args, **kwargs):
        return view(request, kind, *args, **kwargs)

    return requires(*perms)(bound)


# ---- staged import --------------------------------------------------------------------------


def import_upload(request, kind):
    form = kind.form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        options = {k: v for k, v in form.cleaned_data.items() if k != "file"}
        with refusal_on_form(form):
            staged = imports.staged_import_create(
                kind, request.user, form.cleaned_data["file"], **options
            )
            return redirect(kind.url("preview"), staged.pk)
    recent = list(imports.staged_imports_for(kind, request.user)[:10])
    return render(request, "core/import.html", {"kind": kind, "form": form, "recent": recent})


def import_preview(request, kind, pk):
    staged = imports.access_staged_import(kind, request.user, pk)
    sample = [
        [row.get(key, "") for _label, key in kind.sample_columns] for row in staged.valid_rows[:20]
    ]
    context = {
        "kind": kind,
        "staged": staged,
        "facts": kind.facts(staged) if kind.facts else [],
        "errors": staged.errors[:200],
        "sample_header": [label for label, _key in kind.sample_columns],
        "sample": sample,
        "formula_values": imports.formula_values(staged),
        "job": imports.import_job(kind, request.user, staged),
    }
    return render(request, "core/import_preview.html", context)


def import_errors(request, kind, pk):
    """The error report: row, column, value (PII masked), reason — as XLSX or CSV."""
    staged = imports.access_staged_import(kind, request.user, pk)
    return table_response(
        imports.error_report_rows(staged),
        f"{kind.error_report_stem}-{staged.pk}-errors",
        as_csv=request.GET.get("format") == "csv",
    )


@require_POST
def import_confirm(request, kind, pk):
    staged = imports.access_staged_import(kind, request.user, pk)
    with refusal_in_messages(request):
        staged = imports.staged_import_confirm(kind, request.user, staged)
        messages.success(request, kind.created_message % {"n": staged.created_count})
    return redirect(kind.url("preview"), pk)


@require_POST
def import_cancel(request, kind, pk):
    staged = imports.access_staged_import(kind, request.user, pk)
    imports.staged_import_cancel(kind, request.user, staged)
    return redirect(kind.url())


def import_views(kind) -> SimpleNamespace:
    """The five import pages bound to `kind`, each requiring its permission."""
    views = (import_upload, import_preview, import_errors, import_confirm, import_cancel)
    return SimpleNamespace(
        **{v.__name__.removeprefix("import_"): _bind(v, kind, (kind.permission,)) for v in views}
    )


# ---- approved download ----------------------------------------------------------------------


def download_request(request, kind):
    """Ask for an export of the current filter; a second person approves it."""
    if request.method == "GET":
        filters = filters_of(request.GET)
    else:
        filters = {k.removeprefix("f_"): v for k, v in request.POST.items() if k.startswith("f_")}
        filters = {k: v for k, v in filters.items() if v}
    form = kind.form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusal_on_form(form):
            downloads.download_request(
                kind, request.user, filters, reason=form.cleaned_data["reason"]
            )
            messages.success(
                request,
                _(
                    "Your request was sent for approval. Once approved, the file is prepared "
                    "in the background and the bell tells you when it is ready."
                ),
            )
            return redirect(kind.url("list"))
    return render(
        request, "core/download_request.html", {"kind": kind, "form": form, "filters": filters}
    )


def download_list(request, kind):
    exports = list(kind.exports_for(request.user).order_by("-pk")[:50])
    built = downloads.export_jobs(kind, request.user, exports)
    for export in exports:
        export.job = built.get(export.pk)
    return render(
        request,
        "core/downloads.html",
        {"kind": kind, "exports": exports, "now": timezone.now()},
    )


@require_POST
def download_take(request, kind, pk):
    """The one download of an approved export, within its window. Audited."""
    export = downloads.access_download(kind, request.user, pk)
    try:
        data, name = downloads.download_take(kind, request.user, export)
    except ValidationError as exc:
        message_service_error(request, exc)
        return redirect(kind.url("list"))
    return xlsx_response(data, name)


def download_views(kind) -> SimpleNamespace:
    """The request, list and download pages bound to `kind`, each requiring its permissions."""
    return SimpleNamespace(
        request=_bind(download_request, kind, kind.permissions),
        list=_bind(download_list, kind, kind.permissions),
        take=_bind(download_take, kind, kind.permissions),
    )
