"""Colour is never the only carrier of meaning (issue 20 item 4): warning grades, overdue
verifications, SLA states of complaints and unread notifications are also written out, so people
who cannot tell red from orange (or use a screen reader) get the same information."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from compliance.models import Grade
from crm.core.notifications import notification_send
from tests.complaints.factories import ensure_reference_data, make_complaint
from tests.compliance.factories import WarningFactory

pytestmark = pytest.mark.django_db


def _zh(text):
    with translation.override("zh-hans"):
        return translation.gettext(text) if isinstance(text, str) else str(text)


def _row(html, marker):
    """The table row (or list item) of `html` that contains `marker`."""
    rows = [r for r in re.split(r"<tr\b|<li\b|<div class=\"list-group-item", html) if marker in r]
    assert len(rows) == 1, f"{marker!r} found in {len(rows)} rows"
    return rows[0]


def test_each_warning_grade_is_written_out_and_has_its_own_icon(client, officer):
    for grade in Grade:
        WarningFactory(grade=grade)
    client.force_login(officer)
    html = client.get(reverse("compliance:warning-list"), {"status": ""}).content.decode()
    icons = set()
    for grade in Grade:
        badge = re.search(rf'data-grade="{grade.value}">(.*?)</span>', html).group(1)
        assert _zh(grade.label) in badge
        icons.add(re.search(r'class="bi (bi-[\w-]+)"', badge).group(1))
    assert len(icons) == len(Grade)  # a shape per grade, not only a colour


def test_an_overdue_verification_says_so_in_words(client, officer):
    today = timezone.localdate()
    late = WarningFactory(verify_by=today - datetime.timedelta(days=2))
    on_time = WarningFactory(verify_by=today + datetime.timedelta(days=2))
    client.force_login(officer)
    html = client.get(reverse("compliance:warning-list")).content.decode()
    overdue = _zh("overdue")
    assert overdue in _row(html, f'data-warning="{late.pk}"')
    assert overdue not in _row(html, f'data-warning="{on_time.pk}"')


def test_complaint_sla_states_are_written_out_in_the_queue(client, rm, officer):
    ensure_reference_data()
    breached = make_complaint(rm)
    breached.__class__.objects.filter(pk=breached.pk).update(breached=True)
    running = make_complaint(rm)
    client.force_login(officer)
    html = client.get(reverse("complaints:complaint-queue")).content.decode()
    word = _zh("breached")
    assert word in _row(html, f">{breached.reference}<")
    assert word not in _row(html, f">{running.reference}<")
    # A running clock says how long is left, not only how pale its row is.
    assert re.search(r"\d+\s*(天|day)", _row(html, f">{running.reference}<"))


def test_unread_notifications_are_marked_in_words(client, rm_user):
    unread = notification_send(rm_user, "未读的提醒")
    read = notification_send(rm_user, "已读的提醒")
    read.read_at = timezone.now()
    read.save(update_fields=["read_at"])
    client.force_login(rm_user)
    html = client.get(reverse("core:notification-list")).content.decode()
    word = _zh("unread")
    assert word in _row(html, unread.title_text)
    assert word not in _row(html, read.title_text)


def test_the_bells_name_contains_the_count_it_shows(client, rm_user):
    notification_send(rm_user, "a")
    client.force_login(rm_user)
    html = client.get(reverse("core:notification-bell")).content.decode()
    assert "aria-label" not in html  # an aria-label would hide the visible count from the name
    assert _zh("Notifications") in html and _zh("unread") in html
