import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from crm.accounts import roles
from crm.audit.models import AuditEntry
from crm.core.access import NotFound
from customers.records.models import Customer, FollowUpTask
from customers.sales import access, metrics, selectors
from customers.sales.models import CustomerLifecycle, LifecycleEvent, Prospect
from customers.sales.services import dormancy, pipeline
from tests.customers.sales.factories import ChannelFactory, ProspectFactory
from tests.factories import CustomerFactory, MonthlyAggregateFactory, UserFactory

pytestmark = pytest.mark.django_db


def _new(rm, **kw):
    return pipeline.prospect_create(
        rm, Prospect(name=kw.pop("name", "周建华"), owner=rm, source="walk_in", **kw)
    )


def test_create_prospect_records_history_and_follows_owner(rm_a):
    p = _new(rm_a, expected_aum=Decimal("3000000"))
    assert p.stage == "prospect" and p.branch_id == rm_a.branch_id and p.team_id == rm_a.team_id
    assert list(p.events.values_list("to_stage", flat=True)) == ["prospect"]
    assert AuditEntry.objects.filter(action="prospect.created", target_id=str(p.pk)).exists()


def test_channel_source_needs_a_channel(rm_a):
    with pytest.raises(ValidationError):
        pipeline.prospect_create(rm_a, Prospect(name="x", owner=rm_a, source="channel"))
    p = pipeline.prospect_create(
        rm_a, Prospect(name="x", owner=rm_a, source="channel", channel=ChannelFactory())
    )
    assert p.channel_id


def test_rm_cannot_give_prospect_to_someone_else(rm_a, rm_b):
    with pytest.raises(ValidationError):
        pipeline.prospect_create(rm_a, Prospect(name="x", owner=rm_b, source="walk_in"))


@pytest.mark.parametrize(
    "path,allowed",
    [
        (["onboarding"], True),
        (["active"], False),  # a prospect cannot skip onboarding
        (["dormant"], False),
        (["onboarding", "prospect", "exited", "prospect"], True),
        (["exited", "onboarding"], False),
    ],
)
def test_transition_table_is_enforced(rm_a, path, allowed):
    p = _new(rm_a)
    try:
        for to in path:
            p = pipeline.prospect_move(rm_a, p, to, reason="客户已选择他行")
    except ValidationError:
        assert not allowed
        p.refresh_from_db()
        assert p.stage != path[-1] or path[-1] == "prospect"
    else:
        assert allowed
        assert p.stage == path[-1]


def test_loss_needs_a_reason_and_nothing_changes_without(rm_a):
    p = _new(rm_a)
    with pytest.raises(ValidationError) as exc:
        pipeline.prospect_move(rm_a, p, "exited", reason="  ")
    assert "原因" in " ".join(exc.value.messages) or "reason" in " ".join(exc.value.messages)
    p.refresh_from_db()
    assert p.stage == "prospect" and p.events.count() == 1
    pipeline.prospect_move(rm_a, p, "exited", reason="收益预期过高")
    p.refresh_from_db()
    assert p.loss_reason == "收益预期过高"


def test_conversion_creates_customer_and_keeps_history(rm_a):
    p = _new(rm_a, name="郑海燕")
    pipeline.prospect_move(rm_a, p, "onboarding")
    with pytest.raises(ValidationError):
        pipeline.prospect_move(rm_a, p, "active", reason="认可服务")  # no customer number
    p = pipeline.prospect_move(
        rm_a, p, "active", reason="认可服务", customer_number="n0001", aum_raised=Decimal("6500000")
    )
    customer = Customer.objects.get(number="N0001")
    assert p.customer == customer and customer.owner == rm_a and customer.name == "郑海燕"
    assert p.aum_raised == Decimal("6500000") and p.win_reason == "认可服务"
    assert CustomerLifecycle.objects.get(customer=customer).stage == "active"
    # The whole pipeline history now belongs to the customer as well.
    assert [e.to_stage for e in selectors.history_of_customer(customer)] == [
        "prospect",
        "onboarding",
        "active",
    ]
    assert selectors.customer_stage(customer) == "active"


