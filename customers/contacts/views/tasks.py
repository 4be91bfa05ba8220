"""Follow-up tasks (the list and its actions) and the My day panels."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.accounts.permissions import requires, signed_in
from crm.ui.bulk import bulk_context
from crm.ui.forms import SERVICE_REFUSALS, refusal_in_messages
from crm.ui.lists import chosen_columns
from crm.ui.pagination import keyset_page
from customers.contacts import selectors as fs
from customers.contacts import services as services
from customers.contacts.access import access_task
from customers.contacts.forms import SkipForm, TaskReassignForm
from customers.contacts.lists import TASKS
from customers.contacts.views.common import fragment, safe_next

PANEL_LIMIT = 10
TASK_PAGE = 50

# ---- tasks ----------------------------------------------------------------------------------


@requires("customers.view_followuptask")
def task_list(request):
    """All of my (or, for leads, my team's) tasks, keyset-paginated by due date."""
    status = request.GET.get("status", "open")
    if status not in fs.TASK_FILTERS:
        status = "open"
    who = request.GET.get("who", "mine")
    if who != "team" or fs.scope_of(request.user) < fs.Scope.TEAM:
        who = "mine"
    today = timezone.localdate()
    qs = fs.task_list(request.user, status=status, who=who, today=today)
    page = keyset_page(qs, ["due_on", "pk"], request.GET.get("after"), TASK_PAGE)
    context = {
        "page": page,
        "status": status,
        "who": who,
        "filters": fs.TASK_FILTERS,
        "today": today,
        "can_lead": request.user.has_perm("customers.reassign_followuptask"),
        "staff": list(fs.reassign_targets(request.user)) if who == "team" else [],
        "columns": chosen_columns(request, TASKS),
        "bulk": bulk_context(request, TASKS),
        "list_key": TASKS,
    }
    if request.htmx and request.GET.get("after"):
        return render(request, "customers/followups/_task_rows.html", context)
    return render(request, "customers/followups/task_list.html", context)


@require_POST
@requires("customers.change_followuptask")
def task_skip(request, pk):
    task = access_task(request.user, pk)
    form = SkipForm(request.POST)
    target = safe_next(request, reverse("customers:task-list"))
    if not form.is_valid():
        messages.error(request, _("Please give a reason for skipping the task."))
        return redirect(target)
    with refusal_in_messages(request, SERVICE_REFUSALS):
        services.task_skip(request.user, task, reason=form.cleaned_data["reason"])
        messages.success(request, _("Task skipped."))
    return redirect(target)


@require_POST
@requires("customers.change_followuptask")
def task_done(request, pk):
    task = access_task(request.user, pk)
    with refusal_in_messages(request, SERVICE_REFUSALS):
        services.task_complete(request.user, task)
        messages.success(request, _("Task completed."))
    return redirect(safe_next(request, reverse("customers:task-list")))


@require_POST
@requires("customers.reassign_followuptask")
def task_reassign(request, pk):
    task = access_task(request.user, pk)
    form = TaskReassignForm(request.POST, staff=fs.reassign_targets(request.user))
    target = safe_next(request, reverse("customers:task-list") + "?who=team")
    if not form.is_valid():
        messages.error(request, _("Choose a member of your team."))
        return redirect(target)
    with refusal_in_messages(request, SERVICE_REFUSALS):
        services.task_reassign(
            request.user, task, form.cleaned_data["owner"], reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Task reassigned."))
    return redirect(target)


# ---- My day panels (slot "home") ------------------------------------------------------------


def _rows(qs):
    rows = list(qs[: PANEL_LIMIT + 1])
    return rows[:PANEL_LIMIT], len(rows) > PANEL_LIMIT


# Any signed-in user: it lists only the user's own open tasks (selectors scope it), and it
# stays within its query budget without loading the permissions.
@signed_in
def home_tasks(request):
    """My day: overdue, due today and later this week (one panel, three small queries)."""
    buckets = fs.my_day_buckets(request.user)  # one book look-up shared by the three
    sections = []
    for key, title, empty, status in (
        ("overdue", _("Overdue"), _("Nothing overdue."), "overdue"),
        ("today", _("Due today"), _("Nothing due today."), "open"),
        ("week", _("Later this week"), _("Nothing else this week."), "open"),
    ):
        tasks, more = _rows(buckets[key])
        sections.append(
            {
                "key": key,
                "title": title,
                "empty": empty,
                "status": status,
                "tasks": tasks,
                "more": more,
            }
        )
    return fragment(
        request,
        "customers/followups/_home_tasks.html",
        {"sections": sections, "today": timezone.localdate(), "next": reverse("ui:home")},
    )


# Any signed-in user: only the user's own book (selectors scope it); see home_tasks.
@signed_in
def home_customers(request):
    """My day: customers out of cadence, upcoming maturities, recent contacts."""
    book = fs.customer_book(request.user)
    gaps, more_gaps = _rows(fs.out_of_cadence(request.user, book))
    return fragment(
        request,
        "customers/followups/_home_customers.html",
        {
            "gaps": gaps,
            "more_gaps": more_gaps,
            "maturities": fs.upcoming_maturities(request.user, limit=PANEL_LIMIT, book=book),
            "recent": fs.recent_interactions(request.user, limit=PANEL_LIMIT, book=book),
            "today": timezone.localdate(),
            "next": reverse("ui:home"),
        },
    )


@requires("customers.reassign_followuptask")
def home_team(request):
    rows = list(fs.team_overdue(request.user)[: PANEL_LIMIT + 1])
    return fragment(
        request,
        "customers/followups/_home_team.html",
        {
            "tasks": rows[:PANEL_LIMIT],
            "more": len(rows) > PANEL_LIMIT,
            "staff": list(fs.reassign_targets(request.user)),
            "today": timezone.localdate(),
            "next": reverse("ui:home"),
        },
    )
