"""Periodic statements: list, generation (in the background), review, sending, the PDF."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.accounts.permissions import requires
from crm.core.access import NotFound
from crm.ui.forms import refusal_in_messages
from crm.ui.pagination import keyset_page
from customers.sales import selectors
from customers.sales.access import access_statement
from customers.sales.forms import GenerateForm, ReviewForm, SendForm
from customers.sales.models import Statement
from customers.sales.services import statements


@requires("customers.view_statement")
def statement_list(request):
    status = request.GET.get("status")
    page = keyset_page(
        selectors.statement_list(request.user, status),
        ["-period_start", "-pk"],
        request.GET.get("after"),
        selectors.list_page_size(),
    )
    can_generate = request.user.has_perm("customers.add_statement")
    return render(
        request,
        "customers/sales/statement_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Statement.Status.choices,
            "can_generate": can_generate,
            "generate_form": GenerateForm() if can_generate else None,
            "runs": selectors.statement_runs(request.user) if can_generate else [],
        },
    )


@require_POST
@requires("customers.add_statement")
def statement_generate(request):
    form = GenerateForm(request.POST)
    if form.is_valid():
        with refusal_in_messages(request):
            statements.statements_generate_later(
                form.cleaned_data["kind"],
                form.cleaned_data["period_start"],
                requested_by=request.user,
            )
            messages.success(request, _("Statement generation started in the background."))
    else:
        messages.error(request, _("Please choose a period."))
    return redirect("customers:statement-list")


@requires("customers.add_statement")
def statement_runs(request):
    return render(
        request, "customers/sales/_runs.html", {"runs": selectors.statement_runs(request.user)}
    )


@requires("customers.view_statement")
def statement_detail(request, pk):
    statement = access_statement(request.user, pk)
    return render(
        request,
        "customers/sales/statement_detail.html",
        {
            "statement": statement,
            "c": statement.content,
            "review_form": ReviewForm(initial={"market_note": statement.market_note}),
            "send_form": SendForm(),
            "can_send": request.user.has_perm("customers.send_statement"),
            "recipient": statements.recipient_for(statement.customer),
        },
    )


@require_POST
@requires("customers.send_statement")
def statement_review(request, pk):
    statement = access_statement(request.user, pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        with refusal_in_messages(request):
            statements.statement_review(
                request.user, statement, market_note=form.cleaned_data["market_note"]
            )
            messages.success(request, _("Statement reviewed."))
    else:
        messages.error(request, _("The market note is limited to 2,000 characters."))
    return redirect("customers:statement-detail", pk=pk)


@require_POST
@requires("customers.send_statement")
def statement_send(request, pk):
    statement = access_statement(request.user, pk)
    with refusal_in_messages(request):
        statements.statement_send(request.user, statement, via=request.POST.get("via", ""))
        messages.success(request, _("Statement marked as sent."))
    return redirect("customers:statement-detail", pk=pk)


@requires("customers.view_statement")
def statement_pdf(request, pk):
    statement = access_statement(request.user, pk)
    if not statement.pdf:
        raise NotFound
    statements.statement_download(request.user, statement)
    return FileResponse(
        statement.pdf.open("rb"),
        as_attachment=True,
        filename=statement.pdf.name.rsplit("/", 1)[-1],
        content_type="application/pdf",
    )
