"""Risk warnings move only through their transitions table (compliance.workflow): who may make
each move, which moves exist, and that the set-based sweep follows the same table and writes the
same audit rows as Workflow.apply."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from compliance.models import DisposalStep, RiskWarning, WarningStatus
from compliance.services import disposal, sweep
from compliance.workflow import WARNING_FLOW, WARNING_TRANSITIONS
from crm.accounts import roles
from crm.audit.models import AuditEntry
from crm.core.workflow import TransitionError
from tests.factories import CustomerFactory, UserFactory

from .factories import StepFactory, WarningFactory

pytestmark = pytest.mark.django_db

S = WarningStatus
# Who disposes of warnings: the customer's book (RM, team lead, branch head) and risk work.
DISPOSERS = {
    roles.RELATIONSHIP_MANAGER,
    roles.TEAM_LEAD,
    roles.BRANCH_HEAD,
    roles.RISK_OFFICER,
    roles.COMPLIANCE_OFFICER,
}


def test_the_table_is_the_documented_one():
    assert {t.key for t in WARNING_TRANSITIONS} == {
        ("open", "verified"),
        ("escalated", "verified"),
        ("open", "escalated"),
        ("open", "released"),
        ("verified", "released"),
        ("escalated", "released"),
    }
    assert WARNING_FLOW.targets_from(S.RELEASED) == set()  # released is final
    assert WARNING_FLOW.sources_of(S.ESCALATED) == ("open",)


@pytest.mark.parametrize("role", sorted(roles.ROLES))
@pytest.mark.parametrize("move", WARNING_TRANSITIONS, ids=lambda t: f"{t.source}->{t.target}")
def test_role_by_transition_matrix(role, move):
    user = UserFactory(role=role)
    warning = WarningFactory(status=move.source)
    expected = role in DISPOSERS
    assert WARNING_FLOW.may(user, move) is expected
    assert (move in WARNING_FLOW.allowed(user, warning)) is expected
    if not expected:
        with pytest.raises(PermissionDenied):
            WARNING_FLOW.spec(warning, move.target, acting_user=user)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("released", "open"),
        ("released", "verified"),
        ("released", "escalated"),
        ("verified", "escalated"),
        ("verified", "open"),
        ("escalated", "open"),
        ("open", "open"),
    ],
)
def test_illegal_moves_are_refused_and_change_nothing(source, target, compliance_user):
    warning = WarningFactory(status=source)
    with pytest.raises(TransitionError):
        WARNING_FLOW.apply(compliance_user, warning, target)
    warning.refresh_from_db()
    assert warning.status == source
    assert not AuditEntry.objects.filter(action__startswith="warning.").exists()


def test_verify_step_moves_through_the_workflow(rm_user):
    warning = WarningFactory(customer=CustomerFactory(owner=rm_user), owner=rm_user)
    step = StepFactory(warning=warning, kind=DisposalStep.Kind.VERIFY, owner=rm_user)
    disposal.step_complete(rm_user, step, outcome="电话核实属实")
    warning.refresh_from_db()
    assert warning.status == S.VERIFIED and warning.verified_at is not None
    entry = AuditEntry.objects.get(action="warning.verified")
    assert entry.before["status"] == "open" and entry.after["status"] == "verified"
    assert entry.purpose == "电话核实属实"
    # A second verify step records its outcome; the warning stays verified (no move).
    again = StepFactory(warning=warning, kind=DisposalStep.Kind.VERIFY, owner=rm_user)
    disposal.step_complete(rm_user, again, outcome="再次核实")
    assert AuditEntry.objects.filter(action="warning.verified").count() == 1
    assert AuditEntry.objects.filter(action="step.completed").count() == 2


def test_release_of_a_released_warning_is_refused(rm_user):
    warning = WarningFactory(
        customer=CustomerFactory(owner=rm_user), owner=rm_user, status=S.RELEASED
    )
    step = StepFactory(warning=warning, kind=DisposalStep.Kind.RELEASE, owner=rm_user)
    with pytest.raises(ValidationError):
        disposal.step_complete(rm_user, step, outcome="解除")
    step.refresh_from_db()
    assert step.done_at is None


def test_sweep_follows_the_table_and_audits_like_apply():
    today = timezone.localdate()
    late = today - datetime.timedelta(days=2)
    overdue_open = WarningFactory(verify_by=late)
    overdue_verified = WarningFactory(verify_by=late, status=S.VERIFIED)
    assert sweep.warning_sweep(today) == 1
    overdue_open.refresh_from_db()
    overdue_verified.refresh_from_db()
    assert overdue_open.status == S.ESCALATED
    assert overdue_verified.status == S.VERIFIED  # not a source of "escalated" in the table
    entry = AuditEntry.objects.get(action=WARNING_FLOW.audit_action(S.ESCALATED))
    assert entry.target_id == str(overdue_open.pk)
    assert entry.before == {"status": "open"} and entry.after == {"status": "escalated"}
    # The automatic escalate step is the move's history row.
    assert DisposalStep.objects.filter(warning=overdue_open, automatic=True).count() == 1
    assert RiskWarning.objects.active().count() == 2
