from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "crm.api"
    label = "api"
    verbose_name = _("Integration API")

    def ready(self):
        from crm.accounts import roles
        from crm.audit.labels import register_actions

        from . import schema  # noqa: F401 - registers the schema extension
        from .audit_labels import ACTIONS

        register_actions(ACTIONS)
        # API clients are managed by administrators (Django admin, create_api_client).
        roles.grant_table(
            {
                roles.ADMINISTRATOR: [
                    "api.view_apiclient",
                    "api.add_apiclient",
                    "api.change_apiclient",
                ]
            }
        )
