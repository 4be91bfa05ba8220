"""Pipeline board, prospects and the customer lifecycle panel."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.accounts.access import Scope, scope_of
from crm.accounts.permissions import requires
from crm.core.access import NotFound
from crm.core.recent import recent_record
from crm.core.reveal import REVEAL_PERMISSION
from crm.ui.bulk import bulk_context
from crm.ui.forms import (
    refusal_in_messages,
    refusal_on_form,
    service_error_text,
)
from crm.ui.reveal import reveal_response
from customers.records.access import access_customer
from customers.sales import selectors
from customers.sales.access import access_prospect
from customers.sales.forms import MoveForm, NextStepForm, ProspectForm
from customers.sales.lists import BOARD
from customers.sales.models import LifecycleStage
from customers.sales.services import pipeline
from customers.sales.workflows import LIFECYCLE_FLOW, PROSPECT_FLOW, moves_from


def _board_filters(user, params):
    """owner / team filters, each within the user's scope (else NotFound: 404)."""
    owner = selectors.board_owner(user, params["owner"]) if params.get("owner") else None
    team = selectors.board_team(user, params["team"]) if params.get("team") else None
    if owner is None and team is None and scope_of(user) <= Scope.OWN:
        owner = user
    return owner, team


def _board(user, params) -> dict:
    """The board for the owner / team filters in `params`, with the chosen owner and team and
    each card's links (reversed once per board rather than per card)."""
    owner, team = _board_filters(user, params)
    data = selectors.pipeline_board(user, owner=owner, team=team)
    detail = reverse("customers:prospect-detail", args=[0])
    move = reverse("customers:prospect-move", args=[0])
    for column in data["columns"]:
        for card in column["cards"]:
            pk = str(card["prospect"].pk)
            card["url"] = detail.replace("/0/", f"/{pk}/")
            card["move_url"] = move.replace("/0/", f"/{pk}/")
    return {**data, "owner": owner, "team": team}


@requires("customers.view_prospect")
def board(request):
    context = {
        **_board(request.user, request.GET),
        "can_write": request.user.has_perm("customers.change_prospect"),
        "filter_query": request.GET.urlencode(),
        "can_choose": scope_of(request.user) >= Scope.TEAM,
        "bulk": bulk_context(request, BOARD),
        "list_key": BOARD,
    }
    if request.htmx:
        return render(request, "customers/sales/_board.html", context)
    return render(request, "customers/sales/board.html", context)


@requires("customers.view_prospect")
def board_filters(request):
    """htmx fragment for leads and branch heads: choose an RM or a team (kept out of the
    board's own query budget)."""
    if scope_of(request.user) < Scope.TEAM:
        raise NotFound
    return render(
        request,
        "customers/sales/_board_filters.html",
        {
            **selectors.board_filter_choices(request.user),
            "owner": request.GET.get("owner", ""),
            "team": request.GET.get("team", ""),
        },
    )


@requires("customers.add_prospect")
def prospect_create(request):
    form = ProspectForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with refusal_on_form(form):
            # The valid ModelForm has filled its instance; the service saves it.
            prospect = pipeline.prospect_create(request.user, form.instance)
            messages.success(request, _("Prospect created."))
            return redirect("customers:prospect-detail", pk=prospect.pk)
    return render(request, "customers/sales/prospect_form.html", {"form": form})


@requires("customers.view_prospect")
def prospect_contact_reveal(request, pk):
    """htmx: GET asks for a purpose; POST shows the contact details in this response only."""
    prospect = access_prospect(request.user, pk)
    return reveal_response(
        request,
        target="prospect-contact",
        url=reverse("customers:prospect-contact-reveal", args=[prospect.pk]),
        reveal=lambda purpose: pipeline.prospect_reveal_contact(
            request.user, prospect.pk, purpose=purpose
        ),
    )


@requires("customers.view_prospect")
def prospect_detail(request, pk):
    prospect = access_prospect(request.user, pk)
    recent_record(request.user, "prospect", prospect.pk)
    return render(
        request,
        "customers/sales/prospect_detail.html",
        {
            "prospect": prospect,
            "can_reveal_contact": request.user.has_perm(REVEAL_PERMISSION),
            "events": selectors.prospect_events(prospect),
            "moves": moves_from(PROSPECT_FLOW, prospect.stage),
            "next_form": NextStepForm(
                initial={"next_step": prospect.next_step, "next_step_on": prospect.next_step_on}
            ),
            "can_write": request.user.has_perm("customers.change_prospect"),
        },
    )


@require_POST
@requires("customers.change_prospect")
def prospect_next_step(request, pk):
    prospect = access_prospect(request.user, pk)
    form = NextStepForm(request.POST)
    if form.is_valid():
        pipeline.prospect_set_next_step(
            request.user,
            prospect,
            next_step=form.cleaned_data["next_step"],
            due=form.cleaned_data["next_step_on"],
        )
        messages.success(request, _("Next step saved."))
    else:
        messages.error(request, _("Please check the next step."))
    return redirect("customers:prospect-detail", pk=pk)


@require_POST
@requires("customers.change_prospect")
def prospect_move(request, pk):
    prospect = access_prospect(request.user, pk)
    form = MoveForm(request.POST)
    error = None
    if not form.is_valid():
        error = _("Please check the amount.")
    else:
        data = form.cleaned_data
        try:
            pipeline.prospect_move(
                request.user,
                prospect,
                data["to"],
                reason=data["reason"],
                customer_number=data["customer_number"],
                aum_raised=data["aum_raised"],
            )
        except ValidationError as exc:
            error = service_error_text(exc)
    if request.htmx and request.POST.get("from") == "board":
        if error:
            messages.error(request, error)
        # The board's owner/team filters travel with the form.
        # The cards keep their bulk checkboxes (this view already required change_prospect).
        context = {
            **_board(request.user, request.POST),
            "can_write": True,
            "error": error,
            "bulk": True,
        }
        return render(request, "customers/sales/_board.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Stage changed."))
    return redirect("customers:prospect-detail", pk=pk)


@require_POST
@requires("customers.change_customer")
def customer_move(request, pk):
    customer = access_customer(request.user, pk)
    with refusal_in_messages(request):
        pipeline.lifecycle_move(
            request.user,
            customer,
            request.POST.get("to", ""),
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("Stage changed."))
    return redirect("customers:customer-detail", pk=pk)


@requires("customers.view_customer")
def lifecycle_panel(request, pk):
    customer = access_customer(request.user, pk)
    stage = selectors.customer_stage(customer)
    return render(
        request,
        "customers/sales/_lifecycle_panel.html",
        {
            "customer": customer,
            "stage": stage,
            "stage_label": LifecycleStage(stage).label,
            "events": selectors.history_of_customer(customer)[-8:],
            "moves": moves_from(LIFECYCLE_FLOW, stage),
            "statements": selectors.customer_statements(customer),
            "can_write": request.user.has_perm("customers.change_customer"),
        },
    )


@requires("customers.view_prospect")
def pipeline_home_panel(request):
    board_data = selectors.pipeline_board(request.user, owner=request.user)
    return render(request, "customers/sales/_home_panel.html", board_data)
