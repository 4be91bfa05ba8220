"""Registration of sales and service management (called from CustomersConfig.ready())."""

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    from crm.accounts import roles
    from crm.core.texts import register_texts
    from customers.sales.texts import TEXTS

    register_texts(*TEXTS)
    from crm.ui.bulk import register_bulk
    from crm.ui.lists import register_list
    from customers.sales.lists import BOARD_ACTIONS, BOARD_LIST

    register_list(BOARD_LIST)
    register_bulk(*BOARD_ACTIONS)
    from crm.core.recent import register_recent
    from customers.sales.recent import KIND as RECENT_PROSPECT

    register_recent(RECENT_PROSPECT)
    from crm.core.jobs import JobKind, register_job_kind
    from customers.sales.services.statements import JOB_KIND

    register_job_kind(JobKind(JOB_KIND, _("Statement generation")))
    from crm.ui.registry import DemoSeeder, Metric, NavItem, Panel, register
    from customers.sales import tasks as sales_tasks  # noqa: F401  (registers the Celery tasks)
    from customers.sales.demo import seed_sales
    from customers.sales.metrics import (
        converted_metric,
        converted_monthly,
        satisfaction_metric,
        satisfaction_monthly,
    )

    front_office = [
        "customers.add_prospect",
        "customers.change_prospect",
        "customers.add_activity",
        "customers.change_activity",
        "customers.add_activityinvitation",
        "customers.change_activityinvitation",
        "customers.add_satisfactionsurvey",
        "customers.send_statement",
    ]
    managers = [
        "customers.manage_handover",
        "customers.view_handoverplan",
        "customers.add_channelevaluation",
        "customers.add_statement",
    ]
    roles.grant_table(
        {
            roles.EVERYONE: [
                "customers.view_prospect",
                "customers.view_channel",
                "customers.view_channelevaluation",
                "customers.view_activity",
                "customers.view_activityinvitation",
                "customers.view_statement",
                "customers.view_satisfactionsurvey",
            ],
            roles.BOOK_HOLDERS: front_office,
            roles.LEADS: managers,
            roles.ADMINISTRATOR: [
                *front_office,
                *managers,
                "customers.add_channel",
                "customers.change_channel",
                "customers.change_channelevaluation",
            ],
            roles.COMPLIANCE_OFFICER: ["customers.view_handoverplan"],
            roles.AUDITOR: ["customers.view_handoverplan"],
        }
    )

    from customers.sales.search import PROVIDER as SEARCH
    from customers.sales.timeline import SOURCES as TIMELINE

    register(
        *TIMELINE,
        SEARCH,
        NavItem(
            "pipeline",
            _("Pipeline"),
            "customers:prospect-board",
            icon="kanban",
            order=20,
            permission="customers.view_prospect",
            group="service",
        ),
        NavItem(
            "activities",
            _("Activities"),
            "customers:activity-list",
            icon="megaphone",
            order=22,
            permission="customers.view_activity",
            group="service",
        ),
        NavItem(
            "statements",
            _("Statements"),
            "customers:statement-list",
            icon="file-earmark-pdf",
            order=24,
            permission="customers.view_statement",
            group="service",
        ),
        NavItem(
            "handovers",
            _("Handovers"),
            "customers:handover-list",
            icon="arrow-left-right",
            order=26,
            permission="customers.manage_handover",
            group="management",
        ),
        Panel(
            "customer_360",
            "lifecycle",
            _("Lifecycle and statements"),
            "customers:lifecycle-panel",
            order=40,
            width=6,
        ),
        Panel(
            "customer_360",
            "satisfaction",
            _("Satisfaction"),
            "customers:survey-panel",
            order=45,
            width=6,
            permission="customers.view_satisfactionsurvey",
        ),
        Panel(
            "staff_detail",
            "handover",
            _("Handover"),
            "customers:handover-panel",
            order=50,
            permission="customers.manage_handover",
        ),
        Panel(
            "home",
            "pipeline",
            _("My pipeline"),
            "customers:prospect-home-panel",
            order=40,
            width=6,
            permission="customers.add_prospect",
        ),
        Metric(
            "satisfaction",
            _("Satisfaction (average score)"),
            satisfaction_metric,
            unit="/5",
            order=60,
            aggregate="mean",
            monthly=satisfaction_monthly,
        ),
        Metric(
            "prospects_converted",
            _("Prospects converted"),
            converted_metric,
            order=20,
            monthly=converted_monthly,
            additive=True,
        ),
        DemoSeeder("sales", seed_sales, order=30, requires=("customers",)),
    )
