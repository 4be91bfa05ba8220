"""The status tables of sales (crm.core.workflow): prospect pipeline, customer lifecycle,
statements and handover plans. Services move a status only through these; pages read the moves
offered from them."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core.workflow import Transition, Workflow, transitions
from customers.sales.models import HandoverPlan, LifecycleStage, Statement

S = LifecycleStage
CHANGE_PROSPECT = "customers.change_prospect"
CHANGE_CUSTOMER = "customers.change_customer"
SEND_STATEMENT = "customers.send_statement"
MANAGE_HANDOVER = "customers.manage_handover"
# A move's required reason, by the field it explains (the page asks for it under that name).
LOSS, WIN, REASON = ("loss_reason",), ("win_reason",), ("reason",)


def stage_label(stage: str):
    return S(stage).label if stage in S.values else stage


# ---- prospects and customers ----------------------------------------------------------------

PROSPECT_MOVES = (
    Transition(S.PROSPECT, S.ONBOARDING, CHANGE_PROSPECT, (), gettext_lazy("Start onboarding")),
    Transition(S.PROSPECT, S.EXITED, CHANGE_PROSPECT, LOSS, gettext_lazy("Mark lost")),
    Transition(S.ONBOARDING, S.PROSPECT, CHANGE_PROSPECT, (), gettext_lazy("Back to prospect")),
    Transition(S.ONBOARDING, S.ACTIVE, CHANGE_PROSPECT, WIN, gettext_lazy("Convert to customer")),
    Transition(S.ONBOARDING, S.EXITED, CHANGE_PROSPECT, LOSS, gettext_lazy("Mark lost")),
    Transition(S.EXITED, S.PROSPECT, CHANGE_PROSPECT, (), gettext_lazy("Re-open")),
)
LIFECYCLE_MOVES = (
    Transition(S.ACTIVE, S.DORMANT, CHANGE_CUSTOMER, REASON, gettext_lazy("Mark dormant")),
    Transition(S.ACTIVE, S.EXITED, CHANGE_CUSTOMER, REASON, gettext_lazy("Customer exits")),
    Transition(S.DORMANT, S.ACTIVE, CHANGE_CUSTOMER, (), gettext_lazy("Reactivate")),
    Transition(S.DORMANT, S.EXITED, CHANGE_CUSTOMER, REASON, gettext_lazy("Customer exits")),
    Transition(S.EXITED, S.ACTIVE, CHANGE_CUSTOMER, REASON, gettext_lazy("Win back")),
)
OPEN_STAGES = (S.PROSPECT, S.ONBOARDING)


def _cannot_move(kind):
    def refusal(current: str, target: str) -> str:
        message = (
            _("A prospect cannot move from %(from)s to %(to)s.")
            if kind == "prospect"
            else _("A customer cannot move from %(from)s to %(to)s.")
        )
        return message % {"from": stage_label(current), "to": stage_label(target)}

    return refusal


def _stage_flow(table, audit_entity: str, kind: str) -> Workflow:
    return Workflow(
        table,
        audit_entity=audit_entity,
        status_field="stage",
        label_of=stage_label,
        refusal=_cannot_move(kind),
    )


PROSPECT_FLOW = _stage_flow(PROSPECT_MOVES, "prospect", "prospect")
# Audited on the customer (the lifecycle row is its detail): "lifecycle.dormant", ….
LIFECYCLE_FLOW = _stage_flow(LIFECYCLE_MOVES, "lifecycle", "customer")


def moves_from(flow: Workflow, stage: str) -> list[tuple[str, Transition]]:
    """(target, transition) pairs offered from `stage`, for the move buttons."""
    return [(t.target, t) for t in flow.table if t.source == stage]


# ---- statements -----------------------------------------------------------------------------

St = Statement.Status
STATEMENT_FLOW = Workflow(
    (
        Transition(St.GENERATED, St.REVIEWED, SEND_STATEMENT),
        # Reviewing again (a changed market note) re-renders the PDF until it is sent.
        Transition(St.REVIEWED, St.REVIEWED, SEND_STATEMENT),
        Transition(St.REVIEWED, St.SENT, SEND_STATEMENT),
    ),
    audit_entity="statement",
    label_of=lambda s: St(s).label if s in St.values else s,
    refusal=lambda current, target: (
        _("This statement has already been sent.")
        if current == St.SENT
        else _("Review the statement before sending it.")
        if target == St.SENT
        else None
    ),
)


# ---- handover plans -------------------------------------------------------------------------

H = HandoverPlan.Status


def plan_not_open() -> str:
    return _("This handover plan is no longer open.")


HANDOVER_FLOW = Workflow(
    (
        *transitions([H.DRAFT], H.COMPLETED, MANAGE_HANDOVER),
        *transitions([H.DRAFT], H.CANCELLED, MANAGE_HANDOVER),
    ),
    audit_entity="handover",
    label_of=lambda s: H(s).label if s in H.values else s,
    refusal=lambda current, target: plan_not_open(),
)
