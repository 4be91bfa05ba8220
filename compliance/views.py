"""Thin views of the risk watch: parse input, call a selector or service, render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.accounts.access import is_read_only, staff_filter
from crm.audit.selectors import audit_entries_for
from crm.ui.forms import add_service_error
from crm.ui.pagination import keyset_page
from customers.records.access import access_customer
from customers.records.validity import assessment_expires_on

from . import selectors, services, suitability
from .filters import AuditReviewFilter
from .forms import (
    OutcomeForm,
    SignalForm,
    StepForm,
    SuitabilityForm,
    WatchChangeForm,
)
from .models import DisposalStep, Grade, RiskWarning, WatchAction

PAGE = settings.FIDUCIA["LIST_PAGE_SIZE"]


def _perm(user, perm):
    if not user.has_perm(perm):
        raise PermissionDenied


def _write(user, perm):
    if is_read_only(user) or not user.has_perm(perm):
        raise PermissionDenied


def _can(user, perm) -> bool:
    return not is_read_only(user) and user.has_perm(perm)


def _messages_of(exc) -> str:
    return " ".join(getattr(exc, "messages", [str(exc)]))


def _query_without_after(request) -> str:
    query = request.GET.copy()
    query.pop("after", None)
    return query.urlencode()


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


def dashboard(request):
    _perm(request.user, "compliance.view_dashboard")
    data = selectors.dashboard(request.user)
    return render(
        request,
        "compliance/dashboard.html",
        {"data": data, "charts": _charts(data), "active_total": sum(data["by_grade"].values())},
    )


# ---- signals ----------------------------------------------------------------------------------


def signal_list(request):
    _perm(request.user, "compliance.view_risksignal")
    qs = selectors.signals_for(request.user).select_related("customer", "source", "warning")
    kind = request.GET.get("kind", "")
    if kind:
        qs = qs.filter(kind=kind)
    page = keyset_page(qs, ["-observed_on", "-pk"], request.GET.get("after"), PAGE)
    return render(
        request,
        "compliance/signals.html",
        {
            "page": page,
            "query": _query_without_after(request),
            "kind": kind,
            "kinds": RiskWarning._meta.get_field("kind").choices,
            "can_add": _can(request.user, "compliance.add_risksignal"),
            "can_import": _can(request.user, "compliance.import_signals"),
        },
    )


def signal_create(request):
    _write(request.user, "compliance.add_risksignal")
    form = SignalForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            signal = services.record_signal(
                request.user,
                customer=data["customer"],
                kind=data["kind"],
                severity=data["severity"],
                observed_on=data["observed_on"],
                evidence=data["evidence"],
                value=data["value"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Signal recorded."))
            if signal.warning_id:
                return redirect("compliance:warning", signal.warning_id)
            return redirect("compliance:signals")
    return render(request, "compliance/form.html", {"form": form, "title": _("Record a signal")})


# ---- warnings ---------------------------------------------------------------------------------


def warning_list(request):
    _perm(request.user, "compliance.view_riskwarning")
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
            "query": _query_without_after(request),
            "grade": grade,
            "status": status,
            "mine": mine,
            "grades": Grade.choices,
            "statuses": RiskWarning.Status.choices,
            "today": timezone.localdate(),
        },
    )


def _step_staff(user, warning):
    """Who may own a step: staff the user may assign work to, plus the warning's owner."""
    return (
        get_user_model()
        .objects.filter(staff_filter(user) | Q(pk=warning.owner_id, is_active=True))
        .order_by("display_name", "username")
    )


def warning_detail(request, pk):
    _perm(request.user, "compliance.view_riskwarning")
    warning = selectors.get_warning_for(request.user, pk)
    can_dispose = _can(request.user, "compliance.dispose_riskwarning") and warning.is_active
    form = None
    if can_dispose:
        form = StepForm(
            staff=_step_staff(request.user, warning),
            initial={"owner": warning.owner_id, "due_on": warning.verify_by},
        )
    return render(
        request,
        "compliance/warning_detail.html",
        {
            "warning": warning,
            "steps": selectors.steps_of(warning),
            "signals": list(warning.signals.select_related("source")[:50]),
            "form": form,
            "can_dispose": can_dispose,
            "today": timezone.localdate(),
        },
    )


@require_POST
def step_add(request, pk):
    _write(request.user, "compliance.dispose_riskwarning")
    warning = selectors.get_warning_for(request.user, pk)
    form = StepForm(request.POST, staff=_step_staff(request.user, warning))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_step(
                request.user,
                warning,
                kind=data["kind"],
                owner=data["owner"],
                due_on=data["due_on"],
                outcome=data["outcome"],
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _messages_of(exc))
        else:
            messages.success(request, _("Disposal step saved."))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("compliance:warning", warning.pk)


