"""Team dashboard, staff drill-down, XLSX export and the training overdue report (thin views:
parse input, call a selector or service, render). Staff come only through scoped selectors."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.access import Scope, scope_of
from crm.accounts.permissions import requires

from . import charts, selectors, services
from .models import Course
from .periods import Period, recent_periods


def _period(request) -> Period:
    """The chosen period (?period=2026 or 2026Q2); a bad value falls back to this quarter."""
    text = request.GET.get("period", "")
    if text:
        try:
            return Period.parse(text)
        except ValueError:
            messages.error(
                request,
                _("“%(value)s” is not a period; showing the current quarter.") % {"value": text},
            )
    return Period.current_quarter()


@requires("performance.view_dashboard")
def dashboard(request):
    period = _period(request)
    data = selectors.dashboard(request.user, period)
    context = {
        "data": data,
        "period": period,
        "periods": recent_periods(),
        "charts": charts.dashboard_charts(data),
        "scope_is_own": scope_of(request.user) <= Scope.OWN,
        "can_export": request.user.has_perm("performance.export_dashboard"),
        "lapsed_count": sum(1 for r in data.rows if r.compliance_lapsed),
    }
    return render(request, "performance/dashboard.html", context)


@requires("performance.view_dashboard", "performance.export_dashboard")
def export(request):
    period = _period(request)
    content = services.export_dashboard(request.user, period)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="team-kpi-{period.key}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


@requires("performance.view_dashboard")
def staff_detail(request, pk):
    period = _period(request)
    today = timezone.localdate()
    figures = selectors.staff_figures(request.user, pk, period, today=today)
    member = figures.member
    training, records = selectors.member_training(member, today=today)
    context = {
        "member": member,
        "row": figures.row,
        "as_of": figures.as_of,
        "period": period,
        "periods": recent_periods(),
        "trend_charts": charts.trend_charts(figures.row, figures.trend),
        "training": training,
        "compliance_lapsed": any(
            i.overdue and i.course.kind == Course.Kind.COMPLIANCE for i in training
        ),
        "records": records,
    }
    return render(request, "performance/staff_detail.html", context)


@requires("performance.view_training_report")
def training_overdue(request):
    kind = request.GET.get("kind", "")
    if kind and kind not in Course.Kind.values:
        messages.error(request, _("Unknown course kind; showing all kinds."))
        kind = ""
    include_expiring = request.GET.get("expiring", "1") != "0"
    rows = selectors.training_report(request.user, kind=kind, include_expiring=include_expiring)
    context = {
        "rows": rows,
        "kind": kind,
        "kinds": Course.Kind.choices,
        "include_expiring": include_expiring,
        "overdue_count": sum(1 for _m, issue in rows if issue.overdue),
        "can_drill": request.user.has_perm("performance.view_dashboard"),
    }
    return render(request, "performance/training_overdue.html", context)
