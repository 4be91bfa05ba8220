"""Customer list, search, 360 page, create/edit, reveal and reassignment (thin: parse input,
call a selector or service, render). Every customer comes through a scoped selector."""

import json
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.accounts.permissions import require, requires
from crm.core.access import NotFound
from crm.core.config import fiducia
from crm.core.recent import recent_record
from crm.ui.bulk import bulk_context
from crm.ui.forms import refusal_in_messages, refusal_on_form
from crm.ui.lists import chosen_columns
from crm.ui.pagination import capped_count, keyset_page, query_without_cursor
from crm.ui.registry import MONTHLY_CONTRIBUTION, provider
from customers.records import assessments, selectors, services
from customers.records.access import access_customer
from customers.records.filters import customer_filter, has_identifier, search_params
from customers.records.forms import CustomerForm, InlineEditForm, ReassignForm, RevealForm
from customers.records.lists import CUSTOMERS
from customers.records.models import Customer, RiskClass, RiskLevel

VIEW = "customers.view_customer"


def _list_url(params: dict) -> HttpResponseRedirect:
    """303 to the list with `params` (already free of clear identifiers)."""
    response = HttpResponseRedirect(f"{reverse('customers:customer-list')}?{urlencode(params)}")
    response.status_code = 303
    return response


@requires(VIEW)
def customer_list(request):
    # The search form posts, and a link that still carries an ID number (or a mobile, credit
    # code…) in clear is redirected: the URL that browsers and access logs keep holds only the
    # term's keyed-hash token.
    if request.method == "POST":
        return _list_url(search_params(request.POST))
    if has_identifier(request.GET):
        return _list_url(search_params(request.GET))
    filterset, qs = customer_filter(request.user, request.GET)
    ordering = filterset.ordering if filterset.is_bound else ["number", "pk"]
    page = keyset_page(
        selectors.customer_list_qs(qs),
        ordering,
        request.GET.get("after"),
        settings.FIDUCIA["LIST_PAGE_SIZE"],
    )
    # The first page tells the count when it is all there is; otherwise the page asks for a
    # capped count with htmx (customer_count), keeping this request's query budget fixed.
    count = len(page) if not page.has_next and not request.GET.get("after") else None
    context = {
        "filter": filterset,
        "page": page,
        "count": count,
        "query": query_without_cursor(request),
        "search_kind": filterset.search_kind,
        "columns": chosen_columns(request, CUSTOMERS),
        "bulk": bulk_context(request, CUSTOMERS),
        "list_key": CUSTOMERS,
    }
    template = "customers/_rows.html" if request.htmx and request.GET.get("after") else None
    return render(request, template or "customers/list.html", context)


@requires(VIEW)
def customer_count(request):
    """htmx fragment: how many customers match, counting at most CAPPED_COUNT rows."""
    _filterset, qs = customer_filter(request.user, request.GET)
    count, more = capped_count(qs, settings.FIDUCIA["CAPPED_COUNT"])
    return render(request, "customers/_count.html", {"count": count, "count_more": more})


# ---- 360 ------------------------------------------------------------------------------------


def _contributions(aggregates) -> list | None:
    """Each month's contribution under the published tier policy (tiering registers the
    provider, so the chart and the class explanation use one formula), or None: no line."""
    compute = provider(MONTHLY_CONTRIBUTION)
    return compute(aggregates) if compute is not None and aggregates else None


def _chart(aggregates) -> dict:
    months = [a.month.strftime("%Y-%m") for a in aggregates]
    contributions = _contributions(aggregates)
    series = [
        {
            "name": _("Average balance"),
            "type": "bar",
            "data": [float(a.average_balance) for a in aggregates],
        }
    ]
    axes = [{"type": "value", "name": _("Balance")}]
    if contributions is not None:
        axes.append({"type": "value", "name": _("Contribution")})
        series.append(
            {
                "name": _("Contribution"),
                "type": "line",
                "yAxisIndex": 1,
                "smooth": True,
                "data": [float(c) for c in contributions],
            }
        )
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [s["name"] for s in series]},
        "grid": {"left": 60, "right": 60, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "data": months},
        "yAxis": axes,
        "series": series,
    }


@requires(VIEW)
def customer_detail(request, pk):
    """Customer 360: the profile plus panels that other apps register (slot "customer_360")."""
    customer = selectors.customer_360(request.user, pk)
    recent_record(request.user, "customer", customer.pk)
    holdings = selectors.holdings_of(customer)
    by_risk = {
        level: {"label": label, "items": [], "total": Decimal(0)}
        for level, label in RiskLevel.choices
    }
    for holding in holdings:
        group = by_risk[holding.product.risk_level]
        group["items"].append(holding)
        group["total"] += holding.market_value
    aggregates = selectors.aggregates_of(customer)
    try:
        kyc = customer.kyc
    except Customer.kyc.RelatedObjectDoesNotExist:
        kyc = None
    context = {
        "customer": customer,
        "kyc": kyc,
        "contacts": selectors.contacts_of(customer) if customer.is_institution else [],
        "holdings_by_risk": [g for g in by_risk.values() if g["items"]],
        "holdings_total": sum((h.market_value for h in holdings), Decimal(0)),
        "contracts": selectors.contracts_of(customer),
        "chart": _chart(aggregates),
        "has_chart": bool(aggregates),
        "assessments": selectors.recent_assessments(customer),
        "inline_fields": services.INLINE_FIELDS,
        "can_edit": request.user.has_perm("customers.change_customer"),
        "can_reveal": request.user.has_perm("customers.reveal_pii"),
        "can_assess": request.user.has_perm("customers.add_riskassessment"),
        "risk_classes": RiskClass.choices,
        "kyc_expiring_days": fiducia("ASSESSMENTS", "EXPIRING_DAYS"),
    }
    return render(request, "customers/detail.html", context)


