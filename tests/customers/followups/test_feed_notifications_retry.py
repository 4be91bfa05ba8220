"""iCalendar feed (content, token, revocation), notification permissions, e-mail retry with
backoff, metrics, beat entry and demo data."""

import datetime
import re
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from crm.core.models import Notification
from crm.core.notifications import notification_send
from crm.ui.registry import metrics
from customers.contacts import reminders
from customers.contacts import tasks as followup_tasks
from customers.contacts.models import CalendarFeedToken, ReminderDelivery
from tests.factories import CustomerFactory

from .factories import InteractionFactory, TaskFactory

pytestmark = pytest.mark.django_db


def _issue(client):
    resp = client.post(reverse("customers:calendar-feed-settings"), {"action": "issue"})
    assert resp.status_code == 200
    match = re.search(r'<code id="feed-url">([^<]+)</code>', resp.content.decode())
    assert match
    return match.group(1).replace("http://testserver", "")


def test_ical_feed_lists_my_open_tasks_with_masked_names(client, rm_a, rm_b, mine):
    today = timezone.localdate()
    open_task = TaskFactory(
        customer=mine, due_on=today + datetime.timedelta(days=2), title="到期续作沟通"
    )
    TaskFactory(customer=mine, status="done", title="已完成的任务")
    TaskFactory(customer=CustomerFactory(owner=rm_b), title="别人的任务")
    client.force_login(rm_a)
    url = _issue(client)
    assert CalendarFeedToken.objects.get(user=rm_a).token_hash not in url  # only the hash stored
    client.logout()
    resp = client.get(url)  # no session needed
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(resp.content)
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    assert len(events) == 1
    event = events[0]
    assert str(event["uid"]) == f"followup-{open_task.pk}@fiducia"
    assert event.decoded("dtstart") == open_task.due_on
    assert "到期续作沟通" in str(event["summary"])
    assert mine.name not in resp.content.decode()  # masked: 张*
    assert "张*" in str(event["summary"])


def test_ical_token_regenerate_and_revoke(client, rm_a, mine):
    TaskFactory(customer=mine)
    client.force_login(rm_a)
    first = _issue(client)
    second = _issue(client)
    assert first != second
    assert client.get(first).status_code == 404  # the old link stopped working
    assert client.get(second).status_code == 200
    client.post(reverse("customers:calendar-feed-settings"), {"action": "revoke"})
    assert client.get(second).status_code == 404
    assert client.get(reverse("customers:calendar-feed", args=["guessed-token"])).status_code == 404


def test_ical_feed_of_a_deactivated_user_is_gone(client, rm_a, mine):
    client.force_login(rm_a)
    url = _issue(client)
    rm_a.is_active = False
    rm_a.save()
    client.logout()
    assert client.get(url).status_code == 404


def test_nobody_reads_anothers_notifications(client, rm_a, rm_b):
    theirs = notification_send(rm_b, "给李强的提醒", body="私密")
    mine_ = notification_send(rm_a, "给王芳的提醒")
    client.force_login(rm_a)
    body = client.get(reverse("core:notification-list")).content.decode()
    assert "给王芳的提醒" in body and "给李强的提醒" not in body
    client.post(reverse("core:notification-read", args=[theirs.pk]))
    theirs.refresh_from_db()
    assert theirs.read_at is None  # marking someone else's as read does nothing
    client.post(reverse("core:notification-read", args=[mine_.pk]))
    mine_.refresh_from_db()
    assert mine_.read_at is not None


def test_sweep_notifications_go_to_the_task_owner_only(rm_a, rm_b, mine):
    TaskFactory(customer=mine, due_on=timezone.localdate())
    reminders.run_sweep(send=lambda *a: None)
    assert Notification.objects.filter(recipient=rm_a).count() == 1
    assert not Notification.objects.filter(recipient=rm_b).exists()


