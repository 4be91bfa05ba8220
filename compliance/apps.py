from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("Risk and compliance")

    def ready(self):
        from crm.core.recent import register_recent

        from .recent import KIND as RECENT

        register_recent(RECENT)
        from crm.accounts import roles
        from crm.audit.labels import register_actions
        from crm.core.texts import register_texts

        from .audit_labels import actions

        register_actions(actions())

        from .texts import TEXTS

        register_texts(*TEXTS)

        risk_work = [
            "compliance.add_risksignal",
            "compliance.import_signals",
            "compliance.dispose_riskwarning",
            "compliance.view_dashboard",
            "compliance.request_watchlist_change",
            "compliance.approve_watchlist_change",
        ]
        roles.grant_table(
            {
                roles.EVERYONE: [
                    "compliance.view_riskwarning",
                    "compliance.view_risksignal",
                    "compliance.view_disposalstep",
                    "compliance.view_watchlistentry",
                    "compliance.view_suitabilitycheck",
                ],
                roles.BOOK_HOLDERS: [
                    "compliance.dispose_riskwarning",
                    "compliance.add_suitabilitycheck",
                ],
                roles.LEADS: ["compliance.view_dashboard", "compliance.request_watchlist_change"],
                roles.RISK_OFFICER: risk_work,
                roles.COMPLIANCE_OFFICER: [
                    *risk_work,
                    "compliance.review_audit",
                    "compliance.add_auditexport",
                    "compliance.approve_audit_export",
                ],
                roles.AUDITOR: ["compliance.view_dashboard", "compliance.review_audit"],
                roles.ADMINISTRATOR: [
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
            }
        )

        from crm.ui.bulk import register_bulk
        from crm.ui.lists import register_list

        from .lists import ACTIONS as BULK_ACTIONS
        from .lists import LISTS

        register_list(*LISTS)
        register_bulk(*BULK_ACTIONS)

        from crm.core.approvals import ApprovalKind, Deciders, register_kind

        from .services import disposal, watchlist

        register_kind(
            ApprovalKind(
                watchlist.WATCHLIST_KIND,
                _("Watch-list change"),
                "compliance.approve_watchlist_change",
                on_approved=watchlist.on_watchlist_approved,
                on_rejected=watchlist.on_watchlist_rejected,
                # The watch list is run centrally (risk and compliance), whoever asked.
                deciders=Deciders.CENTRAL,
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

        from crm.ui.registry import DemoSeeder, Metric, NavItem, Panel, Shortcut, register

        from .demo import seed_compliance
        from .metrics import warnings_verified_monthly
        from .search import PROVIDER as SEARCH
        from .selectors import metric_warnings_verified
        from .timeline import SOURCES as TIMELINE

        register(
            *TIMELINE,
            SEARCH,
            NavItem(
                "compliance_warnings",
                _("Risk warnings"),
                "compliance:warning-list",
                icon="exclamation-triangle",
                order=60,
                permission="compliance.view_riskwarning",
                group="risk",
            ),
            Shortcut(
                "g w",
                _("Go to risk warnings"),
                url_name="compliance:warning-list",
                order=26,
                permission="compliance.view_riskwarning",
            ),
            NavItem(
                "compliance_dashboard",
                _("Risk & compliance"),
                "compliance:risk-dashboard",
                icon="shield-check",
                order=70,
                permission="compliance.view_dashboard",
                group="risk",
            ),
            NavItem(
                "compliance_suitability",
                _("Suitability check"),
                "compliance:suitability-check",
                icon="clipboard-check",
                order=65,
                permission="compliance.add_suitabilitycheck",
                group="risk",
            ),
            Panel(
                "customer_360",
                "compliance_risk",
                _("Risk and suitability"),
                "compliance:customer-panel",
                order=40,
                permission="compliance.view_riskwarning",
            ),
            Panel(
                "home",
                "compliance_warnings",
                _("My red and orange warnings"),
                "compliance:home-panel",
                order=20,
                permission="compliance.view_riskwarning",
                width=6,
            ),
            Metric(
                "compliance_warnings_verified",
                _("Risk warnings verified"),
                metric_warnings_verified,
                order=60,
                monthly=warnings_verified_monthly,
                additive=True,
            ),
            DemoSeeder("compliance", seed_compliance, order=60, requires=("customers",)),
        )
