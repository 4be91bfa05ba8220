from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PerformanceConfig(AppConfig):
    """Targets and KPIs, the team dashboard and training records (issue 9, parts 3 and 5)."""

    name = "crm.performance"
    label = "performance"
    verbose_name = _("Team performance")

    def ready(self):
        from crm.accounts import roles
        from crm.core.texts import register_texts

        from .texts import TEXTS

        register_texts(*TEXTS)
        from crm.ui.registry import DemoSeeder, NavItem, register

        from .demo import seed_performance

        roles.grant_table(
            {
                (*roles.BOOK_HOLDERS, roles.AUDITOR, roles.ADMINISTRATOR): [
                    "performance.view_dashboard"
                ],
                roles.LEADS: ["performance.export_dashboard", "performance.view_training_report"],
                roles.COMPLIANCE_OFFICER: [
                    "performance.view_training_report",
                    "performance.view_trainingrecord",
                ],
                roles.AUDITOR: ["performance.view_training_report"],
                roles.ADMINISTRATOR: [
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
            }
        )

        register(
            NavItem(
                "team_dashboard",
                _("Team KPIs"),
                "performance:team-dashboard",
                icon="bar-chart-line",
                order=70,
                roles=roles.LEADS,
                group="management",
            ),
            NavItem(
                "training_report",
                _("Training"),
                "performance:training-overdue",
                icon="mortarboard",
                order=72,
                permission="performance.view_training_report",
                group="management",
            ),
            DemoSeeder("performance", seed_performance, order=90),
        )
