"""Thin views: parse input, call a selector or service, render. Complaints outside the user's
scope answer 404."""

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from crm.accounts.permissions import requires
from crm.calendar import add_months
from crm.core.recent import recent_record
from crm.core.reveal import REVEAL_PERMISSION
from crm.ui.bulk import bulk_context
from crm.ui.forms import (
    SERVICE_REFUSALS,
    refusal_in_messages,
    refusal_on_form,
)
from crm.ui.pagination import keyset_page, query_without_cursor
from crm.ui.reveal import reveal_response
from customers.records.access import access_customer

from . import charts, selectors, services
from .access import access_attachment, access_complaint, access_notice, complaints_for
from .forms import (
    AssignForm,
    ExtensionForm,
    FastSelect,
    IntakeForm,
    NamedStaffForm,
    NewFactsForm,
    PauseForm,
    ProfileForm,
    QueueFilterForm,
    QueueParamsForm,
    ResumeForm,
    StatsForm,
    TransitionForm,
    WithdrawalRequestForm,
)
from .lists import QUEUE
from .models import CLOCK_STATES, ClockPause, Intake, Notice, Remedy, Satisfaction, State

VIEW = "complaints.view_complaint"
STATS = "complaints.view_statistics"


# ---- queue --------------------------------------------------------------------------------------


def _queue_params(request):
    form = QueueParamsForm(request.GET or None)
    params = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return form, params


@requires(VIEW)
def queue(request):
    form, params = _queue_params(request)
    status = params.get("status") or "clock"
    params = {**params, "status": status}
    qs = selectors.filter_queue(complaints_for(request.user), params)
    clock_only = status == "clock" or status in CLOCK_STATES or params.get("due_within") is not None
    order = params.get("order") or ("due" if clock_only else "-received")
    if order == "due" and not clock_only:
        order = "-received"  # only running clocks have a due date to sort by
    ordering = selectors.QUEUE_ORDERINGS[order]
    page = keyset_page(
        selectors.queue_qs(qs),
        ordering,
        request.GET.get("after"),
        settings.FIDUCIA["LIST_PAGE_SIZE"],
    )
    today = timezone.localdate()
    for c in page.items:
        _mark_left(c, today)
    context = {
        "page": page,
        "query": query_without_cursor(request),
        "today": today,
        "bulk": bulk_context(request, QUEUE),
    }
    template = (
        "complaints/_queue_rows.html"
        if request.htmx and request.GET.get("after")
        else "complaints/queue.html"
    )
    return render(request, template, context)


def _mark_left(c, today):
    c.left = c.days_left(today)
    c.late = -c.left if c.left is not None and c.left < 0 else 0


@requires(VIEW)
def queue_filters(request):
    """htmx fragment: the filter form (its select lists are kept out of the queue's budget)."""
    choices = selectors.queue_filter_choices()
    form = QueueFilterForm(request.GET or None, choices=choices)
    form.is_valid()
    bulk_handler = None
    if request.user.has_perm("complaints.assign_complaint"):
        # Fills the bulk bar's empty handler list in place (forms.HandlerSlot), from the
        # handlers this fragment reads anyway.
        bulk_handler = FastSelect(
            attrs={
                "id": "id_assign-handler",
                "form": "bulk-form",
                "hx-swap-oob": "true",
                "class": "form-select form-select-sm",
            },
            choices=[("", "---------"), *choices["handler"]],
        ).render("assign-handler", None)
    return render(
        request,
        "complaints/_queue_filters.html",
        {"form": form, "bulk_handler": bulk_handler},
    )


# ---- complaint page -----------------------------------------------------------------------------