@requires(VIEW)
def chart_data(request, pk):
    """The 12-month balance and contribution series as JSON (for refreshes and other pages)."""
    customer = access_customer(request.user, pk)
    return HttpResponse(
        json.dumps(_chart(selectors.aggregates_of(customer)), ensure_ascii=False),
        content_type="application/json",
    )


@requires(VIEW)
def reveal(request, pk, field):
    """htmx: GET asks for a purpose; POST shows the clear value in this response only."""
    customer = access_customer(request.user, pk)
    require(request.user, "customers.reveal_pii")  # after the scope: out of scope is 404, not 403
    if field not in services.REVEALABLE:
        raise NotFound
    form = RevealForm(request.POST or None, field=field)
    context = {"customer": customer, "field": field, "form": form}
    if request.method == "POST" and form.is_valid():
        with refusal_on_form(form):
            context["value"] = services.customer_reveal_pii(
                request.user, customer, field, purpose=form.cleaned_data["purpose"]
            )
    response = render(request, "customers/_reveal.html", context)
    response["Cache-Control"] = "no-store"
    return response


@requires(VIEW)
def inline_edit(request, pk, field):
    """htmx: edit one small field in place; GET shows the input, POST saves (audited)."""
    customer = access_customer(request.user, pk)
    if field not in services.INLINE_FIELDS:
        raise NotFound
    if request.GET.get("cancel"):
        return render(
            request, "customers/_inline_value.html", {"customer": customer, "field": field}
        )
    require(request.user, "customers.change_customer")
    form = InlineEditForm(request.POST or None, instance=customer, field=field)
    if request.method == "POST" and form.is_valid():
        customer = services.customer_update(
            request.user, customer, {field: form.cleaned_data[field]}
        )
        return render(
            request, "customers/_inline_value.html", {"customer": customer, "field": field}
        )
    return render(
        request, "customers/_inline_form.html", {"customer": customer, "field": field, "form": form}
    )


# ---- create and edit ------------------------------------------------------------------------


@requires("customers.add_customer")
def customer_create(request):
    form = CustomerForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with refusal_on_form(form):
            # The form built and validated the instance; the service saves it.
            customer = services.customer_create(
                request.user, form.instance, id_number=form.cleaned_data["id_number"]
            )
            messages.success(request, _("Customer created."))
            return redirect("customers:customer-detail", customer.pk)
    return render(request, "customers/form.html", {"form": form})


@requires(VIEW)
def customer_edit(request, pk):
    customer = access_customer(request.user, pk)
    require(
        request.user, "customers.change_customer"
    )  # after the scope: out of scope is 404, not 403
    form = CustomerForm(request.POST or None, instance=customer, user=request.user)
    if request.method == "POST" and form.is_valid():
        changed = {
            name: form.cleaned_data[name] for name in form.changed_data if name in form.Meta.fields
        }
        if form.cleaned_data["id_number"]:
            changed.update(id_type="resident_id", birth_date=form.cleaned_data["birth_date"])
        with refusal_on_form(form):
            services.customer_update(
                request.user, customer, changed, id_number=form.cleaned_data["id_number"]
            )
            messages.success(request, _("Customer saved."))
            return redirect("customers:customer-detail", customer.pk)
    return render(request, "customers/form.html", {"form": form, "customer": customer})


# ---- reassignment ---------------------------------------------------------------------------


@requires(VIEW)
def reassign(request, pk):
    customer = access_customer(request.user, pk)
    require(
        request.user, "customers.reassign_customer"
    )  # after the scope: out of scope is 404, not 403
    form = ReassignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with refusal_on_form(form):
            services.customer_reassign(
                request.user,
                customer,
                form.cleaned_data["owner"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Customer reassigned."))
            # The new owner may be outside the user's book: back to the list then.
            if selectors.in_book(request.user, pk):
                return redirect("customers:customer-detail", pk)
            return redirect("customers:customer-list")
    return render(request, "customers/reassign.html", {"form": form, "customers": [customer]})


@requires(VIEW)
@require_POST
def risk_assessment_new(request, pk):
    """Record a risk assessment from the 360 page's KYC card (limits enforced by the service)."""
    customer = access_customer(request.user, pk)
    require(request.user, "customers.add_riskassessment")
    score = request.POST.get("score", "").strip()
    with refusal_in_messages(request):
        assessments.risk_assessment_create(
            request.user,
            customer,
            risk_class=request.POST.get("risk_class", ""),
            score=int(score) if score.isdigit() else None,
        )
        messages.success(request, _("Risk assessment recorded."))
    return redirect("customers:customer-detail", pk=customer.pk)
