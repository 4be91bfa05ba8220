"""Two users act on the same complaint at once: the row lock lets one win (PostgreSQL)."""

import threading
import time

import pytest
from django.db import connection

from complaints import services
from complaints.models import History
from crm.core import workflow

from .factories import ensure_reference_data, make_complaint

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_concurrent_transitions_one_wins(
    postgres_only, rm, customer, officer, second_officer, monkeypatch
):
    ensure_reference_data()
    c = make_complaint(rm, customer=customer)
    original = workflow.record

    def slow_record(*args, **kwargs):
        time.sleep(0.4)  # hold the row lock long enough for the other thread to queue on it
        return original(*args, **kwargs)

    monkeypatch.setattr(workflow, "record", slow_record)
    barrier = threading.Barrier(2)
    results = {}

    def act(user, to_state, fields):
        try:
            barrier.wait()
            services.complaint_transition(user, c.pk, to_state, expected_state="received", **fields)
            results[user.pk] = "ok"
        except workflow.TransitionError as exc:
            results[user.pk] = " ".join(exc.messages)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=(officer, "accepted", {"notice_via": "sms"})),
        threading.Thread(
            target=act,
            args=(second_officer, "not_accepted", {"notice_via": "post", "reason": "不予受理"}),
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(v == "ok" for v in results.values()) == [False, True]
    loser = next(v for v in results.values() if v != "ok")
    assert c.reference in loser
    c.refresh_from_db()
    assert c.state in ("accepted", "not_accepted")
    assert History.objects.filter(complaint=c, event="transition").count() == 1


def test_concurrent_transitions_of_two_complaints_lose_no_figure(
    postgres_only, rm, customer, officer, second_officer, monkeypatch
):
    """Both complaints add to the same MonthlyFigure rows; the second writer queues on the row
    locks and adds to the first one's committed counts."""
    from complaints import figures

    ensure_reference_data()
    first, second = make_complaint(rm, customer=customer), make_complaint(rm, customer=customer)
    original = workflow.record

    def slow_record(*args, **kwargs):
        time.sleep(0.4)  # the figures are already updated: hold their row locks meanwhile
        return original(*args, **kwargs)

    monkeypatch.setattr(workflow, "record", slow_record)
    barrier = threading.Barrier(2)
    results = {}

    def act(user, complaint):
        try:
            barrier.wait()
            services.complaint_transition(user, complaint.pk, "accepted", notice_via="sms")
            services.complaint_transition(user, complaint.pk, "withdrawn", withdrawn_reason="撤回")
            results[complaint.pk] = "ok"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=(officer, first)),
        threading.Thread(target=act, args=(second_officer, second)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert results == {first.pk: "ok", second.pk: "ok"}
    assert figures.drift() == {}
    month = first.received_on.replace(day=1)
    row = figures.stored()[(month, "channel", first.channel_id)]
    assert row[:2] == [2, 2]  # received, closed or withdrawn
