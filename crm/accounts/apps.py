from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "crm.accounts"
    label = "accounts"
    verbose_name = _("Accounts and access")

    def ready(self):
        from . import access_cache, roles
        from .directory import checks  # noqa: F401 - registers the directory settings' checks

        roles.grant_table(
            {
                roles.ADMINISTRATOR: ["accounts.view_user", "accounts.change_user"],
                roles.LEADS: ["accounts.view_user"],
            }
        )
        # Permissions exist only after every app has migrated, so role grants are synced then.
        post_migrate.connect(roles.sync_role_permissions, dispatch_uid="fiducia-sync-roles")
        # Roles, permissions and branch paths are cached per user; changes invalidate them.
        access_cache.connect_signals()

        from crm.ui.registry import register

        from .search import PROVIDER as STAFF_SEARCH

        register(STAFF_SEARCH)
