"""Retention, DB constraints, handover signal, metrics, admin and the demo seeder."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from complaints import metrics
from complaints.models import Complaint, History
from crm.accounts import roles
from crm.audit import chain
from crm.audit.models import AuditEntry
from crm.ui.registry import metrics as registered_metrics
from crm.ui.registry import panels_for
from customers.records.signals import staff_handover
from tests.factories import CustomerFactory, UserFactory

from .factories import make_complaint, move

pytestmark = pytest.mark.django_db


def test_retained_for_three_years_then_deletable(rm, customer):
    c = make_complaint(rm, customer=customer)
    assert c.retain_until == c.received_on.replace(year=c.received_on.year + 3)
    with pytest.raises(ValidationError):
        c.delete()
    with pytest.raises(ValidationError):
        Complaint.objects.filter(pk=c.pk).delete()
    assert Complaint.objects.filter(pk=c.pk).exists()


def test_database_refuses_deleting_a_retained_complaint(postgres_only, rm, customer):
    c = make_complaint(rm, customer=customer)
    History.objects.filter(complaint=c).delete()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM complaints_complaint WHERE id = %s", [c.pk])
    assert Complaint.objects.filter(pk=c.pk).exists()


def test_an_expired_record_can_be_deleted(rm):
    c = make_complaint(rm, intake="counter", customer=None)
    History.objects.filter(complaint=c).delete()
    Complaint.objects.filter(pk=c.pk).update(
        retain_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    Complaint.objects.get(pk=c.pk).delete()
    assert not Complaint.objects.filter(pk=c.pk).exists()


def test_admin_refuses_deleting_within_retention(client, rm, customer):
    admin = UserFactory(role=roles.ADMINISTRATOR, is_staff=True, is_superuser=True)
    c = make_complaint(rm, customer=customer)
    client.force_login(admin)
    assert client.get(reverse("admin:complaints_complaint_change", args=[c.pk])).status_code == 200
    assert client.get(reverse("admin:complaints_complaint_delete", args=[c.pk])).status_code == 403
    changelist = client.get(reverse("admin:complaints_complaint_changelist"))
    assert "delete_selected" not in changelist.content.decode()


@pytest.mark.parametrize(
    "changes",
    [
        {"state": "not_accepted", "not_accepted_reason": ""},
        {"satisfaction": 9},
        {"is_anonymous": True},  # still has a name and customer
        {"state": "in_handling", "due_on": None},
        {"state": "decision_issued", "decision": ""},
        {"extension_level": 3},
    ],
)
def test_database_constraints(rm, customer, changes):
    c = make_complaint(rm, customer=customer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=c.pk).update(**changes)


def test_handover_moves_open_complaints_to_the_successor(rm, customer, officer):
    successor = UserFactory(role=roles.RELATIONSHIP_MANAGER)
    other_customer = CustomerFactory(owner=rm)
    open_one = move(officer, make_complaint(rm, customer=customer), "accepted")
    Complaint.objects.filter(pk=open_one.pk).update(handler=rm)
    closed = move(officer, make_complaint(rm, customer=customer), "closed")
    Complaint.objects.filter(pk=closed.pk).update(handler=rm)
    elsewhere = make_complaint(rm, customer=other_customer)
    Complaint.objects.filter(pk=elsewhere.pk).update(handler=rm)
    staff_handover.send(
        sender=None,
        departing_user=rm,
        successor_for={customer.pk: successor},
        acting_user=officer,
    )
    assert Complaint.objects.get(pk=open_one.pk).handler == successor
    assert Complaint.objects.get(pk=closed.pk).handler == rm  # closed ones keep their history
    assert Complaint.objects.get(pk=elsewhere.pk).handler == rm  # not in the handover map
    entry = AuditEntry.objects.get(action="complaint.handed_over")
    assert entry.actor == officer and entry.after == {"handler": successor.pk}
    assert History.objects.filter(complaint=open_one, event="assign").exists()


@pytest.mark.parametrize("count", [2, 8])
def test_handover_queries_do_not_grow_with_the_complaints(
    rm, officer, count, django_assert_num_queries
):
    from complaints.services import complaints_hand_over

    successor = UserFactory(role=roles.RELATIONSHIP_MANAGER)
    customers = CustomerFactory.create_batch(count, owner=rm)
    for c in customers:
        Complaint.objects.filter(pk=make_complaint(rm, customer=c).pk).update(handler=rm)
    # lock + UPDATE + history INSERT + audit INSERT (and its chain), whatever the number
    with django_assert_num_queries(4 + chain.extra_queries()):
        moved = complaints_hand_over(rm, {c.pk: successor for c in customers}, officer)
    assert moved == count
    assert Complaint.objects.filter(handler=successor).count() == count
    assert History.objects.filter(event="assign", actor=officer).count() == count
    assert AuditEntry.objects.filter(action="complaint.handed_over").count() == count


def test_metrics_are_registered_and_set_based(rm, customer, officer, django_assert_max_num_queries):
    keys = {m.key for m in registered_metrics()}
    assert {"complaints_received", "complaint_satisfaction"} <= keys
    make_complaint(rm, customer=customer)
    closed = move(officer, make_complaint(rm, customer=customer), "closed")
    today = timezone.localdate()
    with django_assert_max_num_queries(1):
        logged = metrics.complaints_logged([rm, officer], today - datetime.timedelta(days=7), today)
    assert logged == {rm.pk: 2}
    assert metrics.satisfaction([officer], today, today) == {closed.handler_id: 4.0}


def test_panel_is_registered_for_the_customer_360(rm):
    assert "complaints" in {p.key for p in panels_for("customer_360", rm)}


def test_demo_seeder_covers_every_state_and_is_idempotent(db):
    from django.core.management import call_command

    call_command("seed_demo", customers=24, force=True, stdout=io.StringIO())
    states = set(Complaint.objects.values_list("state", flat=True))
    assert states == {s for s, _ in Complaint._meta.get_field("state").choices}
    n = Complaint.objects.count()
    call_command("seed_demo", customers=24, force=True, stdout=io.StringIO())
    assert Complaint.objects.count() == n
    from complaints import figures

    assert figures.drift() == {}  # the statistics summary followed the demo data
