"""E-mail reminders are delivered at most once: the claim ("sending") is committed before the
SMTP session, so a crash after the server accepted the digest and before the outcome was
recorded never produces a second message; such rows become "unknown" for a person to decide."""

import datetime
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from crm.audit.models import AuditEntry
from customers.contacts import reminders
from customers.contacts.models import ReminderDelivery

from .factories import TaskFactory

pytestmark = pytest.mark.django_db


class Killed(BaseException):
    """The worker process dies (SIGKILL, OOM): no `except Exception` handler runs."""


def accepted_then_killed():
    real = EmailBackend.send_messages

    def send_messages(self, messages):
        real(self, messages)  # the server accepted the digest (it is in mail.outbox) …
        raise Killed  # … and the process died before recording it

    return mock.patch.object(EmailBackend, "send_messages", send_messages)


def sweep(day):
    return reminders.run_sweep(day, send=lambda user_id, d: reminders.send_digest(user_id, d))


def email_row():
    return ReminderDelivery.objects.get(channel="email")


def test_crash_after_smtp_accept_before_mark_sends_exactly_one_message(
    no_default_rules, rm_a, mine
):
    day = timezone.localdate()
    TaskFactory(customer=mine, due_on=day)
    reminders.run_sweep(day, send=lambda *a: None)
    with accepted_then_killed(), pytest.raises(Killed):
        reminders.send_digest(rm_a.pk, day)
    assert len(mail.outbox) == 1
    row = email_row()
    assert row.status == "sending" and row.attempts == 1 and row.claimed_at
    assert mail.outbox[0].extra_headers["Message-ID"] == row.message_id

    # The Celery task is redelivered (acks_late) and the sweep reruns: nothing is sent again.
    assert reminders.send_digest(rm_a.pk, day) == 0
    result = sweep(day)
    assert result.emails_unknown == 0  # still within the sending timeout
    assert len(mail.outbox) == 1
    assert email_row().status == "sending"

    # After the timeout the next sweep reports the row as unknown; still one message.
    ReminderDelivery.objects.filter(pk=row.pk).update(
        claimed_at=timezone.now() - datetime.timedelta(minutes=16)
    )
    result = sweep(day)
    assert result.emails_unknown == 1
    row.refresh_from_db()
    assert row.status == "unknown" and "mail server" in row.last_error
    assert reminders.send_digest(rm_a.pk, day) == 0
    sweep(day)
    assert len(mail.outbox) == 1


def test_a_message_sent_records_its_message_id(no_default_rules, rm_a, mine):
    day = timezone.localdate()
    TaskFactory(customer=mine, due_on=day)
    sweep(day)
    row = email_row()
    assert row.status == "sent" and row.sent_at and row.attempts == 1
    assert row.message_id and mail.outbox[0].message()["Message-ID"] == row.message_id


def test_a_refused_send_is_retried_with_a_new_message_id(no_default_rules, rm_a, mine):
    day = timezone.localdate()
    TaskFactory(customer=mine, due_on=day)
    reminders.run_sweep(day, send=lambda *a: None)
    with (
        mock.patch.object(EmailBackend, "send_messages", side_effect=OSError("refused")),
        pytest.raises(OSError),
    ):
        reminders.send_digest(rm_a.pk, day)
    failed = email_row()
    assert failed.status == "failed" and "refused" in failed.last_error
    assert reminders.send_digest(rm_a.pk, day) == 1
    sent = email_row()
    assert sent.status == "sent" and sent.attempts == 2
    assert sent.message_id != failed.message_id
    assert len(mail.outbox) == 1


def test_command_reports_interrupted_sends(no_default_rules, rm_a, mine, capsys):
    day = timezone.localdate()
    # run_followups also runs the event triggers: a factory birth date that happens to fall in
    # the birthday window today would add a second e-mail row.
    type(mine).objects.filter(pk=mine.pk).update(birth_date=None)
    TaskFactory(customer=mine, due_on=day)
    reminders.run_sweep(day, send=lambda *a: None)
    email_row()
    ReminderDelivery.objects.filter(channel="email").update(
        status="sending",
        message_id="<x@fiducia.invalid>",
        claimed_at=timezone.now() - datetime.timedelta(hours=1),
    )
    call_command("run_followups", "--date", day.isoformat(), "--inline")
    assert "1 e-mail reminders were interrupted" in capsys.readouterr().err
    assert email_row().status == "unknown"
    assert not mail.outbox


def test_admin_sends_an_unknown_reminder_again_after_a_person_checked(
    admin_client, django_capture_on_commit_callbacks, no_default_rules, rm_a, mine
):
    day = timezone.localdate()
    TaskFactory(customer=mine, due_on=day)
    reminders.run_sweep(day, send=lambda *a: None)
    with accepted_then_killed(), pytest.raises(Killed):
        reminders.send_digest(rm_a.pk, day)
    ReminderDelivery.objects.filter(channel="email").update(
        status="unknown", last_error="interrupted"
    )
    sent = email_row()
    in_app = ReminderDelivery.objects.get(channel="in_app")
    url = reverse("admin:customers_reminderdelivery_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        resp = admin_client.post(
            url, {"action": "send_again", "_selected_action": [sent.pk, in_app.pk]}, follow=True
        )
    assert resp.status_code == 200 and "1" in str(list(resp.context["messages"])[0])
    # Queued again (eager Celery in tests): the second message is a person's decision.
    assert len(mail.outbox) == 2
    row = email_row()
    assert row.status == "sent" and row.message_id != sent.message_id
    assert ReminderDelivery.objects.get(channel="in_app").status == "sent"  # untouched
    audit = AuditEntry.objects.get(action="reminder.resent")
    assert audit.target_id == str(sent.pk) and audit.before["message_id"] == sent.message_id


def test_constraints_keep_the_states_honest(no_default_rules, mine):
    task = TaskFactory(customer=mine)
    base = {"task": task, "day": timezone.localdate(), "recipient": task.owner}
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderDelivery.objects.create(**base, channel="email", status="sending", created_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderDelivery.objects.create(**base, channel="email", status="sent", created_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderDelivery.objects.create(**base, channel="email", status="lost", created_at=now)


def test_a_task_closed_before_its_digest_is_skipped_not_left_pending(no_default_rules, rm_a, mine):
    day = timezone.localdate()
    done = TaskFactory(customer=mine, due_on=day)
    still_open = TaskFactory(customer=mine, due_on=day)
    queued = []
    reminders.run_sweep(day, send=lambda user_id, d: queued.append(user_id))
    assert queued == [rm_a.pk]
    done.status = "done"
    done.save()
    assert reminders.send_digest(rm_a.pk, day) == 1
    assert len(mail.outbox) == 1 and still_open.title in mail.outbox[0].body
    assert done.title not in mail.outbox[0].body
    rows = dict(ReminderDelivery.objects.filter(channel="email").values_list("task_id", "status"))
    assert rows == {done.pk: "skipped", still_open.pk: "sent"}
    # Nothing of the day is left to send: a rerun of the sweep queues no one.
    queued.clear()
    reminders.run_sweep(day, send=lambda user_id, d: queued.append(user_id))
    assert queued == []
