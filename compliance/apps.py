from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("Risk and compliance")

    def ready(self):
        from crm.accounts import roles

        book_roles = (roles.RELATIONSHIP_MANAGER, roles.TEAM_LEAD, roles.BRANCH_HEAD)
        readers = [
            "compliance.view_riskwarning",
            "compliance.view_risksignal",
            "compliance.view_disposalstep",
            "compliance.view_watchlistentry",
            "compliance.view_suitabilitycheck",
        ]
        for role in roles.ROLES:
            roles.grant(role, readers)
        for role in book_roles:
            roles.grant(role, ["compliance.dispose_riskwarning", "compliance.add_suitabilitycheck"])
        for role in (roles.TEAM_LEAD, roles.BRANCH_HEAD):
            roles.grant(role, ["compliance.view_dashboard", "compliance.request_watchlist_change"])
        risk_work = [
            "compliance.add_risksignal",
            "compliance.import_signals",
            "compliance.dispose_riskwarning",
            "compliance.view_dashboard",
            "compliance.request_watchlist_change",
            "compliance.approve_watchlist_change",
        ]
        roles.grant(roles.RISK_OFFICER, risk_work)
        roles.grant(
            roles.COMPLIANCE_OFFICER,
            risk_work
            + [
                "compliance.review_audit",
                "compliance.add_auditexport",
                "compliance.approve_audit_export",
            ],
        )
        roles.grant(roles.AUDITOR, ["compliance.view_dashboard", "compliance.review_audit"])
        roles.grant(
            roles.ADMINISTRATOR,
            [
                "compliance.view_dashboard",
                "compliance.review_audit",
                "compliance.add_auditexport",
                "compliance.approve_audit_export",
                "compliance.view_gradingrule",
                "compliance.add_gradingrule",
                "compliance.change_gradingrule",
                "compliance.view_signalsource",
                "compliance.add_signalsource",
                "compliance.change_signalsource",
            ],
        )

        from crm.core.approvals import ApprovalKind, register_kind

        from .services import disposal, watchlist

        register_kind(
            ApprovalKind(
                watchlist.WATCHLIST_KIND,
                _("Watch-list change"),
                "compliance.approve_watchlist_change",
                on_approved=watchlist.on_watchlist_approved,
                on_rejected=watchlist.on_watchlist_rejected,
            )
        )
        from crm.core.downloads import register_download

        from .transfers import AUDIT_EXPORT

        register_download(AUDIT_EXPORT)

        from customers.records.signals import customer_reassigned, staff_handover

        customer_reassigned.connect(
            disposal.on_customer_reassigned, dispatch_uid="compliance.reassigned"
        )
        staff_handover.connect(disposal.on_staff_handover, dispatch_uid="compliance.handover")

        from crm.ui.registry import (
            DemoSeeder,
            NavItem,
            Panel,
            register_demo,
            register_nav,
            register_panel,
        )

        register_nav(
            NavItem(
                "compliance_warnings",
                _("Risk warnings"),
                "compliance:warning-list",
                icon="exclamation-triangle",
                order=60,
                permission="compliance.view_riskwarning",
                group="risk",
            )
        )
        register_nav(
            NavItem(
                "compliance_dashboard",
                _("Risk & compliance"),
                "compliance:risk-dashboard",
                icon="shield-check",
                order=70,
                permission="compliance.view_dashboard",
                group="risk",
            )
        )
        register_nav(
            NavItem(
                "compliance_suitability",
                _("Suitability check"),
                "compliance:suitability-check",
                icon="clipboard-check",
                order=65,
                permission="compliance.add_suitabilitycheck",
                group="risk",
            )
        )
        register_panel(
            Panel(
                "customer_360",
                "compliance_risk",
                _("Risk and suitability"),
                "compliance:customer-panel",
                order=40,
                permission="compliance.view_riskwarning",
            )
        )
        register_panel(
            Panel(
                "home",
                "compliance_warnings",
                _("My red and orange warnings"),
                "compliance:home-panel",
                order=20,
                permission="compliance.view_riskwarning",
                width=6,
            )
        )

        from crm.ui.registry import Metric, register_metric

        from .metrics import warnings_verified_monthly
        from .selectors import metric_warnings_verified

        register_metric(
            Metric(
                "compliance_warnings_verified",
                _("Risk warnings verified"),
                metric_warnings_verified,
                order=60,
                monthly=warnings_verified_monthly,
                additive=True,
            )
        )

        from .demo import seed_compliance

        register_demo(DemoSeeder("compliance", seed_compliance, order=60, requires=("customers",)))
