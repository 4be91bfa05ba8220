"""Marketing channels (evaluation) and activities (invitations, attendance, results)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.accounts.permissions import require, requires
from crm.ui.forms import refusal_in_messages, refusal_on_form
from crm.ui.pagination import keyset_page
from customers.records.filters import CustomerFilter
from customers.sales import selectors
from customers.sales.access import access_activity, access_channel, activities_for, channels_for
from customers.sales.forms import ActivityForm, EvaluationForm
from customers.sales.models import ActivityInvitation
from customers.sales.services import marketing


@requires("customers.view_channel")
def channel_list(request):
    channels = list(channels_for(request.user).select_related("branch"))
    results = selectors.channel_results(channels)
    latest = selectors.latest_evaluations(channels)
    rows = [
        {"channel": c, "results": results.get(c.pk, {}), "latest": latest.get(c.pk)}
        for c in channels
    ]
    return render(request, "customers/sales/channel_list.html", {"rows": rows})


@requires("customers.view_channel")
def channel_detail(request, pk):
    channel = access_channel(request.user, pk)
    form = EvaluationForm(request.POST or None)
    if request.method == "POST":
        require(request.user, "customers.add_channelevaluation")
        if form.is_valid():
            data = form.cleaned_data
            with refusal_on_form(form):
                marketing.channel_evaluate(
                    request.user,
                    channel,
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    scores={k: data[k] for k in marketing.EVALUATION_WEIGHTS},
                    comment=data["comment"],
                )
                messages.success(request, _("Evaluation saved."))
                return redirect("customers:channel-detail", pk=pk)
    return render(
        request,
        "customers/sales/channel_detail.html",
        {
            "channel": channel,
            "evaluations": selectors.channel_evaluations(channel),
            "results": selectors.channel_results([channel]).get(channel.pk, {}),
            "form": form,
        },
    )


@requires("customers.view_activity")
def activity_list(request):
    activities = list(
        activities_for(request.user).select_related("organiser", "channel", "branch")[:100]
    )
    results = selectors.activity_results(activities)
    rows = [{"activity": a, "results": results[a.pk]} for a in activities]
    return render(request, "customers/sales/activity_list.html", {"rows": rows})


@requires("customers.add_activity")
def activity_create(request):
    form = ActivityForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with refusal_on_form(form):
            # The valid ModelForm has filled its instance; the service saves it.
            activity = marketing.activity_create(request.user, form.instance)
            messages.success(request, _("Activity created."))
            return redirect("customers:activity-detail", pk=activity.pk)
    return render(request, "customers/sales/activity_form.html", {"form": form})


@requires("customers.view_activity")
def activity_detail(request, pk):
    activity = access_activity(request.user, pk)
    return render(
        request,
        "customers/sales/activity_detail.html",
        {
            "activity": activity,
            "invitations": selectors.activity_invitations(activity, request.user),
            "results": selectors.activity_results([activity])[activity.pk],
            "statuses": ActivityInvitation.Status.choices,
            "can_write": request.user.has_perm("customers.change_activityinvitation"),
        },
    )


@requires("customers.add_activityinvitation")
def activity_invite(request, pk):
    """A filtered list of the organiser's customers to choose invitees from."""
    activity = access_activity(request.user, pk)
    if activity.organiser_id == request.user.pk:
        activity.organiser = request.user  # one user object: its roles are loaded once
    if request.method == "POST":
        with refusal_in_messages(request):
            n = marketing.activity_invite(request.user, activity, request.POST.getlist("customer"))
            messages.success(request, _("%(n)d customers invited.") % {"n": n})
            return redirect("customers:activity-detail", pk=pk)
    base = selectors.invitable_customers(activity, request.user)
    filterset = CustomerFilter(request.GET or None, queryset=base, user=request.user)
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    page = keyset_page(
        selectors.invite_candidates(activity, qs), ["number", "pk"], request.GET.get("after"), 100
    )
    return render(
        request,
        "customers/sales/activity_invite.html",
        {"activity": activity, "filter": filterset, "page": page},
    )


@require_POST
@requires("customers.change_activityinvitation")
def activity_status(request, pk):
    activity = access_activity(request.user, pk)
    with refusal_in_messages(request):
        n = marketing.invitations_set_status(
            request.user, activity, request.POST.getlist("customer"), request.POST.get("status", "")
        )
        messages.success(request, _("%(n)d invitations updated.") % {"n": n})
    return redirect("customers:activity-detail", pk=pk)


@require_POST
@requires("customers.change_activity")
def activity_held(request, pk):
    activity = access_activity(request.user, pk)
    with refusal_in_messages(request):
        n = marketing.activity_mark_held(request.user, activity)
        messages.success(request, _("Activity held: %(n)d follow-up tasks created.") % {"n": n})
    return redirect("customers:activity-detail", pk=pk)
