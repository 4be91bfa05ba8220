import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from crm.accounts import roles
from crm.audit.models import AuditEntry
from crm.core.access import NotFound
from crm.ui.registry import panels_for
from customers.records.access import customers_for
from customers.records.models import Customer, CustomerCoServer, FollowUpTask
from customers.records.signals import staff_handover
from customers.sales import selectors
from customers.sales.models import HandoverItem, HandoverPlan, Prospect
from customers.sales.services import handover
from tests.customers.sales.factories import ProspectFactory
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def departing(team):
    return UserFactory(role=roles.RELATIONSHIP_MANAGER, team=team, branch=team.branch)


@pytest.fixture
def book(departing):
    customers = [CustomerFactory(owner=departing) for _ in range(6)]
    for c in customers[:4]:
        FollowUpTask.objects.create(
            customer=c, owner=departing, title="回访", reason="cadence", due_on=timezone.localdate()
        )
    FollowUpTask.objects.create(
        customer=customers[0],
        owner=departing,
        title="已完成",
        reason="cadence",
        due_on=timezone.localdate(),
        status="done",
    )
    ProspectFactory(owner=departing)
    ProspectFactory(owner=departing, stage="exited", loss_reason="x")
    return customers


@pytest.fixture
def successor_b(other_team):
    return UserFactory(role=roles.RELATIONSHIP_MANAGER, team=other_team, branch=other_team.branch)


def test_complete_with_two_successors_moves_everything(head, departing, rm_a, successor_b, book):
    received = []

    def receiver(**kwargs):
        received.append(kwargs)

    staff_handover.connect(receiver)
    try:
        plan = handover.handover_start(head, departing, rm_a, reason="leaving", note="离职交接")
        assert plan.items.count() == 6
        to_b = [c.pk for c in book[:2]]
        handover.handover_assign(head, plan, to_b, successor_b, note="重点客户，季度走访")
        audit_before = AuditEntry.objects.filter(action="customer.reassigned").count()
        done = handover.handover_complete(head, plan)
    finally:
        staff_handover.disconnect(receiver)

    assert done.status == "completed" and done.summary["customers"] == 6
    for c in Customer.objects.filter(pk__in=to_b):
        assert (
            c.owner == successor_b and c.team == successor_b.team and c.branch == successor_b.branch
        )
    assert Customer.objects.filter(owner=rm_a).count() == 4
    assert Customer.objects.filter(owner=departing).count() == 0
    # Open tasks follow their customer's successor; done ones keep their history.
    assert FollowUpTask.objects.get(customer=book[0], status="open").owner == successor_b
    assert FollowUpTask.objects.get(customer=book[3], status="open").owner == rm_a
    assert FollowUpTask.objects.get(status="done").owner == departing
    # Open prospects go to the default successor; lost ones stay as history.
    assert Prospect.objects.get(stage="prospect").owner == rm_a
    assert Prospect.objects.get(stage="exited").owner == departing
    # One audit row per customer, carrying the handover note, plus the plan rows.
    rows = AuditEntry.objects.filter(action="customer.reassigned")
    assert rows.count() - audit_before == 6
    row = rows.filter(target_id=str(book[0].pk)).get()
    assert row.purpose == "重点客户，季度走访" and row.actor == head
    assert row.before["owner"] == departing.pk and row.after["owner"] == successor_b.pk
    assert row.after["team"] == successor_b.team_id and row.target_repr.startswith(book[0].name)
    assert abs((timezone.now() - row.at).total_seconds()) < 60
    assert AuditEntry.objects.filter(action="handover.completed", target_id=str(plan.pk)).exists()
    # The signal went out once, with the successor of every customer.
    assert len(received) == 1
    assert received[0]["departing_user"] == departing and received[0]["acting_user"] == head
    assert received[0]["successor_for"][book[0].pk] == successor_b
    assert received[0]["successor_for"][book[5].pk] == rm_a
    departing.refresh_from_db()
    assert departing.is_active is False
    assert selectors.leftovers(departing) == {"customers": 0, "tasks": 0, "prospects": 0}
    # The successors see the customers in their books.
    assert set(customers_for(successor_b).values_list("pk", flat=True)) >= set(to_b)


def test_incomplete_handover_is_refused_and_changes_nothing(head, departing, rm_a, book):
    plan = handover.handover_start(head, departing, rm_a, reason="leaving")

    def sneaky(**kwargs):
        # Something gives the departing person a new customer inside the transaction.
        CustomerFactory(owner=kwargs["departing_user"])

    staff_handover.connect(sneaky)
    try:
        with pytest.raises(ValidationError) as exc:
            handover.handover_complete(head, plan)
    finally:
        staff_handover.disconnect(sneaky)
    assert "1" in " ".join(exc.value.messages)
    departing.refresh_from_db()
    plan.refresh_from_db()
    assert departing.is_active is True and plan.status == "draft"
    assert Customer.objects.filter(owner=departing).count() == 6
    assert not AuditEntry.objects.filter(action="handover.completed").exists()


def test_customers_gained_after_planning_go_to_the_default(head, departing, rm_a, book):
    plan = handover.handover_start(head, departing, rm_a, reason="leaving")
    late = CustomerFactory(owner=departing)
    handover.handover_complete(head, plan)
    late.refresh_from_db()
    assert late.owner == rm_a


