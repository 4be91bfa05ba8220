from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TieringConfig(AppConfig):
    name = "tiering"
    verbose_name = _("Tiering")

    def ready(self):
        from crm.accounts import roles
        from crm.audit.labels import register_actions

        from .audit_labels import ACTIONS

        register_actions(ACTIONS)

        from crm.core.jobs import JobKind, register_job_kind

        from .what_if import JOB_KIND

        register_job_kind(JobKind(JOB_KIND, _("Tiering what-if")))

        roles.grant_table(
            {
                roles.EVERYONE: [
                    "tiering.view_tierpolicy",
                    "tiering.view_tierrun",
                    "tiering.view_tierassignment",
                    "tiering.view_tieroverride",
                ],
                roles.BOOK_HOLDERS: ["tiering.propose_override"],
                roles.LEADS: ["tiering.approve_override"],
                roles.ADMINISTRATOR: [
                    "tiering.add_tierpolicy",
                    "tiering.change_tierpolicy",
                    "tiering.publish_tierpolicy",
                    "tiering.approve_override",
                ],
            }
        )

        from crm.core.approvals import ApprovalKind, Deciders, register_kind

        from . import services

        register_kind(
            ApprovalKind(
                services.OVERRIDE_KIND,
                _("Tier override"),
                "tiering.approve_override",
                on_approved=services.on_override_approved,
                on_rejected=services.on_override_rejected,
                # The proposer's team lead, a branch head above them, or an administrator.
                deciders=Deciders.LINE,
            )
        )

        from crm.ui.registry import DemoSeeder, Metric, NavItem, Panel, register

        from .demo import seed_tiering
        from .metrics import tier_moves_monthly
        from .selectors import tier_moves_by_owner
        from .timeline import SOURCES as TIMELINE

        register(
            *TIMELINE,
            Panel(
                "customer_360",
                "tiering",
                _("Value class and VIP level"),
                "tiering:customer-panel",
                order=20,
                permission="tiering.view_tierassignment",
            ),
            NavItem(
                "tiering",
                _("Tiering"),
                "tiering:report-list",
                icon="bar-chart-steps",
                order=30,
                permission="tiering.view_tierrun",
                roles=(
                    roles.TEAM_LEAD,
                    roles.BRANCH_HEAD,
                    roles.COMPLIANCE_OFFICER,
                    roles.AUDITOR,
                    roles.ADMINISTRATOR,
                ),
                group="management",
            ),
            Metric(
                "tier_moves",
                _("Tier moves"),
                tier_moves_by_owner,
                order=40,
                monthly=tier_moves_monthly,
                additive=True,
            ),
            DemoSeeder("tiering", seed_tiering, order=30, requires=("customers",)),
        )

        from crm.ui.registry import (
            MONTHLY_CONTRIBUTION,
            TIER_RUN_FOR_FEED,
            TIER_RUN_START,
            register_provider,
        )

        from .selectors import monthly_contributions

        # The customer 360 chart's contribution line, under the published policy.
        register_provider(MONTHLY_CONTRIBUTION, monthly_contributions)

        from customers.records.signals import feed_loaded

        from . import feeds

        register_provider(TIER_RUN_FOR_FEED, feeds.tier_run_for_feed)
        register_provider(TIER_RUN_START, feeds.tier_run_start)
        feed_loaded.connect(feeds.on_feed_loaded, dispatch_uid="tiering.feed_loaded")
