from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self):
        from crm.core.recent import register_recent

        from .recent import KIND as RECENT

        register_recent(RECENT)
        from crm.accounts import roles
        from crm.audit.labels import register_actions

        from .audit_labels import actions

        register_actions(actions())

        from crm.ui.bulk import register_bulk
        from crm.ui.lists import register_list

        from .lists import ACTIONS as BULK_ACTIONS
        from .lists import LISTS

        register_list(*LISTS)
        register_bulk(*BULK_ACTIONS)

        p = "complaints."
        front_line = [
            p + "view_complaint",
            p + "add_complaint",
            p + "withdraw_complaint",
            p + "request_review",
        ]
        roles.grant_table(
            {
                roles.BOOK_HOLDERS: front_line,
                roles.BRANCH_HEAD: [p + "approve_extension", p + "view_statistics"],
                roles.COMPLIANCE_OFFICER: [
                    *front_line,
                    p + "accept_complaint",
                    p + "handle_complaint",
                    p + "decide_complaint",
                    p + "close_complaint",
                    p + "confirm_withdrawal",
                    p + "assign_complaint",
                    p + "request_extension",
                    p + "approve_extension",
                    p + "log_regulator_complaint",
                    p + "view_statistics",
                    p + "change_sla_profile",
                ],
                roles.AUDITOR: [p + "view_complaint", p + "view_statistics"],
                roles.ADMINISTRATOR: [
                    p + "view_complaint",
                    p + "view_statistics",
                    *(
                        f"{p}{action}_{model}"
                        for action in ("view", "add", "change")
                        for model in ("channel", "businesscategory", "cause", "slaprofile")
                    ),
                ],
            }
        )

        from crm.core.texts import register_texts

        from .texts import TEXTS

        register_texts(*TEXTS)

        from crm.core.approvals import ApprovalKind, Deciders, register_kind

        from . import services
        from .models import EXTENSION_KIND, WITHDRAWAL_KIND

        register_kind(
            ApprovalKind(
                EXTENSION_KIND,
                _("Complaint deadline extension"),
                "complaints.approve_extension",
                on_approved=services.on_extension_approved,
                # A second compliance officer, or a branch head above the requester.
                deciders=Deciders.LINE,
            )
        )
        register_kind(
            ApprovalKind(
                WITHDRAWAL_KIND,
                _("Withdrawal of an accepted complaint"),
                "complaints.confirm_withdrawal",
                on_approved=services.on_withdrawal_confirmed,
                on_rejected=services.on_withdrawal_refused,
                deciders=Deciders.CENTRAL,
                excluded_for=services.withdrawals_naming,
            )
        )

        from customers.records.signals import staff_handover

        staff_handover.connect(services.on_staff_handover, dispatch_uid="complaints_handover")

        from crm.ui.registry import DemoSeeder, Metric, NavItem, Panel, Shortcut, register

        from . import demo, metrics
        from .search import PROVIDER as SEARCH
        from .timeline import SOURCES as TIMELINE

        register(
            *TIMELINE,
            SEARCH,
            NavItem(
                "complaints",
                _("Complaints"),
                "complaints:complaint-queue",
                icon="megaphone",
                order=40,
                permission="complaints.view_complaint",
                group="risk",
            ),
            Shortcut(
                "g q",
                _("Go to the complaint queue"),
                url_name="complaints:complaint-queue",
                order=24,
                permission="complaints.view_complaint",
            ),
            Panel(
                "customer_360",
                "complaints",
                _("Complaints"),
                "complaints:customer-panel",
                order=40,
                permission="complaints.view_complaint",
            ),
            Metric(
                "complaints_received",
                _("Complaints logged"),
                metrics.complaints_logged,
                order=60,
                higher_is_better=False,
                monthly=metrics.complaints_logged_monthly,
                additive=True,
            ),
            Metric(
                "complaint_satisfaction",
                _("Complaint satisfaction (1–5)"),
                metrics.satisfaction,
                order=61,
                # A score: the team's figure is the members' mean, not their sum.
                aggregate="mean",
                monthly=metrics.satisfaction_monthly,
            ),
            DemoSeeder("complaints", demo.seed_complaints, order=40, requires=("customers",)),
        )