@requires(VIEW)
def detail(request, pk):
    c = selectors.complaint_page(request.user, pk)
    recent_record(request.user, "complaint", c.pk)
    allowed = services.complaint_transitions_allowed(request.user, c)
    user = request.user
    today = timezone.localdate()
    pending = c.pending_extension_summary
    context = {
        "c": c,
        **selectors.case_file(c),
        "actions": [
            {"spec": t, "label": t.label, "required": t.required, "target": t.target}
            for t in allowed
        ],
        "remedies": Remedy.choices,
        "vias": Notice.Via.choices,
        "satisfactions": Satisfaction.choices,
        "pause_reasons": ClockPause.Reason.choices,
        "pending_extension": {"summary": pending} if pending is not None else None,
        "pending_withdrawal": c.pending_withdrawal_summary,
        # After acceptance the front line asks compliance (the workflow table lets it withdraw).
        "can_request_withdrawal": user.has_perm("complaints.withdraw_complaint")
        and not user.has_perm("complaints.confirm_withdrawal")
        and c.state in services.AFTER_ACCEPTANCE
        and c.pending_withdrawal_summary is None
        and not services.is_named(user, c),
        "can_name_staff": user.has_perm("complaints.handle_complaint") and c.is_open,
        "can_reveal_contact": user.has_perm(REVEAL_PERMISSION),
        "can_extend": user.has_perm("complaints.request_extension")
        and c.state in services.DECISION_CLOCK
        and c.profile.next_extension_level(c.extension_level) is not None,
        "can_pause": user.has_perm("complaints.handle_complaint")
        and c.state in services.DECISION_CLOCK,
        "can_assign": user.has_perm("complaints.assign_complaint") and c.is_open,
        "profile_form": ProfileForm(initial={"profile": c.profile_id})
        if user.has_perm("complaints.change_sla_profile") and c.state in services.DECISION_CLOCK
        else None,
        "can_attach": user.has_perm("complaints.add_complaint"),
        "assign_form": AssignForm(initial={"handler": c.handler_id}),
        "days_left": c.days_left(today),
        "today": today,
        "clock_running": c.state in CLOCK_STATES,
        "next_days": c.profile.days_for_level(
            c.profile.next_extension_level(c.extension_level) or c.extension_level
        ),
    }
    return render(request, "complaints/detail.html", context)


def _back(pk):
    return redirect("complaints:complaint-detail", pk)


