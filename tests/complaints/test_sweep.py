"""Deadline sweep: warning before, escalation after a breach, each notice once."""

import datetime
import io

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from complaints import services, tasks
from complaints.models import Complaint
from crm.core.models import Notification

from .factories import make_complaint, move

pytestmark = pytest.mark.django_db


def _keys():
    return sorted(Notification.objects.values_list("recipient_id", "dedupe_key"))


def test_warning_then_breach_each_sent_once(rm, customer, officer, second_officer):
    c = move(officer, make_complaint(rm, customer=customer), "in_handling")
    due = c.due_on
    assert c.handler == officer
    # Four days before: nothing yet (default warning 3 days).
    assert services.complaints_sweep_deadlines(due - datetime.timedelta(days=4))["warned"] == 0
    result = services.complaints_sweep_deadlines(due - datetime.timedelta(days=2))
    assert result == {"breached": 0, "escalated": 0, "warned": 1}
    warned = _keys()
    assert warned == [(officer.pk, f"complaint:{c.pk}:warn:{due:%Y%m%d}")]
    assert (
        services.complaints_sweep_deadlines(due - datetime.timedelta(days=1))["warned"] == 0
    )  # once
    assert _keys() == warned
    # The day after the deadline: breached, escalated to every compliance officer.
    result = services.complaints_sweep_deadlines(due + datetime.timedelta(days=1))
    assert result == {"breached": 1, "escalated": 1, "warned": 0}
    c.refresh_from_db()
    assert c.breached and c.escalated_for == due
    breach = {(r, k) for r, k in _keys() if ":breach:" in k}
    assert {r for r, _ in breach} == {officer.pk, second_officer.pk}
    before = _keys()
    assert services.complaints_sweep_deadlines(due + datetime.timedelta(days=2)) == {
        "breached": 0,
        "escalated": 0,
        "warned": 0,
    }
    assert _keys() == before


def test_notifications_dedupe_even_when_markers_are_lost(rm, customer, officer):
    c = make_complaint(rm, customer=customer)
    day = c.due_on + datetime.timedelta(days=1)
    services.complaints_sweep_deadlines(day)
    n = Notification.objects.count()
    Complaint.objects.filter(pk=c.pk).update(escalated_for=None)  # a crash after notifying
    services.complaints_sweep_deadlines(day)
    assert Notification.objects.count() == n
    assert n == 2  # the RM who logged it (no handler yet) and the compliance officer


def test_a_moved_deadline_is_warned_again(rm, customer, officer, second_officer):
    from crm.core import approvals

    c = move(officer, make_complaint(rm, customer=customer), "accepted")
    services.complaints_sweep_deadlines(c.due_on - datetime.timedelta(days=1))
    req = services.complaint_request_extension(officer, c.pk, reason="复杂", notice_via="sms")
    approvals.approval_decide(second_officer, req.pk, approve=True)
    c.refresh_from_db()
    assert services.complaints_sweep_deadlines(c.due_on - datetime.timedelta(days=1))["warned"] == 1


def test_paused_and_closed_complaints_are_not_swept(rm, customer, officer):
    paused = move(officer, make_complaint(rm, customer=customer), "in_handling")
    services.complaint_pause_clock(officer, paused.pk, reason="appraisal")
    move(officer, make_complaint(rm, customer=customer), "closed")
    far = datetime.date.today() + datetime.timedelta(days=200)
    assert services.complaints_sweep_deadlines(far) == {"breached": 0, "escalated": 0, "warned": 0}
    assert not Notification.objects.exists()


def test_sweep_finds_due_ones_in_a_fixed_number_of_queries(
    rm, officer, django_assert_max_num_queries
):
    for _ in range(6):
        make_complaint(rm)
    # Nothing due today: finding that costs the same however many complaints are open.
    with django_assert_max_num_queries(8):
        services.complaints_sweep_deadlines(datetime.date.today() - datetime.timedelta(days=30))


def test_command_task_and_beat_entry(rm, customer, officer):
    c = make_complaint(rm, customer=customer)
    out = io.StringIO()
    call_command(
        "sweep_complaint_deadlines", today=str(c.due_on + datetime.timedelta(days=1)), stdout=out
    )
    assert "breached 1" in out.getvalue()
    assert tasks.sweep_deadlines.delay().get() == {"breached": 0, "escalated": 0, "warned": 0}
    entry = PeriodicTask.objects.get(name="Complaint deadline sweep")
    assert entry.task == "complaints.tasks.sweep_deadlines" and entry.enabled