@require_POST
def step_done(request, pk):
    _write(request.user, "compliance.dispose_riskwarning")
    step = get_object_or_404(
        DisposalStep.objects.filter(warning__in=selectors.warnings_for(request.user)), pk=pk
    )
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.complete_step(request.user, step, outcome=form.cleaned_data["outcome"])
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _messages_of(exc))
        else:
            messages.success(request, _("Outcome recorded."))
    else:
        messages.error(request, _("Please record the outcome."))
    return redirect("compliance:warning", step.warning_id)


# ---- watch list -------------------------------------------------------------------------------


def watchlist(request):
    _perm(request.user, "compliance.view_watchlistentry")
    can_request = _can(request.user, "compliance.request_watchlist_change")
    form = WatchChangeForm(
        request.POST or None, user=request.user, initial={"customer": request.GET.get("customer")}
    )
    if request.method == "POST":
        _write(request.user, "compliance.request_watchlist_change")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.request_watchlist_change(
                    request.user,
                    data["customer"],
                    action=data["action"],
                    reason=data["reason"],
                    review_on=data["review_on"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("The change was sent for approval."))
                return redirect("compliance:watchlist")
    action = request.GET.get("action", "")
    qs = selectors.watchlist_for(request.user)
    if action in WatchAction.values:
        qs = qs.filter(action=action)
    page = keyset_page(qs, ["review_on", "pk"], request.GET.get("after"), PAGE)
    changes = list(selectors.watch_changes_for(request.user)[:30])
    return render(
        request,
        "compliance/watchlist.html",
        {
            "page": page,
            "query": _query_without_after(request),
            "form": form if can_request else None,
            "changes": changes,
            "actions": WatchAction.choices,
            "action": action,
        },
    )


# ---- suitability ------------------------------------------------------------------------------


def suitability_check(request):
    """Pre-sale check: pick a customer (in the user's book) and a product; record the result."""
    _perm(request.user, "compliance.view_suitabilitycheck")
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
            _write(request.user, "compliance.add_suitabilitycheck")
            try:
                check = services.record_suitability_check(
                    request.user,
                    customer,
                    product,
                    confirm=request.POST.get("confirm") == "1",
                    note=request.POST.get("note", ""),
                )
            except ValidationError as exc:
                messages.error(request, _messages_of(exc))
            else:
                if check.confirmed:
                    messages.success(request, _("Check and customer confirmation recorded."))
                else:
                    messages.success(request, _("Check recorded."))
                query = QueryDict(mutable=True)
                query.update({"customer": customer.number, "product": product.pk})
                return redirect(f"{request.path}?{query.urlencode()}")
    recent = (
        list(customer.suitability_checks.select_related("product", "checked_by")[:10])
        if customer
        else []
    )
    return render(
        request,
        "compliance/suitability.html",
        {
            "form": form,
            "result": result,
            "customer": customer,
            "product": product,
            "recent": recent,
            "can_record": _can(request.user, "compliance.add_suitabilitycheck"),
        },
    )


def mismatches(request):
    _perm(request.user, "compliance.view_dashboard")
    qs = selectors.mismatches_for(request.user)
    page = keyset_page(qs, ["-pk"], request.GET.get("after"), PAGE)
    return render(
        request,
        "compliance/mismatches.html",
        {"page": page, "query": _query_without_after(request)},
    )


# ---- audit review -----------------------------------------------------------------------------


def _audit_filtered(request, params=None):
    _perm(request.user, "compliance.review_audit")
    params = request.GET if params is None else params
    filterset = AuditReviewFilter(params or None, queryset=audit_entries_for(request.user))
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    return filterset, qs


def _filters_of(request) -> dict:
    return {k: v for k, v in request.GET.items() if k not in {"after", "csrfmiddlewaretoken"} and v}


def audit_review(request):
    filterset, qs = _audit_filtered(request)
    # The log is append-only, so the primary key follows time; ordering by it alone lets the
    # database walk the primary key even when a batch job wrote many rows with one timestamp.
    page = keyset_page(qs.order_by("-pk"), ["-pk"], request.GET.get("after"), PAGE)
    return render(
        request,
        "compliance/audit.html",
        {
            "filter": filterset,
            "page": page,
            "query": _query_without_after(request),
            "filters": _filters_of(request),
            "can_export": _can(request.user, "compliance.review_audit"),
        },
    )


# ---- panels -----------------------------------------------------------------------------------


def panel_customer(request, pk):
    """Customer 360 risk panel: active warnings, watch-list status, suitability state."""
    _perm(request.user, "compliance.view_riskwarning")
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


def panel_home(request):
    _perm(request.user, "compliance.view_riskwarning")
    return render(
        request,
        "compliance/_panel_home.html",
        {"warnings": selectors.my_urgent_warnings(request.user), "today": timezone.localdate()},
    )
