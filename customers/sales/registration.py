"""Registration of sales and service management (called from CustomersConfig.ready())."""

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    from crm.accounts import roles
    from crm.ui.registry import (
        DemoSeeder,
        Metric,
        NavItem,
        Panel,
        register_demo,
        register_metric,
        register_nav,
        register_panel,
    )
    from customers.sales import tasks as sales_tasks  # noqa: F401  (registers the Celery tasks)

    reading = [
        "customers.view_prospect",
        "customers.view_channel",
        "customers.view_channelevaluation",
        "customers.view_activity",
        "customers.view_activityinvitation",
        "customers.view_statement",
        "customers.view_satisfactionsurvey",
    ]
    for role in roles.ROLES:
        roles.grant(role, reading)
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
    for role in (roles.RELATIONSHIP_MANAGER, roles.TEAM_LEAD, roles.BRANCH_HEAD):
        roles.grant(role, front_office)
    managers = [
        "customers.manage_handover",
        "customers.view_handoverplan",
        "customers.add_channelevaluation",
        "customers.add_statement",
    ]
    for role in (roles.TEAM_LEAD, roles.BRANCH_HEAD):
        roles.grant(role, managers)
    roles.grant(
        roles.ADMINISTRATOR,
        front_office
        + managers
        + [
            "customers.add_channel",
            "customers.change_channel",
            "customers.change_channelevaluation",
        ],
    )
    roles.grant(roles.COMPLIANCE_OFFICER, ["customers.view_handoverplan"])
    roles.grant(roles.AUDITOR, ["customers.view_handoverplan"])

    register_nav(
        NavItem(
            "pipeline",
            _("Pipeline"),
            "customers:prospect-board",
            icon="kanban",
            order=20,
            permission="customers.view_prospect",
            group="service",
        )
    )
    register_nav(
        NavItem(
            "activities",
            _("Activities"),
            "customers:activity-list",
            icon="megaphone",
            order=22,
            permission="customers.view_activity",
            group="service",
        )
    )
    register_nav(
        NavItem(
            "statements",
            _("Statements"),
            "customers:statement-list",
            icon="file-earmark-pdf",
            order=24,
            permission="customers.view_statement",
            group="service",
        )
    )
    register_nav(
        NavItem(
            "handovers",
            _("Handovers"),
            "customers:handover-list",
            icon="arrow-left-right",
            order=26,
            permission="customers.manage_handover",
            group="management",
        )
    )

    register_panel(
        Panel(
            "customer_360",
            "lifecycle",
            _("Lifecycle and statements"),
            "customers:lifecycle-panel",
            order=40,
            width=6,
        )
    )
    register_panel(
        Panel(
            "customer_360",
            "satisfaction",
            _("Satisfaction"),
            "customers:survey-panel",
            order=45,
            width=6,
            permission="customers.view_satisfactionsurvey",
        )
    )
    register_panel(
        Panel(
            "staff_detail",
            "handover",
            _("Handover"),
            "customers:handover-panel",
            order=50,
            permission="customers.manage_handover",
        )
    )
    register_panel(
        Panel(
            "home",
            "pipeline",
            _("My pipeline"),
            "customers:prospect-home-panel",
            order=40,
            width=6,
            permission="customers.add_prospect",
        )
    )

    from customers.sales.metrics import (
        converted_metric,
        converted_monthly,
        satisfaction_metric,
        satisfaction_monthly,
    )

    register_metric(
        Metric(
            "satisfaction",
            _("Satisfaction (average score)"),
            satisfaction_metric,
            unit="/5",
            order=60,
            aggregate="mean",
            monthly=satisfaction_monthly,
        )
    )
    register_metric(
        Metric(
            "prospects_converted",
            _("Prospects converted"),
            converted_metric,
            order=20,
            monthly=converted_monthly,
            additive=True,
        )
    )

    from customers.sales.demo import seed_sales

    register_demo(DemoSeeder("sales", seed_sales, order=30, requires=("customers",)))
