"""Manual overrides: reason and expiry, four-eyes approval (self-approval refused), audited."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from crm.accounts import roles
from crm.audit.models import AuditEntry
from crm.core.access import NotFound
from crm.core.approvals import approval_decide
from crm.core.models import ApprovalRequest
from customers.records.models import Customer
from tests.factories import UserFactory
from tiering import services
from tiering.models import TierAssignment, TierOverride

from .factories import AS_OF, CustomerFactory, contribute

pytestmark = pytest.mark.django_db


@pytest.fixture
def classified(policy, rm):
    big = CustomerFactory(owner=rm, number="O1")
    small = CustomerFactory(owner=rm, number="O2")
    contribute(big, 1000)
    contribute(small, 1)
    services.run_recalculate(AS_OF, policy=policy)
    small.refresh_from_db()
    assert small.tier == "C"
    return small


def _until(days=30):
    return timezone.localdate() + datetime.timedelta(days=days)


def test_lead_proposes_head_approves_class_changes(classified, lead, head):
    override = services.override_propose(
        lead, classified, tier="A", reason="集团客户整体授信", expires_on=_until()
    )
    assert override.status == TierOverride.Status.PENDING
    assert Customer.objects.get(pk=classified.pk).tier == "C"  # nothing until approved
    approval_decide(head, override.approval_id, approve=True)
    override.refresh_from_db()
    assert override.status == TierOverride.Status.APPROVED and override.decided_by == head
    assert Customer.objects.get(pk=classified.pk).tier == "A"
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"tier_override.proposed", "tier_override.approved"} <= actions


def test_self_approval_is_refused(classified, lead):
    override = services.override_propose(
        lead, classified, tier="B", reason="测试自批", expires_on=_until()
    )
    with pytest.raises(PermissionDenied):
        approval_decide(lead, override.approval_id, approve=True)
    assert Customer.objects.get(pk=classified.pk).tier == "C"
    assert TierOverride.objects.get(pk=override.pk).status == TierOverride.Status.PENDING


def test_an_rm_cannot_approve(classified, rm, lead, team):
    other_rm = UserFactory(role=roles.RELATIONSHIP_MANAGER, team=team, branch=team.branch)
    override = services.override_propose(
        lead, classified, tier="B", reason="理由充分", expires_on=_until()
    )
    with pytest.raises(NotFound):
        approval_decide(other_rm, override.approval_id, approve=True)


def test_approver_must_see_the_customer(classified, lead):
    outsider = UserFactory(role=roles.TEAM_LEAD)  # another team
    override = services.override_propose(
        lead, classified, tier="B", reason="理由充分", expires_on=_until()
    )
    with pytest.raises(NotFound):
        approval_decide(outsider, override.approval_id, approve=True)


def test_rejection_leaves_the_class(classified, lead, head):
    override = services.override_propose(
        lead, classified, tier="A", reason="理由充分", expires_on=_until()
    )
    approval_decide(head, override.approval_id, approve=False, note="证据不足")
    assert TierOverride.objects.get(pk=override.pk).status == TierOverride.Status.REJECTED
    assert Customer.objects.get(pk=classified.pk).tier == "C"


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"tier": "A", "reason": "短"}, "reason"),
        ({"tier": "X", "reason": "理由充分的说明"}, "tier"),
        ({"tier": "A", "reason": "理由充分的说明", "expires_on": "past"}, "expires_on"),
        ({"tier": "A", "reason": "理由充分的说明", "expires_on": "far"}, "expires_on"),
    ],
)
def test_bad_proposals_change_nothing(classified, lead, kwargs, field):
    if kwargs.get("expires_on") == "past":
        kwargs["expires_on"] = timezone.localdate()
    elif kwargs.get("expires_on") == "far":
        kwargs["expires_on"] = _until(181)
    with pytest.raises(ValidationError) as exc:
        services.override_propose(lead, classified, **kwargs)
    assert field in exc.value.message_dict
    assert not TierOverride.objects.exists() and not ApprovalRequest.objects.exists()


def test_one_open_override_per_customer(classified, lead, rm):
    services.override_propose(lead, classified, tier="A", reason="理由充分", expires_on=_until())
    with pytest.raises(ValidationError):
        services.override_propose(rm, classified, tier="B", reason="理由充分", expires_on=_until())


def test_outside_the_book_is_not_found(classified):
    stranger = UserFactory(role=roles.RELATIONSHIP_MANAGER)
    with pytest.raises(NotFound):
        services.override_propose(
            stranger, classified, tier="A", reason="理由充分", expires_on=_until()
        )


def test_auditor_cannot_propose(classified):
    auditor = UserFactory(role=roles.AUDITOR)
    with pytest.raises(PermissionDenied):
        services.override_propose(
            auditor, classified, tier="A", reason="理由充分", expires_on=_until()
        )


def test_next_run_honours_the_override_then_expiry_reverts(classified, lead, head, policy):
    override = services.override_propose(
        lead, classified, tier="A", reason="理由充分", expires_on=_until(10)
    )
    approval_decide(head, override.approval_id, approve=True)
    later = AS_OF + datetime.timedelta(days=1)
    run = services.run_recalculate(later, policy=policy)
    row = TierAssignment.objects.get(run=run, customer=classified)
    assert (row.computed_class, row.base_class, row.applied_class) == ("C", "C", "A")
    assert row.override_id == override.pk
    assert Customer.objects.get(pk=classified.pk).tier == "A"
    # not expired yet: nothing happens
    assert services.override_expire(_until(10)) == 0
    assert services.override_expire(_until(11)) == 1
    assert TierOverride.objects.get(pk=override.pk).status == TierOverride.Status.EXPIRED
    assert Customer.objects.get(pk=classified.pk).tier == "C"
    assert services.override_expire(_until(11)) == 0  # idempotent


def test_expired_override_is_ignored_by_a_run(classified, lead, head, policy):
    override = services.override_propose(
        lead, classified, tier="A", reason="理由充分", expires_on=_until(10)
    )
    approval_decide(head, override.approval_id, approve=True)
    far = max(_until(40), AS_OF + datetime.timedelta(days=40))
    run = services.run_recalculate(far, policy=policy)
    assert TierAssignment.objects.get(run=run, customer=classified).applied_class == "C"


def test_withdrawn_request_withdraws_the_override(classified, lead):
    from crm.core.approvals import approval_withdraw

    override = services.override_propose(
        lead, classified, tier="A", reason="理由充分", expires_on=_until()
    )
    approval_withdraw(lead, override.approval_id)
    # a new proposal is possible again; the withdrawn one follows its request
    services.override_propose(lead, classified, tier="B", reason="新的理由", expires_on=_until())
    assert TierOverride.objects.get(pk=override.pk).status == TierOverride.Status.WITHDRAWN


def test_vip_override(classified, lead, head):
    override = services.override_propose(
        lead, classified, tier="B", vip_level="diamond", reason="理由充分", expires_on=_until()
    )
    approval_decide(head, override.approval_id, approve=True)
    customer = Customer.objects.get(pk=classified.pk)
    assert (customer.tier, customer.vip_level) == ("B", "diamond")
    assert D(0) <= customer.aum
