from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "crm.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from crm.accounts import roles

        readers = [roles.COMPLIANCE_OFFICER, roles.AUDITOR, roles.ADMINISTRATOR]
        for role in readers:
            roles.grant(role, ["audit.view_auditentry"])

        from crm.ui.registry import NavItem, register_nav

        register_nav(
            NavItem(
                "audit",
                _("Audit log"),
                "audit:entry-list",
                icon="journal-text",
                order=90,
                permission="audit.view_auditentry",
                group="risk",
            )
        )
