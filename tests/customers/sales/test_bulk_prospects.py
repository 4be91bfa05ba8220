"""Bulk actions on the pipeline board: assign and move stage under the pipeline's transitions
table, all or nothing, an audit row per prospect, within the board's scope."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from crm.audit.models import AuditEntry
from customers.sales.models import LifecycleEvent, Prospect
from customers.sales.services import bulk

from .factories import ProspectFactory

pytestmark = pytest.mark.django_db


def test_move_stage_moves_each_prospect_with_history_and_audit(rm_a):
    prospects = [ProspectFactory(owner=rm_a) for _ in range(3)]
    assert bulk.prospects_move(rm_a, [p.pk for p in prospects], "onboarding") == 3
    assert set(Prospect.objects.values_list("stage", flat=True)) == {"onboarding"}
    assert LifecycleEvent.objects.filter(to_stage="onboarding").count() == 3
    assert (
        AuditEntry.objects.filter(target_type="customers.prospect")
        .exclude(action="prospect.created")
        .count()
        == 3
    )


def test_a_move_the_pipeline_forbids_refuses_the_batch(rm_a):
    fresh = ProspectFactory(owner=rm_a, name="新客户甲")
    lost = ProspectFactory(owner=rm_a, name="已流失乙", stage="exited")
    with pytest.raises(ValidationError) as refused:
        bulk.prospects_move(rm_a, [fresh.pk, lost.pk], "onboarding")
    assert "已流失乙" in " ".join(refused.value.messages)
    assert Prospect.objects.get(pk=fresh.pk).stage == "prospect"
    assert not LifecycleEvent.objects.filter(to_stage="onboarding").exists()


def test_marking_lost_needs_a_reason_for_all(rm_a):
    prospects = [ProspectFactory(owner=rm_a) for _ in range(2)]
    with pytest.raises(ValidationError):
        bulk.prospects_move(rm_a, [p.pk for p in prospects], "exited")
    assert bulk.prospects_move(rm_a, [p.pk for p in prospects], "exited", reason="预算不足") == 2
    assert set(Prospect.objects.values_list("loss_reason", flat=True)) == {"预算不足"}


def test_conversion_is_not_a_bulk_move(rm_a):
    p = ProspectFactory(owner=rm_a, stage="onboarding")
    with pytest.raises(ValidationError):
        bulk.prospects_move(rm_a, [p.pk], "active")
    assert Prospect.objects.get(pk=p.pk).stage == "onboarding"


def test_lead_assigns_prospects_and_team_follows(lead, rm_a, rm_b):
    prospects = [ProspectFactory(owner=rm_a) for _ in range(2)]
    assert bulk.prospects_assign(lead, [p.pk for p in prospects], rm_b, reason="均衡") == 2
    assert set(Prospect.objects.values_list("owner", "team")) == {(rm_b.pk, rm_b.team_id)}
    assert AuditEntry.objects.filter(action="prospect.assigned").count() == 2


def test_an_rm_cannot_hand_prospects_to_a_colleague(rm_a, rm_b):
    p = ProspectFactory(owner=rm_a)
    with pytest.raises(ValidationError):
        bulk.prospects_assign(rm_a, [p.pk], rm_b)
    assert Prospect.objects.get(pk=p.pk).owner == rm_a


def test_a_prospect_outside_the_scope_refuses_the_batch(lead, rm_a, rm_b, other_rm):
    mine = ProspectFactory(owner=rm_a)
    elsewhere = ProspectFactory(owner=other_rm)
    with pytest.raises(ValidationError):
        bulk.prospects_assign(lead, [mine.pk, elsewhere.pk], rm_b)
    assert Prospect.objects.get(pk=mine.pk).owner == rm_a
    assert not AuditEntry.objects.filter(action="prospect.assigned").exists()


def test_an_auditor_moves_nothing(auditor, rm_a):
    p = ProspectFactory(owner=rm_a)
    with pytest.raises(PermissionDenied):
        bulk.prospects_move(auditor, [p.pk], "onboarding")


def test_the_board_offers_the_bar_within_budget(client, lead, rm_a, django_assert_max_num_queries):
    for _ in range(12):
        ProspectFactory(owner=rm_a)
    client.force_login(lead)
    url = reverse("customers:prospect-board")
    client.get(url)
    with django_assert_max_num_queries(12):
        body = client.get(url).content.decode()
    assert body.count('name="ids"') == 12
    assert 'id="bulk-move-run"' in body and 'id="bulk-assign-run"' in body
