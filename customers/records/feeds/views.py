"""The feed-run pages for operators: the list, a run with its error report, release / reject,
and starting the tier run a loaded feed calls for."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.accounts.permissions import requires
from crm.core.spreadsheets import table_response
from crm.ui.registry import TIER_RUN_FOR_FEED, TIER_RUN_START, provider

from . import selectors, services
from .models import FeedKind


@requires("customers.view_feedrun")
def feedrun_list(request):
    kind = request.GET.get("kind", "")
    if kind not in FeedKind.values:
        kind = ""
    page = selectors.feedrun_page(request.user, kind=kind, cursor=request.GET.get("after"))
    return render(
        request,
        "customers/feeds/feedrun_list.html",
        {"page": page, "kinds": FeedKind.choices, "kind": kind},
    )


@requires("customers.view_feedrun")
def feedrun_detail(request, pk):
    run = selectors.access_feedrun(request.user, pk)
    tier_run = None
    if run.state == run.State.LOADED and (find := provider(TIER_RUN_FOR_FEED)):
        tier_run = find(run.kind, run.business_date)
    return render(
        request,
        "customers/feeds/feedrun_detail.html",
        {
            "run": run,
            "errors": selectors.error_rows(run)[:200],
            "can_decide": request.user.has_perm(services.RELEASE_PERMISSION),
            "tier_run": tier_run,
            "can_start_tier_run": bool(tier_run) and request.user.has_perm(tier_run["permission"]),
        },
    )


@requires("customers.view_feedrun")
def feedrun_errors(request, pk):
    """The error report (row, column, value, reason) as XLSX or CSV; formulas neutralised."""
    run = selectors.access_feedrun(request.user, pk)
    header = [_("Row"), _("Column"), _("Value"), _("Reason")]
    rows = [[e["row"], e["column"], e["value"], e["reason"]] for e in selectors.error_rows(run)]
    return table_response(
        [header, *rows],
        f"feed-{run.kind}-{run.business_date:%Y%m%d}-{run.pk}-errors",
        as_csv=request.GET.get("format") == "csv",
    )


@require_POST
@requires("customers.release_feedrun")
def feedrun_decide(request, pk, decision):
    run = selectors.access_feedrun(request.user, pk)
    try:
        if decision == "release":
            services.feed_release(run, acting_user=request.user)
            messages.success(request, _("The feed was released; its good rows are loading."))
        else:
            services.feed_reject(
                run, acting_user=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The feed was rejected; nothing of it was loaded."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("customers:feedrun-detail", pk=run.pk)


@require_POST
@requires("customers.view_feedrun")
def feedrun_tier_run(request, pk):
    run = selectors.access_feedrun(request.user, pk)
    start = provider(TIER_RUN_START)
    if start is None or run.state != run.State.LOADED:
        messages.error(request, _("This feed does not call for a tier run."))
        return redirect("customers:feedrun-detail", pk=run.pk)
    try:
        as_of = start(run.kind, run.business_date, acting_user=request.user)
    except PermissionDenied:
        raise
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The tier run for %(date)s has started.") % {"date": as_of.isoformat()}
        )
    return redirect("customers:feedrun-detail", pk=run.pk)
