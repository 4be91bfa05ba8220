"""Tiering pages: the 360 panel, override proposals, reports with charts, policies, what-if."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.accounts.permissions import require, requires
from crm.ui.forms import refusal_in_messages, refusal_on_form

from . import selectors, services, what_if
from .access import access_policy, access_run
from .forms import AsOfForm, OverrideForm, PolicyForm
from .labels import SEGMENT_LABELS, VIP_LABELS, class_label
from .models import TierPolicy, TierRun

# ---- 360 panel ------------------------------------------------------------------------------


def _panel_context(request, pk, form=None) -> dict:
    data = selectors.panel(request.user, pk)
    for row in data["history"]:
        row.vip_label = VIP_LABELS.get(row.vip_level, row.vip_level)
        row.computed_vip_label = VIP_LABELS.get(row.computed_vip, row.computed_vip)
        row.segment_label = SEGMENT_LABELS.get(row.capital_segment, row.capital_segment)
    for override in data["overrides"]:
        override.vip_label = VIP_LABELS.get(override.vip_level, "")
    customer = data["customer"]
    data["tier_label"] = class_label(customer.tier)
    data["vip_label"] = VIP_LABELS.get(customer.vip_level, customer.vip_level)
    latest = data["history"][0] if data["history"] else None
    policy = latest.run.policy if latest else None
    can_propose = request.user.has_perm("tiering.propose_override")
    return {
        **data,
        "latest": latest,
        "policy": policy,
        "a_pct": policy.a_share * 100 if policy else None,
        "b_pct": policy.b_share * 100 if policy else None,
        "share_pct": latest.cumulative_share * 100 if latest else None,
        "a_line": policy.a_share * latest.run.total_contribution if latest else None,
        "b_line": policy.b_share * latest.run.total_contribution if latest else None,
        "can_propose": can_propose and data["open_override"] is None,
        "form": form or OverrideForm(max_days=policy.override_days if policy else 180),
    }


@requires("tiering.view_tierassignment")
def panel(request, pk):
    return render(request, "tiering/_panel.html", _panel_context(request, pk))


@require_POST
@requires("tiering.propose_override")
def propose_override(request, pk):
    context = _panel_context(request, pk)
    customer = context["customer"]
    form = OverrideForm(request.POST)
    if form.is_valid():
        with refusal_on_form(form):
            services.override_propose(
                request.user,
                customer,
                tier=form.cleaned_data["tier"],
                vip_level=form.cleaned_data["vip_level"],
                reason=form.cleaned_data["reason"],
                expires_on=form.cleaned_data["expires_on"],
            )
            context = _panel_context(request, pk)
            context["proposed"] = True
            return render(request, "tiering/_panel.html", context)
    context["form"] = form
    context["show_form"] = True
    return render(request, "tiering/_panel.html", context)


# ---- reports --------------------------------------------------------------------------------


def _pick_run(request) -> TierRun | None:
    pk = request.GET.get("run")
    if pk and pk.isdigit():
        return access_run(request.user, pk, kind=TierRun.Kind.LIVE)
    return selectors.latest_live_run()


def _charts(data: dict) -> dict:
    labels = [str(class_label(d["class"])) for d in data["distribution"]]
    customers_total = sum(d["customers"] for d in data["distribution"]) or 1
    distribution = {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [_("Share of customers"), _("Share of contribution")]},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "series": [
            {
                "name": _("Share of customers"),
                "type": "bar",
                "data": [
                    round(d["customers"] * 100 / customers_total, 1) for d in data["distribution"]
                ],
            },
            {
                "name": _("Share of contribution"),
                "type": "bar",
                "data": [round(float(d["share"]) * 100, 1) for d in data["distribution"]],
            },
        ],
    }
    heat = []
    for y, row in enumerate(data["movement_rows"]):
        for x, n in enumerate(row["cells"]):
            heat.append([x, y, n])
    movement = {
        "tooltip": {"position": "top"},
        "xAxis": {"type": "category", "data": list(selectors.CLASSES), "name": _("to")},
        "yAxis": {
            "type": "category",
            "data": [r["from"] for r in data["movement_rows"]],
            "name": _("from"),
        },
        "visualMap": {
            "min": 0,
            "max": max([h[2] for h in heat] or [1]),
            "calculable": True,
            "orient": "horizontal",
            "left": "center",
            "bottom": 0,
        },
        "grid": {"bottom": 70},
        "series": [{"type": "heatmap", "data": heat, "label": {"show": True}}],
    }
    segments = {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": list(selectors.CLASSES)},
        "xAxis": {"type": "category", "data": [r["segment"] for r in data["segment_rows"]]},
        "yAxis": {"type": "value", "name": _("Average contribution")},
        "series": [
            {
                "name": cls,
                "type": "bar",
                "data": [round(float(r["cells"][i]["avg"]), 2) for r in data["segment_rows"]],
            }
            for i, cls in enumerate(selectors.CLASSES)
        ],
    }
    return {"distribution": distribution, "movement": movement, "segments": segments}


@requires("tiering.view_tierrun")
def reports(request):
    run = _pick_run(request)
    context = {"run": run, "runs": selectors.run_history()}
    if run is not None:
        data = selectors.report(request.user, run)
        context.update(data)
        context["charts"] = _charts(data)
    return render(request, "tiering/reports.html", context)


@requires("tiering.view_tierrun")
def export_xlsx(request):
    run = _pick_run(request)
    if run is None:
        raise Http404
    content = services.report_export(request.user, run, selectors.report(request.user, run))
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="tiering-{run.as_of}.xlsx"'
    return response


# ---- policies and what-if -------------------------------------------------------------------


@requires("tiering.change_tierpolicy")
def policy_list(request):
    published = selectors.published_policy()
    form = PolicyForm(request.POST or None, initial=_policy_initial(published))
    if request.method == "POST":
        require(request.user, "tiering.add_tierpolicy")
        if form.is_valid():
            with refusal_on_form(form):
                draft = services.policy_draft(request.user, None, **form.cleaned_data)
                messages.success(request, _("Draft v%(v)s saved.") % {"v": draft.version})
                return redirect("tiering:policy-list")
    return render(
        request,
        "tiering/policies.html",
        {"policies": list(selectors.policies()[:50]), "form": form, "published": published},
    )


def _policy_initial(policy: TierPolicy | None) -> dict:
    if policy is None:
        return {}
    return {name: getattr(policy, name) for name in PolicyForm.Meta.fields}


@require_POST
@requires("tiering.publish_tierpolicy")
def policy_publish(request, pk):
    policy = access_policy(request.user, pk)
    with refusal_in_messages(request):
        services.policy_publish(request.user, policy)
        messages.success(request, _("Policy v%(v)s published.") % {"v": policy.version})
    return redirect("tiering:policy-list")


@requires("tiering.change_tierpolicy")
def policy_whatif(request, pk):
    policy = access_policy(request.user, pk)
    form = AsOfForm(request.POST or None)
    run = selectors.latest_what_if(policy)
    if request.method == "POST" and form.is_valid():
        what_if.what_if_later(
            request.user, policy, form.cleaned_data["as_of"] or timezone.localdate()
        )
        messages.success(
            request,
            _(
                "The what-if is being computed in the background; the bell tells you when it is done."
            ),
        )
        return redirect("tiering:policy-whatif", pk=policy.pk)
    job = what_if.what_if_job(request.user, policy)
    context = {"policy": policy, "form": form, "run": run, "job": job}
    if run is not None:
        # The rules' classes (before grace): what the draft would do once downgrades take effect.
        data = selectors.report(request.user, run, "computed_class")
        moved = sum(
            n
            for row in data["movement_rows"]
            for t, n in zip(selectors.CLASSES, row["cells"], strict=True)
            if row["from"] != t
        )
        context.update(data)
        context["charts"] = _charts(data)
        context["moved"] = moved
        context["samples"] = list(selectors.sample_movers(request.user, run, to="computed_class"))
    return render(request, "tiering/whatif.html", context)
