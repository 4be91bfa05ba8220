"""The pipeline board as the shared list machinery sees it: saved views of its owner / team
filters (crm.ui.lists) and its bulk actions (crm.ui.bulk)."""

from django.utils.translation import gettext_lazy as _

from crm.ui.bulk import BulkAction
from crm.ui.lists import ListSpec
from customers.sales.forms import ProspectBulkAssignForm, ProspectBulkMoveForm
from customers.sales.services import bulk

BOARD = "customers:prospect-board"

BOARD_LIST = ListSpec(BOARD, _("Pipeline"), permission="customers.view_prospect")


def _assign(user, ids, *, owner, reason):
    return bulk.prospects_assign(user, ids, owner, reason=reason)


def _move(user, ids, *, to_stage, reason):
    return bulk.prospects_move(user, ids, to_stage, reason=reason)


BOARD_ACTIONS = (
    BulkAction(
        BOARD,
        "move",
        _("Move stage"),
        "customers.change_prospect",
        _move,
        ProspectBulkMoveForm,
        done=_("%(n)d prospect(s) moved."),
        icon="arrow-right-square",
        order=10,
    ),
    BulkAction(
        BOARD,
        "assign",
        _("Assign"),
        "customers.change_prospect",
        _assign,
        ProspectBulkAssignForm,
        done=_("%(n)d prospect(s) assigned."),
        icon="person-check",
        order=20,
    ),
)