def test_conversion_links_existing_customer_in_book_only(rm_a, rm_b):
    theirs = CustomerFactory(owner=rm_b, number="X0009")
    p = _new(rm_a)
    pipeline.prospect_move(rm_a, p, "onboarding")
    with pytest.raises(ValidationError):
        pipeline.prospect_move(rm_a, p, "active", reason="ok", customer_number=theirs.number)
    mine = CustomerFactory(owner=rm_a, number="X0010")
    p = pipeline.prospect_move(rm_a, p, "active", reason="ok", customer_number=mine.number)
    assert p.customer == mine


def test_other_rms_prospect_is_out_of_scope(rm_a, rm_b):
    p = _new(rm_a)
    with pytest.raises(NotFound):
        pipeline.prospect_move(rm_b, p, "onboarding")


def test_auditor_cannot_move(rm_a, auditor_user):
    p = _new(rm_a)
    with pytest.raises(PermissionDenied):
        pipeline.prospect_move(auditor_user, p, "onboarding")


def test_customer_lifecycle_dormant_and_back(rm_a):
    c = CustomerFactory(owner=rm_a)
    assert selectors.customer_stage(c) == "active"
    with pytest.raises(ValidationError):
        pipeline.lifecycle_move(rm_a, c, "dormant")  # needs a reason
    pipeline.lifecycle_move(rm_a, c, "dormant", reason="长期未联系")
    assert selectors.customer_stage(c) == "dormant"
    with pytest.raises(ValidationError):
        pipeline.lifecycle_move(rm_a, c, "onboarding")
    pipeline.lifecycle_move(rm_a, c, "active")
    assert selectors.customer_stage(c) == "active"
    assert c.lifecycle_events.count() == 2


# ---- board ----------------------------------------------------------------------------------


def test_board_query_budget_and_content(client, rm_a, rm_b, django_assert_max_num_queries):
    channel = ChannelFactory()
    for i in range(25):
        ProspectFactory(
            owner=rm_a,
            stage="prospect" if i % 2 else "onboarding",
            source="channel",
            channel=channel,
        )
    ProspectFactory(owner=rm_b, name="别人的客户")
    client.force_login(rm_a)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("customers:prospect-board"))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('class="border rounded p-2 small prospect-card"') == 25
    assert "别人的客户" not in body


def test_team_lead_board_for_an_rm_and_out_of_scope_owner(client, lead, rm_a, rm_other):
    ProspectFactory(owner=rm_a, name="甲客户")
    ProspectFactory(owner=rm_other, name="乙客户")
    client.force_login(lead)
    body = client.get(reverse("customers:prospect-board") + f"?owner={rm_a.pk}").content.decode()
    assert "甲客户" in body and "乙客户" not in body
    assert (
        client.get(reverse("customers:prospect-board") + f"?owner={rm_other.pk}").status_code == 404
    )
    body = client.get(
        reverse("customers:prospect-board") + f"?team={lead.team_id}"
    ).content.decode()
    assert "甲客户" in body
    assert (
        client.get(reverse("customers:prospect-board") + f"?team={rm_other.team_id}").status_code
        == 404
    )


