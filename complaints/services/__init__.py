"""Complaint writes (DESIGN §5.4), one module per sub-domain: intake, the state machine
(workflow), withdrawals after acceptance, the SLA clocks, extensions, assignment, the deadline sweep and the statistics
export. Every change goes
through a function here: atomic, takes the acting user, takes the complaint through the access
contract (locked), writes a history row and an audit row in the same transaction.

The names below are the public ones; callers use `complaints.services.<name>`.
"""

from .assignment import complaints_hand_over, on_staff_handover
from .bulk import complaints_accept, complaints_assign
from .clocks import (
    DECISION_CLOCK,
    complaint_pause_clock,
    complaint_record_new_facts,
    complaint_resume_clock,
)
from .contact import REVEAL_PERMISSION, complaint_reveal_contact
from .extension import complaint_request_extension, on_extension_approved
from .intake import complaint_attach, complaint_log, profile_for_branch
from .profile import complaint_change_profile
from .statistics import complaints_statistics_export
from .sweep import complaints_sweep_deadlines
from .withdrawal import (
    complaint_request_withdrawal,
    complaint_set_named_staff,
    on_withdrawal_confirmed,
    on_withdrawal_refused,
    pending_withdrawal,
    withdrawals_naming,
)
from .workflow import (
    AFTER_ACCEPTANCE,
    TRANSITIONS,
    WORKFLOW,
    complaint_transition,
    complaint_transitions_allowed,
    is_named,
)

__all__ = [
    "AFTER_ACCEPTANCE",
    "DECISION_CLOCK",
    "REVEAL_PERMISSION",
    "TRANSITIONS",
    "WORKFLOW",
    "complaint_attach",
    "complaint_change_profile",
    "complaint_log",
    "complaint_pause_clock",
    "complaint_record_new_facts",
    "complaint_request_extension",
    "complaint_request_withdrawal",
    "complaint_resume_clock",
    "complaint_reveal_contact",
    "complaint_set_named_staff",
    "complaint_transition",
    "complaint_transitions_allowed",
    "complaints_accept",
    "complaints_assign",
    "complaints_hand_over",
    "complaints_statistics_export",
    "complaints_sweep_deadlines",
    "is_named",
    "withdrawals_naming",
    "on_extension_approved",
    "on_staff_handover",
    "on_withdrawal_confirmed",
    "on_withdrawal_refused",
    "pending_withdrawal",
    "profile_for_branch",
]
