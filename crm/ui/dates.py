"""Dates said the way people say them ("3 天后到期", "due in 3 days", "已逾期 2 天"), inside a
`<time>` element that keeps the exact date for machines and for the hover title."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def due_phrase(value, *, today: datetime.date | None = None) -> str:
    """A deadline relative to today: "due today", "due tomorrow", "due in 3 days",
    "1 day overdue", "2 days overdue"."""
    days = (_as_date(value) - (today or timezone.localdate())).days
    if days == 0:
        return _("due today")
    if days == 1:
        return _("due tomorrow")
    if days > 1:
        return ngettext("due in %(n)d day", "due in %(n)d days", days) % {"n": days}
    return ngettext("%(n)d day overdue", "%(n)d days overdue", -days) % {"n": -days}


def day_phrase(value, *, today: datetime.date | None = None) -> str:
    """A date relative to today without a deadline's tone: "today", "yesterday",
    "in 3 days", "3 days ago"."""
    days = (_as_date(value) - (today or timezone.localdate())).days
    if days == 0:
        return _("today")
    if days == 1:
        return _("tomorrow")
    if days == -1:
        return _("yesterday")
    if days > 1:
        return ngettext("in %(n)d day", "in %(n)d days", days) % {"n": days}
    return ngettext("%(n)d day ago", "%(n)d days ago", -days) % {"n": -days}


def time_element(value, phrase: str, *, css: str = ""):
    """`<time datetime="ISO" title="YYYY-MM-DD">phrase</time>`; the hover shows the exact date
    (and time, for a moment rather than a day)."""
    if isinstance(value, datetime.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        iso, exact = local.isoformat(), local.strftime("%Y-%m-%d %H:%M")
    else:
        iso = exact = value.strftime("%Y-%m-%d")
    return format_html(
        '<time datetime="{}" title="{}"{}>{}</time>',
        iso,
        exact,
        format_html(' class="{}"', css) if css else "",
        phrase,
    )


def relative_day(value, *, today: datetime.date | None = None):
    """The `relative_day` filter: a deadline as a `<time>`; overdue ones are marked red."""
    if not value:
        return "—"
    overdue = (_as_date(value) - (today or timezone.localdate())).days < 0
    return time_element(
        value, due_phrase(value, today=today), css="text-danger fw-semibold" if overdue else ""
    )


def relative_date(value, *, today: datetime.date | None = None):
    """The `relative_date` filter: any date as a `<time>` ("3 days ago", "tomorrow")."""
    if not value:
        return "—"
    return time_element(value, day_phrase(value, today=today))