@require_POST
@requires(VIEW)  # which transitions the user may make is the workflow table's business
def transition(request, pk):
    access_complaint(request.user, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; nothing was changed."))
        return _back(pk)
    data = dict(form.cleaned_data)
    to_state = data.pop("to_state")
    with refusal_in_messages(request, SERVICE_REFUSALS):
        services.complaint_transition(request.user, pk, to_state, **data)
        messages.success(
            request, _("Status changed to “%(state)s”.") % {"state": State(to_state).label}
        )
    return _back(pk)


def _simple(request, pk, form_class, service, success):
    """A clock or extension action: `form_class`'s fields are `service`'s keyword arguments
    after (acting user, complaint id); the refusal or `success` is shown on the complaint."""
    access_complaint(request.user, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; nothing was changed."))
        return _back(pk)
    with refusal_in_messages(request, SERVICE_REFUSALS):
        service(request.user, pk, **form.cleaned_data)
        messages.success(request, success)
    return _back(pk)


@require_POST
@requires("complaints.request_extension")
def extension(request, pk):
    return _simple(
        request,
        pk,
        ExtensionForm,
        services.complaint_request_extension,
        _("Extension requested; a second person must approve it."),
    )


@require_POST
@requires("complaints.withdraw_complaint")
def withdrawal(request, pk):
    return _simple(
        request,
        pk,
        WithdrawalRequestForm,
        services.complaint_request_withdrawal,
        _("Withdrawal requested; compliance must confirm it."),
    )


@requires("complaints.handle_complaint")
def named_staff(request, pk):
    """Which staff the complaint's allegation names (they cannot withdraw it)."""
    c = access_complaint(request.user, pk)
    if request.method == "POST":
        form = NamedStaffForm(request.POST)
        if form.is_valid():
            with refusal_on_form(form):
                services.complaint_set_named_staff(
                    request.user, pk, staff=form.cleaned_data["staff"]
                )
                messages.success(request, _("Staff named in the complaint saved."))
                return _back(pk)
    else:
        form = NamedStaffForm(initial={"staff": selectors.complaint_named_staff_ids(c)})
    return render(request, "complaints/named_staff.html", {"c": c, "form": form})


@require_POST
@requires("complaints.change_sla_profile")
def profile(request, pk):
    return _simple(
        request,
        pk,
        ProfileForm,
        services.complaint_change_profile,
        _("The SLA profile is changed; the deadlines follow the new profile."),
    )


@require_POST
@requires("complaints.handle_complaint")
def pause(request, pk):
    return _simple(
        request, pk, PauseForm, services.complaint_pause_clock, _("The clock is stopped.")
    )


@require_POST
@requires("complaints.handle_complaint")
def resume(request, pk):
    return _simple(
        request, pk, ResumeForm, services.complaint_resume_clock, _("The clock runs again.")
    )


@require_POST
@requires("complaints.handle_complaint")
def new_facts(request, pk):
    return _simple(
        request,
        pk,
        NewFactsForm,
        services.complaint_record_new_facts,
        _("New facts recorded; the period starts again."),
    )


@require_POST
@requires("complaints.assign_complaint")
def assign_one(request, pk):
    access_complaint(request.user, pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose a handler."))
        return _back(pk)
    with refusal_in_messages(request, SERVICE_REFUSALS):
        services.complaints_assign(
            request.user, [pk], form.cleaned_data["handler"], note=form.cleaned_data["note"]
        )
        messages.success(request, _("Handler assigned."))
    return _back(pk)


@require_POST
@requires("complaints.add_complaint")
def attach(request, pk):
    access_complaint(request.user, pk)
    upload = request.FILES.get("file")
    if not upload:
        messages.error(request, _("Please choose a file."))
    elif upload.size > 10 * 1024 * 1024:
        messages.error(request, _("A document may be at most 10 MB."))
    else:
        with refusal_in_messages(request, PermissionDenied):
            services.complaint_attach(request.user, pk, upload)
            messages.success(request, _("Document added."))
    return _back(pk)


@requires(VIEW)
def contact_reveal(request, pk):
    """htmx: GET asks for a purpose; POST shows the complainant's contact in this response only."""
    c = access_complaint(request.user, pk)
    return reveal_response(
        request,
        target="complainant-contact",
        url=reverse("complaints:complaint-contact-reveal", args=[c.pk]),
        reveal=lambda purpose: services.complaint_reveal_contact(
            request.user, c.pk, purpose=purpose
        ),
    )


@requires(VIEW)
def attachment(request, pk, attachment_pk):
    att = access_attachment(request.user, pk, attachment_pk)
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name)


@requires(VIEW)
def notice_print(request, pk, notice_pk):
    notice = access_notice(request.user, pk, notice_pk)
    return render(
        request, "complaints/notice_print.html", {"c": notice.complaint, "notice": notice}
    )


# ---- intake -------------------------------------------------------------------------------------


DUPLICATE_MATCH_FIELDS = (
    "complainant_name",
    "complainant_contact",
    "business_category",
    "cause",
    "product",
    "received_at",
)


def _intake(request, *, intake, customer=None, template_title=""):
    form = IntakeForm(
        request.POST or None,
        request.FILES or None,
        customer=customer,
        regulator=intake == Intake.REGULATOR,
    )
    duplicates = []
    linked = customer
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        number = (request.POST.get("customer_number") or "").strip().upper()
        if customer is None and number:
            linked = selectors.intake_customer_by_number(request.user, number)
            if linked is None:
                form.add_error(None, _("No customer with this number in your book."))
        if not form.errors:
            anonymous = d.get("is_anonymous", False) and linked is None
            # What a duplicate is matched on; the complaint is logged with the same values.
            matched = {key: d[key] for key in DUPLICATE_MATCH_FIELDS}
            duplicates = (
                selectors.complaint_duplicates(request.user, customer=linked, **matched)
                if not anonymous
                else []
            )
            if duplicates and not d["confirm_new"]:
                form.add_error(
                    None,
                    _(
                        "Similar complaints were logged recently. Open one of them, or confirm that this one is new."
                    ),
                )
            else:
                with refusal_on_form(form):
                    c = services.complaint_log(
                        request.user,
                        intake=intake,
                        customer=linked,
                        is_anonymous=anonymous,
                        **matched,
                        channel=d["channel"],
                        demands=d["demands"],
                        facts=d["facts"],
                        regulator_reference=d.get("regulator_reference", ""),
                        files=d["files"],
                    )
                    messages.success(
                        request,
                        _("Complaint %(ref)s logged; decision due by %(due)s.")
                        % {"ref": c.reference, "due": c.decision_due},
                    )
                    return redirect("complaints:complaint-detail", c.pk)
    return render(
        request,
        "complaints/intake.html",
        {
            "form": form,
            "customer": customer,
            "intake": intake,
            "title": template_title,
            "duplicates": duplicates,
            "customer_number": request.POST.get("customer_number", ""),
        },
    )


@requires("complaints.add_complaint")
def intake_customer(request, customer_pk):
    customer = access_customer(request.user, customer_pk)
    return _intake(
        request, intake=Intake.CUSTOMER_PAGE, customer=customer, template_title=_("Log a complaint")
    )


@requires("complaints.add_complaint")
def intake_counter(request):
    return _intake(
        request, intake=Intake.COUNTER, template_title=_("Log a complaint at the counter")
    )


@requires("complaints.add_complaint", "complaints.log_regulator_complaint")
def intake_regulator(request):
    return _intake(
        request, intake=Intake.REGULATOR, template_title=_("Log a regulator-forwarded complaint")
    )


@requires(VIEW)
def customer_panel(request, customer_pk):
    """customer_360 panel: the customer's complaints with status and deadline."""
    customer = access_customer(request.user, customer_pk)
    items = selectors.customer_complaints(request.user, customer)
    today = timezone.localdate()
    for c in items:
        _mark_left(c, today)
    return render(
        request,
        "complaints/_customer_panel.html",
        {
            "customer": customer,
            "items": items,
            "can_log": request.user.has_perm("complaints.add_complaint"),
        },
    )


# ---- statistics ---------------------------------------------------------------------------------


def _period(request):
    form = StatsForm(request.GET or None)
    today = timezone.localdate()
    # The last twelve months, this one included (a fixed day count gave 13 in some months).
    start, end = add_months(today.replace(day=1), -11), today
    if form.is_bound and form.is_valid():
        start = form.cleaned_data.get("start") or start
        end = form.cleaned_data.get("end") or end
    return form, start, end


@requires(STATS)
def stats(request):
    form, start, end = _period(request)
    data = selectors.statistics(request.user, start, end)
    g = data["groups"]
    chart_options = {
        "chart-months": charts.months_chart(g["month"], start, end),
        "chart-category": charts.bar(_("By business category"), g["business_category"][:12]),
        "chart-cause": charts.bar(_("By cause"), g["cause"][:12]),
        "chart-channel": charts.bar(_("By channel"), g["channel"][:12]),
    }
    return render(
        request,
        "complaints/stats.html",
        {
            "form": form,
            "data": data,
            "charts": chart_options,
            "tables": [
                (key, title, g[key])
                for key, title in (
                    ("business_category", _("Business category")),
                    ("cause", _("Cause")),
                    ("channel", pgettext("complaint", "Channel")),
                    ("branch", _("Branch")),
                    ("product", _("Product")),
                    ("month", _("Month")),
                )
            ],
            "query": request.GET.urlencode(),
        },
    )


@requires(STATS)
def stats_export(request):
    _form, start, end = _period(request)
    content = services.complaints_statistics_export(request.user, start=start, end=end)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="complaints_{start:%Y%m%d}_{end:%Y%m%d}.xlsx"'
    )
    return response


@requires(STATS)
def stats_json(request):
    """The statistics as JSON (for dashboards and refreshes)."""
    _form, start, end = _period(request)
    data = selectors.statistics(request.user, start, end)
    return HttpResponse(
        json.dumps(data, default=str, ensure_ascii=False), content_type="application/json"
    )