def test_email_failure_is_recorded_and_retried_with_backoff(rm_a, mine):
    day = timezone.localdate()
    TaskFactory(customer=mine, due_on=day)
    reminders.run_sweep(day, send=lambda *a: None)
    row = ReminderDelivery.objects.get(channel="email")
    assert row.status == "pending"
    with (
        mock.patch(
            "django.core.mail.backends.locmem.EmailBackend.send_messages",
            side_effect=smtplib.SMTPServerDisconnected("gone"),
        ),
        mock.patch.object(
            followup_tasks.send_reminder_email, "retry", side_effect=RuntimeError("retry")
        ) as retry,
        pytest.raises(RuntimeError, match="retry"),
    ):
        followup_tasks.send_reminder_email.apply(args=[rm_a.pk, day.isoformat()], throw=True)
    assert retry.call_args.kwargs["countdown"] == 60
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == 1 and "gone" in row.last_error
    assert followup_tasks.retry_countdown(3) == 480
    assert followup_tasks.retry_countdown(20) == 3600
    # The retry succeeds: exactly one message, the row marked sent.
    followup_tasks.send_reminder_email.apply(args=[rm_a.pk, day.isoformat()], throw=True)
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2
    assert len(mail.outbox) == 1
    # A duplicated task run sends nothing more.
    assert followup_tasks.send_reminder_email.apply(args=[rm_a.pk, day.isoformat()]).get() == 0
    assert len(mail.outbox) == 1


def test_beat_entry_exists_and_points_at_a_registered_task():
    from django_celery_beat.models import PeriodicTask

    from crm.celery import app

    entry = PeriodicTask.objects.get(task="customers.followups.daily_sweep")
    assert entry.enabled and entry.crontab.hour == "6"
    assert "customers.followups.daily_sweep" in app.tasks


def test_metrics_contacts_made_and_cadence_coverage(
    rm_a, rm_b, mine, django_assert_max_num_queries
):
    today = timezone.localdate()
    InteractionFactory(customer=mine, created_by=rm_a, participants=[rm_b])
    InteractionFactory(customer=mine, created_by=rm_a)
    InteractionFactory(customer=mine, occurred_at=timezone.now() - datetime.timedelta(days=60))
    CustomerFactory(owner=rm_a, tier="A")  # no contact → cadence task
    reminders.run_sweep(today, send=lambda *a: None)
    by_key = {m.key: m for m in metrics()}
    with django_assert_max_num_queries(1):
        made = by_key["contacts_made"].compute(
            [rm_a, rm_b], today - datetime.timedelta(days=30), today
        )
    assert made == {rm_a.pk: 2, rm_b.pk: 1}
    with django_assert_max_num_queries(2):
        coverage = by_key["cadence_coverage"].compute([rm_a, rm_b], today, today)
    assert coverage == {rm_a.pk: 50.0, rm_b.pk: 100.0}


def test_demo_seeder_is_idempotent(rm_a):
    from io import StringIO

    from customers.contacts.demo import seed_followups
    from customers.contacts.models import Interaction
    from customers.records.models import FollowUpTask

    for k in range(8):
        CustomerFactory(owner=rm_a, number=f"D{k + 1:07d}", tier="ABC"[k % 3])
    seed_followups(stdout=StringIO(), customers=8, users={})
    counts = (Interaction.objects.count(), FollowUpTask.objects.count())
    statuses = set(FollowUpTask.objects.values_list("status", flat=True))
    assert statuses == {"open", "done", "skipped"}
    today = timezone.localdate()
    assert FollowUpTask.objects.filter(status="open", due_on__lt=today).exists()
    assert FollowUpTask.objects.filter(status="open", due_on=today).exists()
    assert FollowUpTask.objects.filter(status="done", interaction__isnull=False).exists()
    seed_followups(stdout=StringIO(), customers=8, users={})
    assert (Interaction.objects.count(), FollowUpTask.objects.count()) == counts
