"""The customer 360 panel: timeline, open tasks and cadence; logging and editing contacts
and visits; manual follow-ups."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.accounts.permissions import requires
from crm.ui.forms import (
    add_service_error,
    message_service_error,
    refusal_on_form,
    service_error_text,
)
from customers.contacts import cadence
from customers.contacts import selectors as fs
from customers.contacts import services as services
from customers.contacts.access import access_interaction, access_task
from customers.contacts.forms import InteractionForm, ManualTaskForm
from customers.contacts.views.common import fragment, safe_next
from customers.records.access import access_customer
from customers.records.models import FollowUpReason

# ---- customer 360 panel ---------------------------------------------------------------------


def _panel_context(request, customer, form=None, task=None):
    return {
        "customer": customer,
        "timeline": fs.timeline_of(customer),
        "open_tasks": fs.open_tasks_of(customer),
        "cadence": cadence.customer_cadence_status(customer),
        "can_log": request.user.has_perm("customers.add_interaction"),
        "can_add_task": request.user.has_perm("customers.add_followuptask"),
        "form": form,
        "task": task,
        "today": timezone.localdate(),
        "edit_cutoff": timezone.now() - services.edit_window(),
        "user_id": request.user.pk,
    }


@requires("customers.view_interaction")
def customer_panel(request, pk):
    """Timeline, open tasks and cadence of one customer (slot "customer_360", htmx)."""
    customer = access_customer(request.user, pk)
    return render(request, "customers/followups/_panel_360.html", _panel_context(request, customer))


@require_POST
@requires("customers.add_followuptask")
def task_new(request, pk):
    """Add a manual follow-up from the 360 panel (htmx); the panel comes back refreshed."""
    customer = access_customer(request.user, pk)
    form = ManualTaskForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.task_create(
                request.user,
                customer,
                title=form.cleaned_data["title"],
                due_on=form.cleaned_data["due_on"],
            )
        except ValidationError as exc:
            error = service_error_text(exc)
    else:
        error = _("Please give the task a title and a due date.")
    context = _panel_context(request, customer)
    context["task_error"] = error
    return fragment(request, "customers/followups/_panel_360.html", context)


def _task_from_query(request, customer):
    raw = request.POST.get("task") or request.GET.get("task")
    return access_task(request.user, raw, customer=customer) if raw else None


@requires("customers.add_interaction")
def interaction_new(request, pk):
    """Log a contact or visit: inline on the 360 page (htmx) or as a page from a task."""
    customer = access_customer(request.user, pk)
    task = _task_from_query(request, customer)
    form = InteractionForm(
        request.POST or None, request.FILES or None, user=request.user, customer=customer
    )
    if task and not form.is_bound:
        form.initial["purpose"] = _purpose_for(task)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusal_on_form(form):
            services.interaction_log(
                request.user,
                customer,
                staff=data["staff"],
                contacts=data.get("contacts") or [],
                other_participants=data["other_participants"],
                attachment=data["attachment"],
                **{f: data[f] for f in services.EDITABLE},
                task=task,
            )
            if request.htmx:
                return fragment(
                    request,
                    "customers/followups/_panel_360.html",
                    _panel_context(request, customer),
                )
            messages.success(request, _("Contact logged."))
            return redirect(
                safe_next(request, reverse("customers:customer-detail", args=[customer.pk]))
            )
    context = {"customer": customer, "form": form, "task": task, "next": safe_next(request, "")}
    if request.htmx:
        response = fragment(request, "customers/followups/_interaction_form.html", context)
        if form.is_bound:
            # Errors: show the form again in its slot instead of replacing the whole panel.
            response["HX-Retarget"] = "#interaction-form-slot"
            response["HX-Reswap"] = "innerHTML"
        return response
    return render(
        request,
        "customers/followups/interaction_form.html",
        context,
        status=400 if form.is_bound else 200,
    )


def _purpose_for(task) -> str:
    return {
        FollowUpReason.MATURITY: "maturity",
        FollowUpReason.KYC_RENEWAL: "kyc",
        FollowUpReason.COMPLAINT_SATISFACTION: "complaint",
        FollowUpReason.RISK_WARNING: "risk",
        FollowUpReason.BIRTHDAY: "care",
    }.get(task.reason, "service")


# Whether this user may change this interaction (its author, within the edit window) is the
# service's rule; anyone who reads interactions gets its message instead of a bare 403.
@requires("customers.view_interaction")
def interaction_edit(request, pk):
    interaction = access_interaction(request.user, pk)
    customer = interaction.customer
    if not services.interaction_editable(request.user, interaction):
        message_service_error(request, services.edit_refused())
        return redirect("customers:customer-detail", customer.pk)
    if request.method == "POST":
        form = InteractionForm(request.POST, user=request.user, customer=customer)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.interaction_edit(
                    request.user,
                    interaction,
                    staff=data["staff"],
                    contacts=data.get("contacts") if "contacts" in form.fields else None,
                    **{f: data[f] for f in services.EDITABLE},
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            except PermissionDenied as exc:
                message_service_error(request, exc)
                return redirect("customers:customer-detail", customer.pk)
            else:
                messages.success(request, _("Contact updated."))
                return redirect("customers:customer-detail", customer.pk)
    else:
        form = InteractionForm.for_instance(interaction, user=request.user, customer=customer)
    return render(
        request,
        "customers/followups/interaction_form.html",
        {"customer": customer, "form": form, "interaction": interaction, "next": ""},
        status=400 if request.method == "POST" else 200,
    )
