from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "crm.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self):
        from crm.accounts import roles
        from crm.audit.labels import register_actions

        from .audit_labels import ACTIONS

        register_actions(ACTIONS)

        from .downloads import JOB_KIND as EXPORT_JOB
        from .imports import JOB_KIND as IMPORT_JOB
        from .jobs import TEXTS as JOB_TEXTS
        from .jobs import JobKind, register_job_kind
        from .texts import register_texts

        register_texts(*JOB_TEXTS)
        register_job_kind(JobKind(EXPORT_JOB, _("Approved export file")))
        register_job_kind(JobKind(IMPORT_JOB, _("Import")))

        roles.grant_table(
            {
                roles.EVERYONE: [
                    "core.view_notification",
                    # Everyone keeps views of the lists; read-only users do not (the permission
                    # backend drops every non-reading permission for them).
                    "core.add_savedview",
                    "core.delete_savedview",
                ],
                roles.ADMINISTRATOR: [
                    "core.view_calendarday",
                    "core.add_calendarday",
                    "core.change_calendarday",
                    "core.delete_calendarday",
                    "core.view_calendaryear",
                    # The outbox in admin: read, and publish failed rows again (audited).
                    "core.view_outboxmessage",
                    "core.change_outboxmessage",
                ],
            }
        )