def test_htmx_stage_button_moves_and_rerenders(client, rm_a):
    p = ProspectFactory(owner=rm_a)
    client.force_login(rm_a)
    response = client.post(
        reverse("customers:prospect-move", args=[p.pk]),
        {"to": "onboarding", "from": "board"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and 'id="pipeline-board"' in response.content.decode()
    p.refresh_from_db()
    assert p.stage == "onboarding"
    # Refused moves re-render with a message and change nothing.
    response = client.post(
        reverse("customers:prospect-move", args=[p.pk]),
        {"to": "dormant", "from": "board"},
        HTTP_HX_REQUEST="true",
    )
    assert "alert-danger" in response.content.decode()
    p.refresh_from_db()
    assert p.stage == "onboarding"


def test_move_of_other_rms_prospect_is_404(client, rm_a, rm_b):
    p = ProspectFactory(owner=rm_b)
    client.force_login(rm_a)
    assert (
        client.post(
            reverse("customers:prospect-move", args=[p.pk]), {"to": "onboarding"}
        ).status_code
        == 404
    )
    assert client.get(reverse("customers:prospect-detail", args=[p.pk])).status_code == 404


# ---- dormant detection ----------------------------------------------------------------------


def _age(customer, days):
    Customer.objects.filter(pk=customer.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days)
    )


def test_dormant_detection_feeds_follow_ups_once(rm_a):
    today = timezone.localdate()
    quiet = CustomerFactory(owner=rm_a)
    trading = CustomerFactory(owner=rm_a)
    contacted = CustomerFactory(owner=rm_a)
    new = CustomerFactory(owner=rm_a)
    for c in (quiet, trading, contacted):
        _age(c, 400)
    MonthlyAggregateFactory(customer=trading, month=today.replace(day=1), trade_count=3)
    MonthlyAggregateFactory(
        customer=quiet, month=(today - datetime.timedelta(days=300)).replace(day=1), trade_count=9
    )
    FollowUpTask.objects.create(
        customer=contacted,
        owner=rm_a,
        title="回访",
        reason="cadence",
        due_on=today,
        status="done",
        completed_at=timezone.now() - datetime.timedelta(days=20),
    )
    result = dormancy.customers_detect_dormant(today=today, months=6)
    assert result["dormant"] == 1 and result["tasks"] == 1
    assert selectors.customer_stage(quiet) == "dormant"
    for c in (trading, contacted, new):
        assert selectors.customer_stage(c) == "active"
    task = FollowUpTask.objects.get(customer=quiet, status="open")
    assert task.owner == rm_a and task.dedupe_key.startswith(f"dormant:{quiet.pk}:")
    assert LifecycleEvent.objects.filter(customer=quiet, to_stage="dormant").count() == 1
    # A second run changes nothing.
    again = dormancy.customers_detect_dormant(today=today, months=6)
    assert again == {"dormant": 0, "reactivated": 0, "tasks": 0}
    assert FollowUpTask.objects.filter(customer=quiet).count() == 1
    # Trading again reactivates.
    MonthlyAggregateFactory(customer=quiet, month=today.replace(day=1), trade_count=1)
    assert dormancy.customers_detect_dormant(today=today, months=6)["reactivated"] == 1
    assert selectors.customer_stage(quiet) == "active"


def test_dormant_detection_query_count_is_fixed(rm_a, django_assert_max_num_queries):
    customers = [CustomerFactory(owner=rm_a) for _ in range(12)]
    Customer.objects.filter(pk__in=[c.pk for c in customers]).update(
        created_at=timezone.now() - datetime.timedelta(days=400)
    )
    # Fixed statements plus schedule_follow_up's few per new task (bounded by the new dormant).
    with django_assert_max_num_queries(16 + 5 * 12):
        assert dormancy.customers_detect_dormant(months=6)["dormant"] == 12


def test_converted_metric(rm_a, rm_b):
    p = _new(rm_a)
    pipeline.prospect_move(rm_a, p, "onboarding")
    pipeline.prospect_move(rm_a, p, "active", reason="ok", customer_number="M1")
    today = timezone.localdate()
    assert metrics.converted_metric([rm_a, rm_b], today, today) == {rm_a.pk: 1}


def test_branch_head_sees_branch_prospects(head, rm_a, rm_other):
    ProspectFactory(owner=rm_a)
    ProspectFactory(owner=rm_other)
    outsider = UserFactory(role=roles.RELATIONSHIP_MANAGER)
    ProspectFactory(owner=outsider)
    assert access.prospects_for(head).count() == 2