def test_role_change_keeps_the_user_active(lead, departing, rm_a, rm_b, book):
    co_served = CustomerFactory(owner=rm_b)
    CustomerCoServer.objects.create(customer=co_served, user=departing)
    plan = handover.handover_start(lead, departing, rm_a, reason="role_change")
    done = handover.handover_complete(lead, plan)
    departing.refresh_from_db()
    assert departing.is_active is True
    # No access to the old book remains: co-serving ended with the handover.
    assert done.summary["co_servers_removed"] == 1
    assert not customers_for(departing).exists()
    assert not Customer.objects.filter(owner=departing).exists()


def test_inactive_or_out_of_scope_successor_is_refused(lead, departing, rm_a, rm_other, book):
    with pytest.raises(ValidationError):
        handover.handover_start(lead, departing, rm_other, reason="leaving")  # other team
    plan = handover.handover_start(lead, departing, rm_a, reason="leaving")
    with pytest.raises(ValidationError):
        handover.handover_assign(lead, plan, [book[0].pk], rm_other)
    rm_a.is_active = False
    rm_a.save()
    with pytest.raises(ValidationError):
        handover.handover_complete(lead, plan)
    assert Customer.objects.filter(owner=departing).count() == 6


def test_scope_and_permissions(lead, rm_a, rm_other, departing, book):
    with pytest.raises(ValidationError):
        handover.handover_start(lead, rm_other, rm_a, reason="leaving")  # not in the lead's team
    with pytest.raises(PermissionDenied):
        handover.handover_start(rm_a, departing, rm_a, reason="leaving")
    plan = handover.handover_start(lead, departing, rm_a, reason="leaving")
    with pytest.raises(ValidationError):
        handover.handover_start(lead, departing, rm_a, reason="leaving")  # one open plan
    other_lead = UserFactory(role=roles.TEAM_LEAD, team=rm_other.team, branch=rm_other.branch)
    with pytest.raises(NotFound):
        handover.handover_complete(other_lead, plan)


def test_handover_of_many_customers_is_set_based(
    head, departing, rm_a, successor_b, django_assert_max_num_queries
):
    customers = [CustomerFactory(owner=departing) for _ in range(40)]
    plan = handover.handover_start(head, departing, rm_a, reason="leaving")
    handover.handover_assign(head, plan, [c.pk for c in customers[:15]], successor_b)
    with django_assert_max_num_queries(40):
        handover.handover_complete(head, plan)
    assert Customer.objects.filter(owner=successor_b).count() == 15
    assert AuditEntry.objects.filter(action="customer.reassigned").count() == 40


def test_views_start_assign_complete(client, head, departing, rm_a, successor_b, book):
    client.force_login(head)
    response = client.post(
        reverse("customers:handover-start"),
        {"departing": departing.pk, "default_successor": rm_a.pk, "reason": "leaving", "note": ""},
    )
    plan = HandoverPlan.objects.get(departing=departing)
    assert response.status_code == 302
    page = client.get(reverse("customers:handover-detail", args=[plan.pk]))
    assert page.status_code == 200 and book[0].number in page.content.decode()
    client.post(
        reverse("customers:handover-detail", args=[plan.pk]),
        {"customer": [book[0].pk], "successor": successor_b.pk, "note": "交接说明"},
    )
    item = HandoverItem.objects.get(plan=plan, customer=book[0])
    assert item.successor == successor_b and item.note == "交接说明"
    client.post(reverse("customers:handover-complete", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == "completed"


def test_rm_cannot_open_handover_pages(client, rm_a, departing):
    client.force_login(rm_a)
    assert client.get(reverse("customers:handover-list")).status_code == 403
    assert client.get(reverse("customers:handover-panel", args=[departing.pk])).status_code == 403


def test_staff_detail_panel(client, lead, head, departing, rm_other):
    panels = [p for p in panels_for("staff_detail", lead) if p.key == "handover"]
    assert panels and panels[0].url_name == "customers:handover-panel"
    client.force_login(lead)
    body = client.get(reverse(panels[0].url_name, args=[departing.pk])).content.decode()
    assert 'id="start-handover"' in body and f"departing={departing.pk}" in body
    assert client.get(reverse(panels[0].url_name, args=[rm_other.pk])).status_code == 404


def test_panel_of_someone_who_left_shows_the_plan(client, lead, departing, rm_a, book):
    plan = handover.handover_start(lead, departing, rm_a, reason="leaving")
    handover.handover_complete(lead, plan)
    client.force_login(lead)
    body = client.get(reverse("customers:handover-panel", args=[departing.pk])).content.decode()
    assert reverse("customers:handover-detail", args=[plan.pk]) in body
    assert 'id="start-handover"' not in body


@pytest.mark.parametrize("successor", ["departing", "outside"], ids=["same-person", "other-team"])
def test_start_form_refuses_a_bad_default_successor_with_a_message(
    client, lead, departing, rm_other, book, successor
):
    """The service's refusal lands on the form's own field (it once named a field the start form
    does not have, and the page answered 500)."""
    client.force_login(lead)
    chosen = departing if successor == "departing" else rm_other
    response = client.post(
        reverse("customers:handover-start"),
        {"departing": departing.pk, "default_successor": chosen.pk, "reason": "leaving"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["default_successor"]
    assert not HandoverPlan.objects.exists()
