"""The sales status tables (customers.sales.workflows) as data, role × transition, and what
crm.core.workflow writes for each: the history row, the audit row (on the right target) and the
app's own refusal messages."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext

from crm.accounts import roles
from crm.audit.models import AuditEntry
from customers.sales.models import HandoverPlan, LifecycleEvent, Statement
from customers.sales.services import handover, pipeline, statements
from customers.sales.workflows import (
    HANDOVER_FLOW,
    LIFECYCLE_FLOW,
    PROSPECT_FLOW,
    STATEMENT_FLOW,
)
from tests.customers.sales.factories import ProspectFactory
from tests.factories import CustomerFactory, InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db

FRONT = {roles.RELATIONSHIP_MANAGER, roles.TEAM_LEAD, roles.BRANCH_HEAD, roles.ADMINISTRATOR}
MANAGERS = {roles.TEAM_LEAD, roles.BRANCH_HEAD, roles.ADMINISTRATOR}
# Who may make each table's moves; everybody else (auditors above all) may make none.
MAY = {
    "prospect": FRONT,
    "lifecycle": FRONT,
    "statement": FRONT,
    "handover": MANAGERS,
}
FLOWS = {
    "prospect": PROSPECT_FLOW,
    "lifecycle": LIFECYCLE_FLOW,
    "statement": STATEMENT_FLOW,
    "handover": HANDOVER_FLOW,
}


def test_the_tables_hold_exactly_todays_moves():
    assert {t.key for t in PROSPECT_FLOW.table} == {
        ("prospect", "onboarding"),
        ("prospect", "exited"),
        ("onboarding", "prospect"),
        ("onboarding", "active"),
        ("onboarding", "exited"),
        ("exited", "prospect"),
    }
    assert {t.key for t in LIFECYCLE_FLOW.table} == {
        ("active", "dormant"),
        ("active", "exited"),
        ("dormant", "active"),
        ("dormant", "exited"),
        ("exited", "active"),
    }
    assert {t.key for t in STATEMENT_FLOW.table} == {
        ("generated", "reviewed"),
        ("reviewed", "reviewed"),
        ("reviewed", "sent"),
    }
    assert {t.key for t in HANDOVER_FLOW.table} == {
        ("draft", "completed"),
        ("draft", "cancelled"),
    }
    required = {t.key: t.required for t in PROSPECT_FLOW.table + LIFECYCLE_FLOW.table}
    assert required[("onboarding", "active")] == ("win_reason",)
    assert required[("prospect", "exited")] == ("loss_reason",)
    assert required[("active", "dormant")] == ("reason",)
    assert required[("dormant", "active")] == ()


@pytest.mark.parametrize("role", sorted(roles.ROLES))
@pytest.mark.parametrize("flow_name", sorted(FLOWS))
def test_role_by_transition(flow_name, role):
    user = UserFactory(role=role)
    flow = FLOWS[flow_name]
    allowed = {t.key for t in flow.table if flow.may(user, t)}
    expected = {t.key for t in flow.table} if role in MAY[flow_name] else set()
    assert allowed == expected


def test_prospect_move_writes_history_and_audit_row(rm_a):
    p = ProspectFactory(owner=rm_a)
    pipeline.prospect_move(rm_a, p, "exited", reason="选择他行")
    event = LifecycleEvent.objects.get(prospect=p, to_stage="exited")
    assert event.from_stage == "prospect" and event.reason == "选择他行" and event.actor == rm_a
    entry = AuditEntry.objects.get(action="prospect.exited", target_id=str(p.pk))
    assert entry.before["stage"] == "prospect" and entry.after["stage"] == "exited"
    assert entry.purpose == "选择他行"


def test_refused_prospect_move_changes_nothing_and_says_why(rm_a):
    p = ProspectFactory(owner=rm_a)
    with pytest.raises(ValidationError) as exc:
        pipeline.prospect_move(rm_a, p, "dormant")
    assert exc.value.messages == [
        gettext("A prospect cannot move from %(from)s to %(to)s.")
        % {"from": gettext("Prospect"), "to": gettext("Dormant")}
    ]
    p.refresh_from_db()
    assert p.stage == "prospect"
    assert not LifecycleEvent.objects.filter(prospect=p).exclude(to_stage="prospect").exists()
    assert not AuditEntry.objects.filter(action__startswith="prospect.", target_id=str(p.pk))


def test_lifecycle_move_is_audited_on_the_customer(rm_a):
    c = CustomerFactory(owner=rm_a)
    pipeline.lifecycle_move(rm_a, c, "dormant", reason="长期未联系")
    entry = AuditEntry.objects.get(action="lifecycle.dormant")
    assert entry.target_type == "customers.customer" and entry.target_id == str(c.pk)
    assert entry.before["stage"] == "active" and entry.after["stage"] == "dormant"


def test_auditor_may_not_move_a_customer(rm_a, auditor_user):
    c = CustomerFactory(owner=rm_a)
    with pytest.raises(PermissionDenied):
        pipeline.lifecycle_move(auditor_user, c, "dormant", reason="x")


def _statement(customer):
    statements.statements_generate(
        "monthly", datetime.date(2026, 10, 1), customer_ids=[customer.pk]
    )
    return Statement.objects.get(customer=customer)


def test_statement_refusals_keep_their_own_messages(rm_a):
    customer = InstitutionFactory(owner=rm_a)
    s = _statement(customer)
    with pytest.raises(ValidationError) as exc:
        statements.statement_send(rm_a, s, via="download")
    assert exc.value.messages == [str(_msg("Review the statement before sending it."))]
    statements.statement_review(rm_a, s, market_note="一")
    statements.statement_review(rm_a, s, market_note="二")  # again, until it is sent
    statements.statement_send(rm_a, s, via="download")
    with pytest.raises(ValidationError) as exc:
        statements.statement_review(rm_a, s, market_note="三")
    assert exc.value.messages == [str(_msg("This statement has already been sent."))]
    entry = AuditEntry.objects.get(action="statement.sent")
    assert entry.target_id == str(customer.pk) and entry.after["statement"] == s.pk
    reviewed = AuditEntry.objects.filter(action="statement.reviewed").order_by("pk")
    assert [e.after["note_changed"] for e in reviewed] == [True, True]


def _msg(text):
    return gettext(text)


def test_handover_cancel_goes_through_the_table(client, lead, rm_a, team):
    departing = UserFactory(role=roles.RELATIONSHIP_MANAGER, team=team, branch=team.branch)
    plan = handover.handover_start(lead, departing, rm_a, reason="leaving")
    handover.handover_cancel(lead, plan)
    plan.refresh_from_db()
    assert plan.status == HandoverPlan.Status.CANCELLED
    entry = AuditEntry.objects.get(action="handover.cancelled", target_id=str(plan.pk))
    assert entry.before["status"] == "draft" and entry.after["status"] == "cancelled"
    with pytest.raises(ValidationError) as exc:
        handover.handover_complete(lead, plan)
    assert exc.value.messages == [str(_msg("This handover plan is no longer open."))]
    client.force_login(lead)
    client.post(reverse("customers:handover-cancel", args=[plan.pk]))
    assert AuditEntry.objects.filter(action="handover.cancelled").count() == 1
