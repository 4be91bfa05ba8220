"""Handover of a departing RM's book: plans, assignment, completion, the staff panel."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.accounts.permissions import requires
from crm.core.access import parse_id
from crm.ui.forms import refusal_in_messages, refusal_on_form
from crm.ui.pagination import keyset_page
from customers.sales import selectors
from customers.sales.access import access_handover_plan
from customers.sales.forms import HandoverAssignForm, HandoverStartForm
from customers.sales.services import handover


@requires(handover.PERM)
def handover_list(request):
    plans = selectors.handover_plan_list(request.user)
    return render(request, "customers/sales/handover_list.html", {"plans": plans})


@requires(handover.PERM)
def handover_start(request):
    initial = {}
    if request.GET.get("departing"):
        initial["departing"] = parse_id(request.GET["departing"])
    form = HandoverStartForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusal_on_form(form):
            plan = handover.handover_start(
                request.user,
                data["departing"],
                data["default_successor"],
                reason=data["reason"],
                note=data["note"],
            )
            messages.success(request, _("Handover plan created."))
            return redirect("customers:handover-detail", pk=plan.pk)
    return render(request, "customers/sales/handover_start.html", {"form": form})


@requires(handover.PERM)
def handover_detail(request, pk):
    plan = access_handover_plan(request.user, pk)
    if request.method == "POST":
        form = HandoverAssignForm(request.POST, user=request.user)
        if form.is_valid():
            with refusal_in_messages(request):
                n = handover.handover_assign(
                    request.user,
                    plan,
                    request.POST.getlist("customer"),
                    form.cleaned_data["successor"],
                    note=form.cleaned_data["note"],
                )
                messages.success(request, _("%(n)d customers updated.") % {"n": n})
        else:
            messages.error(request, _("Please choose a valid successor."))
        return redirect(request.get_full_path())
    items = keyset_page(
        selectors.handover_items(plan),
        ["customer__number", "pk"],
        request.GET.get("after"),
        selectors.list_page_size(),
    )
    return render(
        request,
        "customers/sales/handover_detail.html",
        {
            "plan": plan,
            "items": items,
            "counts": selectors.successor_counts(plan),
            "left": selectors.leftovers(plan.departing)
            if plan.status == plan.Status.DRAFT
            else None,
            "form": HandoverAssignForm(user=request.user),
        },
    )


@require_POST
@requires(handover.PERM)
def handover_complete(request, pk):
    plan = access_handover_plan(request.user, pk)
    with refusal_in_messages(request):
        done = handover.handover_complete(request.user, plan)
        messages.success(
            request,
            _("Handover completed: %(n)d customers moved.") % {"n": done.summary["customers"]},
        )
    return redirect("customers:handover-detail", pk=pk)


@require_POST
@requires(handover.PERM)
def handover_cancel(request, pk):
    plan = access_handover_plan(request.user, pk)
    with refusal_in_messages(request):
        handover.handover_cancel(request.user, plan)
        messages.success(request, _("Handover plan cancelled."))
    return redirect("customers:handover-list")


@requires(handover.PERM)
def handover_panel(request, pk):
    """The "staff_detail" panel: the person's open plan, or a "start handover" button."""
    person = selectors.handover_person(request.user, pk)
    return render(
        request,
        "customers/sales/_handover_panel.html",
        {
            "person": person,
            "plan": selectors.handover_plan_of(request.user, person),
            "left": selectors.leftovers(person),
        },
    )
