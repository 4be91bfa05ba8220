from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _sqlite_recursive_triggers(sender, connection, **kwargs):
    """SQLite resolves INSERT OR REPLACE by deleting the old row, and fires DELETE triggers for
    that only with recursive_triggers on: without it a raw REPLACE rewrites an audit row past the
    append-only trigger. The pragma is per connection, so set it on every one."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA recursive_triggers = ON")


class AuditConfig(AppConfig):
    name = "crm.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from crm.accounts import roles

        from . import security

        security.connect()
        from .labels import register_actions

        register_actions(security.ACTION_LABELS)
        from crm.ui.lists import ListSpec, register_list
        from crm.ui.registry import NavItem, register

        from .db_roles import grant_app_role

        connection_created.connect(_sqlite_recursive_triggers, dispatch_uid="audit-sqlite-pragma")
        # Once per migrate run (post_migrate is sent per app), after every app's tables exist.
        post_migrate.connect(grant_app_role, sender=self, dispatch_uid="audit-grant-app-role")
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
        # Saved views of the log (compliance keeps its usual selections; no clear identifier).
        register_list(
            ListSpec("audit:entry-list", _("Audit log"), permission="audit.view_auditentry")
        )
