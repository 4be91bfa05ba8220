"""Thin views of the risk watch: parse input, call a selector or service, render."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.accounts.permissions import require, requires
from crm.core.recent import recent_record
from crm.ui.bulk import bulk_context
from crm.ui.forms import message_service_error, refusal_in_messages, refusal_on_form
from crm.ui.lists import chosen_columns
from crm.ui.pagination import keyset_page, query_without_cursor
from customers.records.access import access_customer
from customers.records.validity import assessment_expires_on

from . import selectors, suitability
from .access import access_step, access_warning, watch_changes_for
from .forms import (
    OutcomeForm,
    SignalForm,
    StepForm,
    SuitabilityForm,
    WatchChangeForm,
)
from .lists import AUDIT, WARNINGS
from .models import DisposalStep, Grade, RiskWarning, WatchAction
from .services import disposal, signals
from .services.suitability import suitability_check_record
from .services.watchlist import watchlist_change_request
from .transfers import audit_filter

PAGE = settings.FIDUCIA["LIST_PAGE_SIZE"]


# ---- dashboard --------------------------------------------------------------------------------

GRADE_COLOURS = {"red": "#dc3545", "orange": "#fd7e14", "yellow": "#ffc107", "blue": "#0d6efd"}


def _charts(data) -> dict:
    grades = [(g, str(label)) for g, label in Grade.choices]
    by_grade = {
        "tooltip": {},
        "xAxis": {"type": "category", "data": [label for _g, label in grades]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "type": "bar",
                "data": [
                    {"value": data["by_grade"][g], "itemStyle": {"color": GRADE_COLOURS[g]}}
                    for g, _label in grades
                ],
            }
        ],
    }
    buckets = [
        (low, f"{low}–{high}" if high else f"> {low - 1}") for low, high in selectors.AGE_BUCKETS
    ]
    by_age = {
        "tooltip": {"trigger": "axis"},
        "legend": {},
        "xAxis": {
            "type": "category",
            "data": [_("%(range)s days") % {"range": label} for _low, label in buckets],
        },
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "name": label,
                "type": "bar",
                "stack": "age",
                "itemStyle": {"color": GRADE_COLOURS[g]},
                "data": [data["ages"].get(f"{g}_{low}", 0) for low, _l in buckets],
            }
            for g, label in grades
        ],
    }
    steps = [(k, str(label)) for k, label in DisposalStep.Kind.choices]
    overdue = {
        "tooltip": {},
        "xAxis": {"type": "category", "data": [label for _k, label in steps]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"type": "bar", "data": [data["overdue_steps"][k] for k, _l in steps]}],
    }
    return {"by_grade": by_grade, "by_age": by_age, "overdue": overdue}


@requires("compliance.view_dashboard")
def dashboard(request):
    data = selectors.dashboard(request.user)
    return render(
        request,
        "compliance/dashboard.html",
        {"data": data, "charts": _charts(data), "active_total": sum(data["by_grade"].values())},
    )


# ---- signals ----------------------------------------------------------------------------------


@requires("compliance.view_risksignal")
def signal_list(request):
    kind = request.GET.get("kind", "")
    qs = selectors.signal_list(request.user, kind=kind)
    page = keyset_page(qs, ["-observed_on", "-pk"], request.GET.get("after"), PAGE)
    return render(
        request,
        "compliance/signals.html",
        {
            "page": page,
            "query": query_without_cursor(request),
            "kind": kind,
            "kinds": RiskWarning._meta.get_field("kind").choices,
            "can_add": request.user.has_perm("compliance.add_risksignal"),
            "can_import": request.user.has_perm("compliance.import_signals"),
        },
    )


@requires("compliance.add_risksignal")
def signal_create(request):
    form = SignalForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusal_on_form(form):
            signal = signals.signal_record(
                request.user,
                customer=data["customer"],
                kind=data["kind"],
                severity=data["severity"],
                observed_on=data["observed_on"],
                evidence=data["evidence"],
                value=data["value"],
            )
            messages.success(request, _("Signal recorded."))
            if signal.warning_id:
                return redirect("compliance:warning-detail", signal.warning_id)
            return redirect("compliance:signal-list")
    return render(request, "compliance/form.html", {"form": form, "title": _("Record a signal")})


# ---- warnings ---------------------------------------------------------------------------------


@requires("compliance.view_riskwarning")
def warning_list(request):
    grade = request.GET.get("grade", "")
    status = request.GET.get("status", "active")
    mine = request.GET.get("mine") == "1"
    if grade not in Grade.values:
        grade = ""
    if status not in {"active", ""} | set(RiskWarning.Status.values):
        status = "active"
    qs = selectors.warning_list(request.user, grade=grade, status=status, mine=mine)
    page = keyset_page(qs, ["-pk"], request.GET.get("after"), PAGE)
    return render(
        request,
        "compliance/warnings.html",
        {
            "page": page,
            "query": query_without_cursor(request),
            "grade": grade,
            "status": status,
            "mine": mine,
            "grades": Grade.choices,
            "statuses": RiskWarning.Status.choices,
            "today": timezone.localdate(),
            "columns": chosen_columns(request, WARNINGS),
            "bulk": bulk_context(request, WARNINGS),
            "list_key": WARNINGS,
        },
    )


@requires("compliance.view_riskwarning")
def warning_detail(request, pk):
    warning = access_warning(request.user, pk)
    recent_record(request.user, "warning", warning.pk)
    can_dispose = request.user.has_perm("compliance.dispose_riskwarning") and warning.is_active
    form = None
    if can_dispose:
        form = StepForm(
            staff=selectors.step_owners(request.user, warning),
            initial={"owner": warning.owner_id, "due_on": warning.verify_by},
        )
    return render(
        request,
        "compliance/warning_detail.html",
        {
            "warning": warning,
            "steps": selectors.steps_of(warning),
            "signals": selectors.signals_of(warning),
            "form": form,
            "can_dispose": can_dispose,
            "today": timezone.localdate(),
        },
    )


@require_POST
@requires("compliance.dispose_riskwarning")
def step_add(request, pk):
    warning = access_warning(request.user, pk)
    form = StepForm(request.POST, staff=selectors.step_owners(request.user, warning))
    if form.is_valid():
        data = form.cleaned_data
        with refusal_in_messages(request):
            disposal.step_add(
                request.user,
                warning,
                kind=data["kind"],
                owner=data["owner"],
                due_on=data["due_on"],
                outcome=data["outcome"],
            )
            messages.success(request, _("Disposal step saved."))
    else:
        message_service_error(request, ValidationError(form.errors.as_data()))
    return redirect("compliance:warning-detail", warning.pk)


@require_POST
@requires("compliance.dispose_riskwarning")
def step_done(request, pk):
    step = access_step(request.user, pk)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        with refusal_in_messages(request):
            disposal.step_complete(request.user, step, outcome=form.cleaned_data["outcome"])
            messages.success(request, _("Outcome recorded."))
    else:
        messages.error(request, _("Please record the outcome."))
    return redirect("compliance:warning-detail", step.warning_id)


# ---- watch list -------------------------------------------------------------------------------


@requires("compliance.view_watchlistentry")
def watchlist(request):
    can_request = request.user.has_perm("compliance.request_watchlist_change")
    form = WatchChangeForm(
        request.POST or None, user=request.user, initial={"customer": request.GET.get("customer")}
    )
    if request.method == "POST":
        require(request.user, "compliance.request_watchlist_change")
        if form.is_valid():
            data = form.cleaned_data
            with refusal_on_form(form):
                watchlist_change_request(
                    request.user,
                    data["customer"],
                    action=data["action"],
                    reason=data["reason"],
                    review_on=data["review_on"],
                )
                messages.success(request, _("The change was sent for approval."))
                return redirect("compliance:watch-list")
    action = request.GET.get("action", "")
    if action not in WatchAction.values:
        action = ""
    qs = selectors.watchlist_entry_list(request.user, action=action)
    page = keyset_page(qs, ["review_on", "pk"], request.GET.get("after"), PAGE)
    changes = list(watch_changes_for(request.user)[:30])
    return render(
        request,
        "compliance/watchlist.html",
        {
            "page": page,
            "query": query_without_cursor(request),
            "form": form if can_request else None,
            "changes": changes,
            "actions": WatchAction.choices,
            "action": action,
        },
    )


# ---- suitability ------------------------------------------------------------------------------


@requires("compliance.view_suitabilitycheck")
def suitability_check(request):
    """Pre-sale check: pick a customer (in the user's book) and a product; record the result."""
    if request.method == "POST":
        data = request.POST
    else:
        data = request.GET if {"customer", "product"} <= set(request.GET) else None
    form = SuitabilityForm(
        data, user=request.user, initial={"customer": request.GET.get("customer")}
    )
    result = customer = product = None
    if data is not None and form.is_valid():
        customer, product = form.cleaned_data["customer"], form.cleaned_data["product"]
        result = suitability.check(customer, product)
        if request.method == "POST":
            require(request.user, "compliance.add_suitabilitycheck")
            with refusal_in_messages(request):
                check = suitability_check_record(
                    request.user,
                    customer,
                    product,
                    confirm=request.POST.get("confirm") == "1",
                    note=request.POST.get("note", ""),
                )
                if check.confirmed:
                    messages.success(request, _("Check and customer confirmation recorded."))
                else:
                    messages.success(request, _("Check recorded."))
                query = QueryDict(mutable=True)
                query.update({"customer": customer.number, "product": product.pk})
                return redirect(f"{request.path}?{query.urlencode()}")
    recent = selectors.recent_checks(customer) if customer else []
    return render(
        request,
        "compliance/suitability.html",
        {
            "form": form,
            "result": result,
            "customer": customer,
            "product": product,
            "recent": recent,
            "can_record": request.user.has_perm("compliance.add_suitabilitycheck"),
        },
    )


@requires("compliance.view_dashboard")
def mismatches(request):
    qs = selectors.mismatches_for(request.user)
    page = keyset_page(qs, ["-pk"], request.GET.get("after"), PAGE)
    return render(
        request,
        "compliance/mismatches.html",
        {"page": page, "query": query_without_cursor(request)},
    )


# ---- audit review -----------------------------------------------------------------------------


def _filters_of(request) -> dict:
    return {k: v for k, v in request.GET.items() if k not in {"after", "csrfmiddlewaretoken"} and v}


@requires("compliance.review_audit")
def audit_review(request):
    filterset, qs = audit_filter(request.user, request.GET)
    # The log is append-only, so the primary key follows time; ordering by it alone lets the
    # database walk the primary key even when a batch job wrote many rows with one timestamp.
    page = keyset_page(qs.order_by("-pk"), ["-pk"], request.GET.get("after"), PAGE)
    return render(
        request,
        "compliance/audit.html",
        {
            "filter": filterset,
            "page": page,
            "query": query_without_cursor(request),
            "filters": _filters_of(request),
            "can_export": request.user.has_perm("compliance.add_auditexport"),
            "list_key": AUDIT,
        },
    )


# ---- panels -----------------------------------------------------------------------------------


@requires("compliance.view_riskwarning")
def panel_customer(request, pk):
    """Customer 360 risk panel: active warnings, watch-list status, suitability state."""
    customer = access_customer(request.user, pk)
    state = selectors.customer_risk_state(customer)
    assessment_expired = (
        customer.risk_assessed_on is None
        or assessment_expires_on(customer.risk_assessed_on) <= timezone.localdate()
    )
    return render(
        request,
        "compliance/_panel_customer.html",
        {
            "customer": customer,
            **state,
            "assessment_expired": assessment_expired,
            "last_check": selectors.latest_check(customer),
            "today": timezone.localdate(),
        },
    )


@requires("compliance.view_riskwarning")
def panel_home(request):
    return render(
        request,
        "compliance/_panel_home.html",
        {"warnings": selectors.my_urgent_warnings(request.user), "today": timezone.localdate()},
    )
