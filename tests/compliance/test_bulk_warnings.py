"""Bulk actions on the warning list: assign and plan a disposal step, all or nothing, an audit
row per warning, within the list's scope; the list with its action bar within budget."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from compliance.models import DisposalStep, RiskWarning
from compliance.services import bulk
from crm.audit.models import AuditEntry
from customers.records.models import CustomerCoServer
from tests.factories import CustomerFactory

from .factories import WarningFactory

pytestmark = pytest.mark.django_db


def later(n):
    return timezone.localdate() + datetime.timedelta(days=n)


def test_lead_assigns_warnings_with_an_audit_row_each(lead, rm_a, rm_b):
    warnings = [WarningFactory(customer=CustomerFactory(owner=rm_b)) for _ in range(2)]
    for w in warnings:
        w.owner = rm_a
        w.save()
    assert bulk.warnings_assign(lead, [w.pk for w in warnings], rm_b, reason="本人客户") == 2
    assert set(RiskWarning.objects.values_list("owner", flat=True)) == {rm_b.pk}
    rows = AuditEntry.objects.filter(action="warning.assigned")
    assert sorted(rows.values_list("target_id", flat=True)) == sorted(str(w.pk) for w in warnings)
    assert {r.before["owner"] for r in rows} == {rm_a.pk}


def test_assign_refuses_an_owner_who_cannot_see_one_customer(lead, rm_a, rm_b):
    seen = WarningFactory(customer=CustomerFactory(owner=rm_b))
    unseen = WarningFactory(customer=CustomerFactory(owner=rm_a))
    with pytest.raises(ValidationError) as refused:
        bulk.warnings_assign(lead, [seen.pk, unseen.pk], rm_b)
    assert f"#{unseen.pk}" in " ".join(refused.value.messages)
    assert RiskWarning.objects.get(pk=seen.pk).owner == rm_b  # unchanged (factory: the RM)
    assert RiskWarning.objects.get(pk=unseen.pk).owner == rm_a
    assert not AuditEntry.objects.filter(action="warning.assigned").exists()
    CustomerCoServer.objects.create(customer=unseen.customer, user=rm_b)
    assert bulk.warnings_assign(lead, [seen.pk, unseen.pk], rm_b) == 1


def test_an_rm_can_only_assign_to_themself(rm_a, rm_b):
    w = WarningFactory(customer=CustomerFactory(owner=rm_a))
    with pytest.raises(ValidationError):
        bulk.warnings_assign(rm_a, [w.pk], rm_b)
    assert RiskWarning.objects.get(pk=w.pk).owner == rm_a


def test_an_auditor_takes_no_bulk_action(auditor, rm_a):
    w = WarningFactory(customer=CustomerFactory(owner=rm_a))
    with pytest.raises(PermissionDenied):
        bulk.warnings_add_step(auditor, [w.pk], kind="visit", owner=rm_a, due_on=later(2))
    assert not DisposalStep.objects.exists()


def test_add_step_plans_one_step_per_warning(rm_a):
    warnings = [WarningFactory(customer=CustomerFactory(owner=rm_a)) for _ in range(3)]
    n = bulk.warnings_add_step(
        rm_a, [w.pk for w in warnings], kind="visit", owner=rm_a, due_on=later(3)
    )
    assert n == 3
    assert DisposalStep.objects.filter(kind="visit", owner=rm_a, due_on=later(3)).count() == 3
    assert AuditEntry.objects.filter(action="step.planned").count() == 3


def test_add_step_is_all_or_nothing_on_a_released_warning(rm_a):
    active = WarningFactory(customer=CustomerFactory(owner=rm_a))
    released = WarningFactory(customer=CustomerFactory(owner=rm_a), status="released")
    with pytest.raises(ValidationError):
        bulk.warnings_add_step(
            rm_a, [active.pk, released.pk], kind="verify", owner=rm_a, due_on=later(1)
        )
    assert not DisposalStep.objects.exists()
    assert not AuditEntry.objects.filter(action="step.planned").exists()


def test_a_warning_outside_the_scope_refuses_the_batch(rm_a, rm_other):
    mine = WarningFactory(customer=CustomerFactory(owner=rm_a))
    theirs = WarningFactory(customer=CustomerFactory(owner=rm_other))
    with pytest.raises(ValidationError) as refused:
        bulk.warnings_add_step(
            rm_a, [mine.pk, theirs.pk], kind="visit", owner=rm_a, due_on=later(1)
        )
    assert "1" in " ".join(refused.value.messages)
    assert not DisposalStep.objects.exists()


def test_warning_list_with_the_bar_stays_within_budget(
    client, lead, rm_a, django_assert_max_num_queries
):
    for _ in range(20):
        WarningFactory(customer=CustomerFactory(owner=rm_a))
    client.force_login(lead)
    url = reverse("compliance:warning-list")
    client.get(url)
    with django_assert_max_num_queries(12):
        body = client.get(url).content.decode()
    assert body.count('name="ids"') == 20
    assert 'id="bulk-step-run"' in body and 'id="bulk-assign-run"' in body


def test_the_bar_plans_steps_through_the_shared_view(client, rm_a):
    warnings = [WarningFactory(customer=CustomerFactory(owner=rm_a)) for _ in range(2)]
    client.force_login(rm_a)
    response = client.post(
        reverse("ui:bulk-run"),
        {
            "list": "compliance:warning-list",
            "action": "step",
            "ids": [w.pk for w in warnings],
            "step-kind": "visit",
            "step-owner": rm_a.pk,
            "step-due_on": later(2).isoformat(),
        },
    )
    assert response.status_code == 302
    assert DisposalStep.objects.count() == 2
