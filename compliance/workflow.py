"""The risk warning's status moves, as data (crm.core.workflow).

A warning is raised "open"; completing a verify step verifies it (from open, or after the
sweep escalated it), the escalation sweep escalates open warnings past their deadline, and a
release step releases it from any active status. Released is final. The disposal step that
causes a move is its history row (written in the same transaction); every move writes the
audit row "warning.<target status>".
"""

from crm.core.workflow import Transition, Workflow, transitions

from .models import WarningStatus

S = WarningStatus
DISPOSE = "compliance.dispose_riskwarning"

WARNING_TRANSITIONS: tuple[Transition, ...] = (
    *transitions((S.OPEN, S.ESCALATED), S.VERIFIED, DISPOSE, required=("outcome",)),
    # The sweep moves these set-based without an acting user (services.sweep); the permission is
    # what a person would need to make the same move.
    *transitions((S.OPEN,), S.ESCALATED, DISPOSE),
    *transitions((S.OPEN, S.VERIFIED, S.ESCALATED), S.RELEASED, DISPOSE, required=("outcome",)),
)

WARNING_FLOW = Workflow(
    WARNING_TRANSITIONS,
    audit_entity="warning",
    label_of=lambda status: WarningStatus(status).label,
)
