"""Views for contacts, visits, follow-up tasks, My day panels and the calendar feed (thin:
parse input, call a selector or service, render)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.accounts.permissions import public, requires, signed_in
from crm.ui.formatting import mask_name
from crm.ui.forms import add_service_error, message_service_error, service_error_text
from crm.ui.pagination import keyset_page
from customers.contacts import cadence
from customers.contacts import selectors as fs
from customers.contacts import services as services
from customers.contacts.access import access_interaction, access_task
from customers.contacts.forms import InteractionForm, ManualTaskForm, SkipForm, TaskReassignForm
from customers.records import selectors
from customers.records.models import FollowUpReason

PANEL_LIMIT = 10
TASK_PAGE = 50


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


def _partial(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    """An htmx fragment rendered without the context processors (the navigation would cost a
    permission query per fragment); it gets what fragments use: request, user, CSRF token."""
    ctx = {"request": request, "user": request.user, "csrf_token": get_token(request), **context}
    return HttpResponse(render_to_string(template, ctx), status=status)


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
    customer = selectors.get_customer_for(request.user, pk)
    return render(request, "customers/followups/_panel_360.html", _panel_context(request, customer))


@require_POST
@requires("customers.add_followuptask")
def task_new(request, pk):
    """Add a manual follow-up from the 360 panel (htmx); the panel comes back refreshed."""
    customer = selectors.get_customer_for(request.user, pk)
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
    return _partial(request, "customers/followups/_panel_360.html", context)


def _task_from_query(request, customer):
    raw = request.POST.get("task") or request.GET.get("task")
    return access_task(request.user, raw, customer=customer) if raw else None


@requires("customers.add_interaction")
def interaction_new(request, pk):
    """Log a contact or visit: inline on the 360 page (htmx) or as a page from a task."""
    customer = selectors.get_customer_for(request.user, pk)
    task = _task_from_query(request, customer)
    form = InteractionForm(
        request.POST or None, request.FILES or None, user=request.user, customer=customer
    )
    if task and not form.is_bound:
        form.initial["purpose"] = _purpose_for(task)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
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
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            if request.htmx:
                return _partial(
                    request,
                    "customers/followups/_panel_360.html",
                    _panel_context(request, customer),
                )
            messages.success(request, _("Contact logged."))
            return redirect(_safe_next(request, reverse("customers:detail", args=[customer.pk])))
    context = {"customer": customer, "form": form, "task": task, "next": _safe_next(request, "")}
    if request.htmx:
        response = _partial(request, "customers/followups/_interaction_form.html", context)
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
        return redirect("customers:detail", customer.pk)
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
                return redirect("customers:detail", customer.pk)
            else:
                messages.success(request, _("Contact updated."))
                return redirect("customers:detail", customer.pk)
    else:
        form = InteractionForm.for_instance(interaction, user=request.user, customer=customer)
    return render(
        request,
        "customers/followups/interaction_form.html",
        {"customer": customer, "form": form, "interaction": interaction, "next": ""},
        status=400 if request.method == "POST" else 200,
    )


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
    }
    if request.htmx and request.GET.get("after"):
        return render(request, "customers/followups/_task_rows.html", context)
    return render(request, "customers/followups/task_list.html", context)


@require_POST
@requires("customers.change_followuptask")
def task_skip(request, pk):
    task = access_task(request.user, pk)
    form = SkipForm(request.POST)
    target = _safe_next(request, reverse("customers:tasks"))
    if not form.is_valid():
        messages.error(request, _("Please give a reason for skipping the task."))
        return redirect(target)
    try:
        services.task_skip(request.user, task, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as exc:
        message_service_error(request, exc)
    else:
        messages.success(request, _("Task skipped."))
    return redirect(target)


@require_POST
@requires("customers.change_followuptask")
def task_done(request, pk):
    task = access_task(request.user, pk)
    try:
        services.task_complete(request.user, task)
    except (ValidationError, PermissionDenied) as exc:
        message_service_error(request, exc)
    else:
        messages.success(request, _("Task completed."))
    return redirect(_safe_next(request, reverse("customers:tasks")))


@require_POST
@requires("customers.reassign_followuptask")
def task_reassign(request, pk):
    task = access_task(request.user, pk)
    form = TaskReassignForm(request.POST, staff=fs.reassign_targets(request.user))
    target = _safe_next(request, reverse("customers:tasks") + "?who=team")
    if not form.is_valid():
        messages.error(request, _("Choose a member of your team."))
        return redirect(target)
    try:
        services.task_reassign(
            request.user, task, form.cleaned_data["owner"], reason=form.cleaned_data["reason"]
        )
    except (ValidationError, PermissionDenied) as exc:
        message_service_error(request, exc)
    else:
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
    return _partial(
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
    return _partial(
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
    return _partial(
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


# ---- iCalendar feed -------------------------------------------------------------------------


@requires("customers.view_followuptask")
def calendar_settings(request):
    """Create, regenerate or revoke the user's secret feed link (shown once when created)."""
    new_url = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.feed_token_revoke(request.user)
            messages.success(request, _("The calendar link no longer works."))
            return redirect("customers:calendar_settings")
        token = services.feed_token_issue(request.user)
        new_url = request.build_absolute_uri(reverse("customers:calendar_feed", args=[token]))
    return render(
        request,
        "customers/followups/calendar_settings.html",
        {"feed": fs.calendar_feed_of(request.user), "new_url": new_url},
    )


@public
def calendar_feed(request, token):
    """Open tasks as all-day events. No session: the secret token identifies the user; an
    unknown or revoked token answers 404. Customer names are masked (the feed leaves the bank)."""
    user = services.feed_token_use(token)
    tasks = fs.feed_tasks(user, timezone.localdate())
    return HttpResponse(_ical(request, tasks), content_type="text/calendar; charset=utf-8")


def _ical(request, tasks) -> bytes:
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Fiducia CRM//follow-ups//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("Fiducia follow-ups"))
    stamp = timezone.now()
    for task in tasks:
        event = Event()
        event.add("uid", f"followup-{task.pk}@fiducia")
        event.add("dtstamp", stamp)
        event.add("dtstart", task.due_on)
        event.add("dtend", task.due_on + datetime.timedelta(days=1))
        event.add("summary", f"{task.title} · {mask_name(task.customer.name)}")
        event.add(
            "description",
            f"{task.get_reason_display()} · {task.customer.number}",
        )
        event.add(
            "url", request.build_absolute_uri(reverse("customers:detail", args=[task.customer_id]))
        )
        cal.add_component(event)
    return cal.to_ical()
