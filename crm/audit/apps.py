from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "crm.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from crm.accounts import roles

        from . import security

        security.connect()
        from crm.ui.registry import NavItem, register

        readers = (roles.COMPLIANCE_OFFICER, roles.AUDITOR, roles.ADMINISTRATOR)
        roles.grant_table({readers: ["audit.view_auditentry"]})
        register(
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
