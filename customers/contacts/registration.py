"""Wiring of contacts, visits and follow-ups, called from CustomersConfig.ready(): role grants,
panels (360 and My day), navigation, metrics, demo data, the reassignment receiver and the
Celery tasks."""

from django.utils.translation import gettext_lazy as _


def setup() -> None:
    from crm.accounts import roles
    from crm.core.texts import register_texts
    from customers.contacts.texts import TEXTS

    register_texts(*TEXTS)
    from crm.ui.bulk import register_bulk
    from crm.ui.lists import register_list
    from customers.contacts.lists import TASK_ACTIONS, TASK_LIST

    register_list(TASK_LIST)
    register_bulk(*TASK_ACTIONS)
    from crm.ui.registry import DemoSeeder, NavItem, Panel, Shortcut, register
    from customers.contacts import metrics as interaction_metrics
    from customers.contacts import tasks  # noqa: F401  (registers the Celery tasks)
    from customers.contacts.demo import run_demo_sweep, seed_followups
    from customers.contacts.services import tasks_move_open
    from customers.contacts.timeline import SOURCES as TIMELINE
    from customers.records.signals import customer_reassigned

    workers = [
        "customers.add_interaction",
        "customers.change_interaction",
        "customers.add_followuptask",
        "customers.change_followuptask",
    ]
    roles.grant_table(
        {
            roles.EVERYONE: [
                "customers.view_interaction",
                "customers.view_followuptask",
                # A secret calendar link is something the user creates: not for read-only users.
                "customers.add_calendarfeedtoken",
                "customers.delete_calendarfeedtoken",
            ],
            roles.BOOK_HOLDERS: workers,
            roles.LEADS: ["customers.reassign_followuptask"],
            roles.ADMINISTRATOR: [
                *workers,
                "customers.reassign_followuptask",
                "customers.view_cadencerule",
                "customers.add_cadencerule",
                "customers.change_cadencerule",
                "customers.delete_cadencerule",
                "customers.view_reminderdelivery",
            ],
        }
    )

    work = "customers.change_followuptask"
    for key, title, url_name, order, width, perm in (
        ("fu_tasks", _("My follow-ups"), "customers:task-home-panel", 10, 7, work),
        ("fu_customers", _("My customers"), "customers:customer-home-panel", 11, 5, work),
        (
            "fu_team",
            _("My team's overdue work"),
            "customers:team-home-panel",
            14,
            12,
            "customers.reassign_followuptask",
        ),
    ):
        register(Panel("home", key, title, url_name, order=order, width=width, permission=perm))
    from customers.contacts.search import PROVIDER as SEARCH

    register(
        *TIMELINE,
        SEARCH,
        Panel(
            "customer_360",
            "interactions",
            _("Contacts and follow-ups"),
            "customers:interaction-panel",
            order=5,
            width=12,
            permission="customers.view_interaction",
        ),
        NavItem(
            "followups",
            _("Follow-ups"),
            "customers:task-list",
            icon="calendar-check",
            order=12,
            permission=work,
            group="service",
        ),
        Shortcut(
            "g t",
            _("Go to follow-up tasks"),
            url_name="customers:task-list",
            order=22,
            permission=work,
        ),
        # The button of the contacts panel on a customer's 360 page.
        Shortcut(
            "n c",
            _("Log a contact (on a customer page)"),
            click="#log-interaction",
            order=40,
            permission="customers.add_interaction",
        ),
        DemoSeeder("followups", seed_followups, order=20, requires=("customers",)),
        # After tiering, sales, complaints and compliance (they set tiers and add contracts and
        # warnings), before performance (its figures read the tasks).
        DemoSeeder("followup-sweep", run_demo_sweep, order=80, requires=("followups",)),
    )
    interaction_metrics.register()
    customer_reassigned.connect(tasks_move_open, dispatch_uid="followups.move_open_tasks")
