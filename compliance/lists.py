"""The risk-watch lists as the shared list machinery sees them (crm.ui.lists, crm.ui.bulk):
the warning list's columns and bulk actions, and the audit review's saved views."""

from django.utils.translation import gettext_lazy as _

from crm.ui.bulk import BulkAction
from crm.ui.lists import ListSpec

from .forms import WarningBulkAssignForm, WarningBulkStepForm
from .services import bulk
from .workflow import DISPOSE

WARNINGS = "compliance:warning-list"
AUDIT = "compliance:audit-review"

LISTS = (
    ListSpec(
        WARNINGS,
        _("Risk warnings"),
        columns={
            "kind": _("Kind"),
            "status": _("Status"),
            "owner": _("Owner"),
            "raised_on": _("Raised on"),
        },
        permission="compliance.view_riskwarning",
    ),
    ListSpec(AUDIT, _("Audit log"), permission="compliance.review_audit"),
)


def _assign(user, ids, *, owner, reason):
    return bulk.warnings_assign(user, ids, owner, reason=reason)


def _add_step(user, ids, *, kind, owner, due_on):
    return bulk.warnings_add_step(user, ids, kind=kind, owner=owner, due_on=due_on)


ACTIONS = (
    BulkAction(
        WARNINGS,
        "assign",
        _("Assign"),
        DISPOSE,
        _assign,
        WarningBulkAssignForm,
        done=_("%(n)d warning(s) assigned."),
        icon="person-check",
        order=10,
    ),
    BulkAction(
        WARNINGS,
        "step",
        _("Add disposal step"),
        DISPOSE,
        _add_step,
        WarningBulkStepForm,
        done=_("A disposal step was planned on %(n)d warning(s)."),
        icon="list-check",
        order=20,
    ),
)
