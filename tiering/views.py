"""Tiering pages: the 360 panel, override proposals, reports with charts, policies, what-if."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.accounts.access import is_read_only
from crm.audit.services import record
from customers.records.models import Customer

from . import selectors, services
from .forms import AsOfForm, OverrideForm, PolicyForm
from .labels import SEGMENT_LABELS, VIP_LABELS, class_label
from .models import TierPolicy, TierRun


def _need(user, perm: str, *, write: bool = False) -> None:
    if not user.has_perm(perm) or (write and is_read_only(user)):
        raise PermissionDenied


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
    can_propose = not is_read_only(request.user) and request.user.has_perm(
        "tiering.propose_override"
    )
    open_override = next(
        (
            o
            for o in data["overrides"]
            if o.status == "approved"
            or (o.status == "pending" and (o.approval is None or o.approval.status == "pending"))
        ),
        None,
    )
    return {
        **data,
        "latest": latest,
        "policy": policy,
        "a_pct": policy.a_share * 100 if policy else None,
        "b_pct": policy.b_share * 100 if policy else None,
        "share_pct": latest.cumulative_share * 100 if latest else None,
        "a_line": policy.a_share * latest.run.total_contribution if latest else None,
        "b_line": policy.b_share * latest.run.total_contribution if latest else None,
        "open_override": open_override,
        "can_propose": can_propose and open_override is None,
        "form": form or OverrideForm(max_days=policy.override_days if policy else 180),
    }


def panel(request, pk):
    _need(request.user, "tiering.view_tierassignment")
    return render(request, "tiering/_panel.html", _panel_context(request, pk))


@require_POST
def propose_override(request, pk):
    _need(request.user, "tiering.propose_override", write=True)
    context = _panel_context(request, pk)
    customer = context["customer"]
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            services.propose_override(
                request.user,
                customer,
                tier=form.cleaned_data["tier"],
                vip_level=form.cleaned_data["vip_level"],
                reason=form.cleaned_data["reason"],
                expires_on=form.cleaned_data["expires_on"],
            )
        except Customer.DoesNotExist:
            raise Http404 from None
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
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
        try:
            return selectors.run_for(int(pk), kind=TierRun.Kind.LIVE)
        except TierRun.DoesNotExist:
            raise Http404 from None
    return selectors.latest_live_run()


def _report_data(user, run: TierRun, to: str = "applied_class") -> dict:
    distribution = selectors.class_distribution(user, run, to)
    moves = selectors.movement(user, run, to)
    cells = selectors.segment_matrix(user, run, to)
    froms = [c for c in ("A", "B", "C", "") if any(k[0] == c for k in moves)]
    movement_rows = [
        {
            "from": f or "—",
            "cells": [moves.get((f, t), 0) for t in selectors.CLASSES],
        }
        for f in froms
    ]
    segment_rows = [
        {
            "segment": str(SEGMENT_LABELS[s]),
            "cells": [cells.get((s, c), {"n": 0, "avg": 0, "total": 0}) for c in selectors.CLASSES],
        }
        for s in selectors.SEGMENTS
    ]
    return {
        "distribution": distribution,
        "movement_rows": movement_rows,
        "segment_rows": segment_rows,
    }


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


def reports(request):
    _need(request.user, "tiering.view_tierrun")
    run = _pick_run(request)
    context = {"run": run, "runs": selectors.run_history()}
    if run is not None:
        data = _report_data(request.user, run)
        context.update(data)
        context["charts"] = _charts(data)
    return render(request, "tiering/reports.html", context)


def export_xlsx(request):
    _need(request.user, "tiering.view_tierrun")
    run = _pick_run(request)
    if run is None:
        raise Http404
    from openpyxl import Workbook

    data = _report_data(request.user, run)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Classes")[:31]
    sheet.append([_("Class"), _("Customers"), _("Contribution"), _("Share of contribution")])
    for d in data["distribution"]:
        sheet.append([d["class"], d["customers"], float(d["contribution"]), float(d["share"])])
    sheet = book.create_sheet(_("Movement")[:31])
    sheet.append([_("from / to"), *selectors.CLASSES])
    for row in data["movement_rows"]:
        sheet.append([row["from"], *row["cells"]])
    sheet = book.create_sheet(_("Segments")[:31])
    sheet.append(
        [_("Capital segment")]
        + [f"{c} {_('customers')}" for c in selectors.CLASSES]
        + [f"{c} {_('average contribution')}" for c in selectors.CLASSES]
    )
    for row in data["segment_rows"]:
        sheet.append(
            [row["segment"]]
            + [cell["n"] for cell in row["cells"]]
            + [round(float(cell["avg"]), 2) for cell in row["cells"]]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    record(
        request.user,
        "tiering.report_exported",
        run,
        after={"as_of": run.as_of.isoformat(), "format": "xlsx"},
    )
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="tiering-{run.as_of}.xlsx"'
    return response


# ---- policies and what-if -------------------------------------------------------------------


def policy_list(request):
    _need(request.user, "tiering.change_tierpolicy")
    published = services.published_policy()
    form = PolicyForm(request.POST or None, initial=_policy_initial(published))
    if request.method == "POST":
        _need(request.user, "tiering.add_tierpolicy", write=True)
        if form.is_valid():
            try:
                draft = services.create_draft(request.user, None, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("Draft v%(v)s saved.") % {"v": draft.version})
                return redirect("tiering:policies")
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
def policy_publish(request, pk):
    _need(request.user, "tiering.publish_tierpolicy", write=True)
    policy = get_object_or_404(TierPolicy, pk=pk)
    try:
        services.publish_policy(request.user, policy)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Policy v%(v)s published.") % {"v": policy.version})
    return redirect("tiering:policies")


def policy_whatif(request, pk):
    _need(request.user, "tiering.change_tierpolicy")
    policy = get_object_or_404(TierPolicy, pk=pk)
    form = AsOfForm(request.POST or None)
    run = (
        TierRun.objects.filter(kind=TierRun.Kind.WHAT_IF, policy=policy)
        .order_by("-started_at")
        .first()
    )
    if request.method == "POST":
        _need(request.user, "tiering.change_tierpolicy", write=True)
        if form.is_valid():
            run = services.what_if(
                policy, form.cleaned_data["as_of"] or timezone.localdate(), acting_user=request.user
            )
            messages.success(
                request, _("What-if computed for %(n)s customers.") % {"n": run.customers}
            )
            return redirect("tiering:whatif", pk=policy.pk)
    context = {"policy": policy, "form": form, "run": run}
    if run is not None:
        # The rules' classes (before grace): what the draft would do once downgrades take effect.
        data = _report_data(request.user, run, "computed_class")
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
