"""Views for contacts, visits, follow-up tasks, My day panels and the calendar feed (thin:
parse input, call a selector or service, render)."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.accounts.access import is_read_only
from crm.accounts.permissions import public
from crm.audit.services import record
from crm.ui.formatting import mask_name
from crm.ui.pagination import keyset_page
from customers.contacts import cadence
from customers.contacts import selectors as fs
from customers.contacts import services as services
from customers.contacts.forms import InteractionForm, ManualTaskForm, SkipForm, TaskReassignForm
from customers.contacts.models import CalendarFeedToken
from customers.records.access import access_customer
from customers.records.models import FollowUpReason, FollowUpTask

PANEL_LIMIT = 10
TASK_PAGE = 50


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


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


def _can_write(user, perm: str) -> bool:
    return not is_read_only(user) and user.has_perm(perm)


# ---- customer 360 panel ---------------------------------------------------------------------


def _panel_context(request, customer, form=None, task=None):
    return {
        "customer": customer,
        "timeline": fs.timeline_of(customer),
        "open_tasks": fs.open_tasks_of(customer),
        "cadence": cadence.customer_cadence_status(customer),
        "can_log": _can_write(request.user, "customers.add_interaction"),
        "can_add_task": _can_write(request.user, "customers.add_followuptask"),
        "form": form,
        "task": task,
        "today": timezone.localdate(),
        "edit_cutoff": timezone.now() - services.edit_window(),
        "user_id": request.user.pk,
    }


def customer_panel(request, pk):
    """Timeline, open tasks and cadence of one customer (slot "customer_360", htmx)."""
    customer = access_customer(request.user, pk)
    return render(request, "customers/followups/_panel_360.html", _panel_context(request, customer))


@require_POST
def task_new(request, pk):
    """Add a manual follow-up from the 360 panel (htmx); the panel comes back refreshed."""
    if not _can_write(request.user, "customers.add_followuptask"):
        raise PermissionDenied
    customer = access_customer(request.user, pk)
    form = ManualTaskForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.create_manual_task(
                request.user,
                customer,
                title=form.cleaned_data["title"],
                due_on=form.cleaned_data["due_on"],
            )
        except ValidationError as exc:
            error = _errors(exc)
    else:
        error = _("Please give the task a title and a due date.")
    context = _panel_context(request, customer)
    context["task_error"] = error
    return _partial(request, "customers/followups/_panel_360.html", context)


def _task_from_query(request, customer):
    raw = request.POST.get("task") or request.GET.get("task")
    if not raw:
        return None
    try:
        task = fs.tasks_in_book(request.user).get(pk=int(raw), customer=customer)
    except (ValueError, FollowUpTask.DoesNotExist) as exc:
        raise Http404 from exc
    return task


def interaction_new(request, pk):
    """Log a contact or visit: inline on the 360 page (htmx) or as a page from a task."""
    if not _can_write(request.user, "customers.add_interaction"):
        raise PermissionDenied
    customer = access_customer(request.user, pk)
    task = _task_from_query(request, customer)
    form = InteractionForm(
        request.POST or None, request.FILES or None, user=request.user, customer=customer
    )
    if task and not form.is_bound:
        form.initial["purpose"] = _purpose_for(task)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.log_interaction(
                request.user,
                customer,
                channel=data["channel"],
                occurred_at=data["occurred_at"],
                purpose=data["purpose"],
                summary=data["summary"],
                outcomes=data["outcomes"],
                next_steps=data["next_steps"],
                staff=data["staff"],
                contacts=data.get("contacts") or [],
                other_participants=data["other_participants"],
                attachment=data["attachment"],
                task_id=task.pk if task else None,
            )
        except ValidationError as exc:
            errors = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
            for field, errs in errors.items():
                for err in errs:
                    form.add_error(field if field in form.fields else None, err)
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


def interaction_edit(request, pk):
    interaction = fs.get_interaction_for(request.user, pk)
    customer = interaction.customer
    if not services.can_edit(request.user, interaction):
        messages.error(
            request,
            _("Interactions can only be changed by their author within %(hours)s hours.")
            % {"hours": cadence.option("EDIT_WINDOW_HOURS")},
        )
        return redirect("customers:detail", customer.pk)
    if request.method == "POST":
        form = InteractionForm(request.POST, user=request.user, customer=customer)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.edit_interaction(
                    request.user,
                    interaction,
                    staff=data["staff"],
                    contacts=data.get("contacts") if "contacts" in form.fields else None,
                    **{f: data[f] for f in services.EDITABLE},
                )
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            except PermissionDenied as exc:
                messages.error(request, str(exc))
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

TASK_FILTERS = ("open", "overdue", "done", "skipped", "all")


def task_list(request):
    """All of my (or, for leads, my team's) tasks, keyset-paginated by due date."""
    status = request.GET.get("status", "open")
    if status not in TASK_FILTERS:
        status = "open"
    who = request.GET.get("who", "mine")
    team = fs.team_members(request.user)
    if who == "team" and fs.scope_of(request.user) >= fs.Scope.TEAM:
        qs = fs.tasks_in_book(request.user).filter(owner__in=team.values("pk"))
    else:
        who = "mine"
        qs = fs.tasks_in_book(request.user).filter(owner=request.user)
    today = timezone.localdate()
    if status == "overdue":
        qs = qs.filter(status=FollowUpTask.Status.OPEN, due_on__lt=today)
    elif status != "all":
        qs = qs.filter(status=status)
    page = keyset_page(fs.task_list_qs(qs), ["due_on", "pk"], request.GET.get("after"), TASK_PAGE)
    context = {
        "page": page,
        "status": status,
        "who": who,
        "filters": TASK_FILTERS,
        "today": today,
        "can_lead": request.user.has_perm("customers.reassign_followuptask"),
        "staff": list(_reassign_targets(request.user)) if who == "team" else [],
    }
    if request.htmx and request.GET.get("after"):
        return render(request, "customers/followups/_task_rows.html", context)
    return render(request, "customers/followups/task_list.html", context)


def _reassign_targets(user):
    return (
        get_user_model()
        .objects.filter(fs.staff_filter(user), branch__isnull=False)
        .only("pk", "username", "display_name", "first_name", "last_name")
        .order_by("display_name", "username")
    )


@require_POST
def task_skip(request, pk):
    form = SkipForm(request.POST)
    target = _safe_next(request, reverse("customers:tasks"))
    if not form.is_valid():
        messages.error(request, _("Please give a reason for skipping the task."))
        return redirect(target)
    try:
        services.skip_task(request.user, pk, reason=form.cleaned_data["reason"])
    except FollowUpTask.DoesNotExist as exc:
        raise Http404 from exc
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Task skipped."))
    return redirect(target)


@require_POST
def task_done(request, pk):
    try:
        services.complete_task(request.user, pk)
    except FollowUpTask.DoesNotExist as exc:
        raise Http404 from exc
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Task completed."))
    return redirect(_safe_next(request, reverse("customers:tasks")))


@require_POST
def task_reassign(request, pk):
    if not _can_write(request.user, "customers.reassign_followuptask"):
        raise PermissionDenied
    form = TaskReassignForm(request.POST, staff=_reassign_targets(request.user))
    target = _safe_next(request, reverse("customers:tasks") + "?who=team")
    if not form.is_valid():
        messages.error(request, _("Choose a member of your team."))
        return redirect(target)
    try:
        services.reassign_task(
            request.user, pk, form.cleaned_data["owner"], reason=form.cleaned_data["reason"]
        )
    except FollowUpTask.DoesNotExist as exc:
        raise Http404 from exc
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Task reassigned."))
    return redirect(target)


# ---- My day panels (slot "home") ------------------------------------------------------------


def _rows(qs):
    rows = list(qs[: PANEL_LIMIT + 1])
    return rows[:PANEL_LIMIT], len(rows) > PANEL_LIMIT


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


def home_team(request):
    if not request.user.has_perm("customers.reassign_followuptask"):
        raise PermissionDenied
    rows = list(fs.team_overdue(request.user)[: PANEL_LIMIT + 1])
    return _partial(
        request,
        "customers/followups/_home_team.html",
        {
            "tasks": rows[:PANEL_LIMIT],
            "more": len(rows) > PANEL_LIMIT,
            "staff": list(_reassign_targets(request.user)),
            "today": timezone.localdate(),
            "next": reverse("ui:home"),
        },
    )


# ---- iCalendar feed -------------------------------------------------------------------------

FEED_PAST_DAYS = 30
FEED_FUTURE_DAYS = 180
FEED_LIMIT = 500


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_settings(request):
    """Create, regenerate or revoke the user's secret feed link (shown once when created)."""
    feed = CalendarFeedToken.objects.filter(user=request.user).first()
    new_url = None
    if request.method == "POST":
        action = request.POST.get("action")
        with transaction.atomic():
            if action == "revoke":
                CalendarFeedToken.objects.filter(user=request.user).delete()
                record(request.user, "followup.calendar_feed_revoked", request.user)
                messages.success(request, _("The calendar link no longer works."))
                return redirect("customers:calendar_settings")
            token = secrets.token_urlsafe(32)
            CalendarFeedToken.objects.update_or_create(
                user=request.user, defaults={"token_hash": _hash(token), "last_used_at": None}
            )
            record(request.user, "followup.calendar_feed_issued", request.user)
        new_url = request.build_absolute_uri(reverse("customers:calendar_feed", args=[token]))
        feed = CalendarFeedToken.objects.get(user=request.user)
    return render(
        request, "customers/followups/calendar_settings.html", {"feed": feed, "new_url": new_url}
    )


@public
def calendar_feed(request, token):
    """Open tasks as all-day events. No session: the secret token identifies the user; an
    unknown or revoked token answers 404. Customer names are masked (the feed leaves the bank)."""
    feed = (
        CalendarFeedToken.objects.select_related("user")
        .filter(token_hash=_hash(token), user__is_active=True)
        .first()
    )
    if feed is None:
        raise Http404
    CalendarFeedToken.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    user = feed.user
    today = timezone.localdate()
    tasks = list(
        fs.tasks_in_book(user)
        .filter(
            owner=user,
            status=FollowUpTask.Status.OPEN,
            due_on__gte=today - datetime.timedelta(days=FEED_PAST_DAYS),
            due_on__lte=today + datetime.timedelta(days=FEED_FUTURE_DAYS),
        )
        .select_related("customer")
        .order_by("due_on", "pk")[:FEED_LIMIT]
    )
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
