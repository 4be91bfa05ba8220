"""Views of sales and service management, one module per sub-domain: thin — parse input, call
access/selectors or a service, render. Objects outside the user's scope answer 404 (NotFound);
missing permissions 403 (@requires)."""

from customers.sales.views.handover import (
    handover_cancel,
    handover_complete,
    handover_detail,
    handover_list,
    handover_panel,
    handover_start,
)
from customers.sales.views.marketing import (
    activity_create,
    activity_detail,
    activity_held,
    activity_invite,
    activity_list,
    activity_status,
    channel_detail,
    channel_list,
)
from customers.sales.views.pipeline import (
    board,
    board_filters,
    customer_move,
    lifecycle_panel,
    pipeline_home_panel,
    prospect_contact_reveal,
    prospect_create,
    prospect_detail,
    prospect_move,
    prospect_next_step,
)
from customers.sales.views.statements import (
    statement_detail,
    statement_generate,
    statement_list,
    statement_pdf,
    statement_review,
    statement_runs,
    statement_send,
)
from customers.sales.views.surveys import survey_create, survey_panel

__all__ = [
    "activity_create",
    "activity_detail",
    "activity_held",
    "activity_invite",
    "activity_list",
    "activity_status",
    "board",
    "board_filters",
    "channel_detail",
    "channel_list",
    "customer_move",
    "handover_cancel",
    "handover_complete",
    "handover_detail",
    "handover_list",
    "handover_panel",
    "handover_start",
    "lifecycle_panel",
    "pipeline_home_panel",
    "prospect_contact_reveal",
    "prospect_create",
    "prospect_detail",
    "prospect_move",
    "prospect_next_step",
    "statement_detail",
    "statement_generate",
    "statement_list",
    "statement_pdf",
    "statement_review",
    "statement_runs",
    "statement_send",
    "survey_create",
    "survey_panel",
]
