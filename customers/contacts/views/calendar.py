"""The iCalendar feed of open tasks and its secret link."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.permissions import personal_data, public, requires
from crm.ui.formatting import mask_name
from customers.contacts import selectors as fs
from customers.contacts import services as services

# ---- iCalendar feed -------------------------------------------------------------------------


@requires("customers.view_followuptask")
def calendar_settings(request):
    """Create, regenerate or revoke the user's secret feed link (shown once when created)."""
    new_url = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.feed_token_revoke(request.user)
            messages.success(request, _("The calendar link no longer works."))
            return redirect("customers:calendar-feed-settings")
        token = services.feed_token_issue(request.user)
        new_url = request.build_absolute_uri(reverse("customers:calendar-feed", args=[token]))
    return render(
        request,
        "customers/followups/calendar_settings.html",
        {"feed": fs.calendar_feed_of(request.user), "new_url": new_url},
    )


@public
@personal_data  # the feed lists the user's customers (masked) and their follow-ups
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
        event.add("summary", f"{task.title_text} · {mask_name(task.customer.name)}")
        event.add(
            "description",
            f"{task.get_reason_display()} · {task.customer.number}",
        )
        event.add(
            "url",
            request.build_absolute_uri(
                reverse("customers:customer-detail", args=[task.customer_id])
            ),
        )
        cal.add_component(event)
    return cal.to_ical()
