from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PerformanceConfig(AppConfig):
    """Targets and KPIs, the team dashboard and training records (issue 9, parts 3 and 5)."""

    name = "crm.performance"
    label = "performance"
    verbose_name = _("Team performance")

    def ready(self):
        from crm.accounts import roles
        from crm.ui.registry import DemoSeeder, NavItem, register_demo, register_nav

        dashboard = ["performance.view_dashboard"]
        for role in (
            roles.RELATIONSHIP_MANAGER,
            roles.TEAM_LEAD,
            roles.BRANCH_HEAD,
            roles.AUDITOR,
            roles.ADMINISTRATOR,
        ):
            roles.grant(role, dashboard)
        for role in (roles.TEAM_LEAD, roles.BRANCH_HEAD):
            roles.grant(role, ["performance.export_dashboard", "performance.view_training_report"])
        roles.grant(
            roles.COMPLIANCE_OFFICER,
            ["performance.view_training_report", "performance.view_trainingrecord"],
        )
        roles.grant(roles.AUDITOR, ["performance.view_training_report"])
        roles.grant(
            roles.ADMINISTRATOR,
            [
                "performance.export_dashboard",
                "performance.view_training_report",
                "performance.view_target",
                "performance.add_target",
                "performance.change_target",
                "performance.delete_target",
                "performance.view_course",
                "performance.add_course",
                "performance.change_course",
                "performance.view_trainingrecord",
                "performance.add_trainingrecord",
                "performance.change_trainingrecord",
            ],
        )

        register_nav(
            NavItem(
                "team_dashboard",
                _("Team KPIs"),
                "performance:team-dashboard",
                icon="bar-chart-line",
                order=70,
                roles=(roles.TEAM_LEAD, roles.BRANCH_HEAD),
                group="management",
            )
        )
        register_nav(
            NavItem(
                "training_report",
                _("Training"),
                "performance:training-overdue",
                icon="mortarboard",
                order=72,
                permission="performance.view_training_report",
                group="management",
            )
        )

        from .demo import seed_performance

        register_demo(DemoSeeder("performance", seed_performance, order=90))
