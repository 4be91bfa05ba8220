"""Views for contacts, visits, follow-up tasks, My day panels and the calendar feed (thin:
parse input, call access/selectors or a service, render), one module per sub-domain."""

from customers.contacts.views.calendar import calendar_feed, calendar_settings
from customers.contacts.views.interactions import (
    customer_panel,
    interaction_edit,
    interaction_new,
    task_new,
)
from customers.contacts.views.tasks import (
    home_customers,
    home_tasks,
    home_team,
    task_done,
    task_list,
    task_reassign,
    task_skip,
)

__all__ = [
    "calendar_feed",
    "calendar_settings",
    "customer_panel",
    "home_customers",
    "home_tasks",
    "home_team",
    "interaction_edit",
    "interaction_new",
    "task_done",
    "task_list",
    "task_reassign",
    "task_skip",
    "task_new",
]
