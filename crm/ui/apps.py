from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UIConfig(AppConfig):
    name = "crm.ui"
    label = "ui"
    verbose_name = _("User interface")

    def ready(self):
        from crm.accounts import roles

        from .registry import NavGroup, NavItem, register
        from .shortcuts import HELP, Shortcut

        register(
            # Sections of the top menu; apps put their pages in them with NavItem(group=…).
            NavGroup("service", _("Service and sales"), icon="calendar-check", order=20),
            NavGroup("risk", _("Risk and compliance"), icon="shield-check", order=40),
            NavGroup("management", _("Management"), icon="bar-chart", order=60),
            NavItem("home", _("My day"), "ui:home", icon="sun", order=0),
            NavItem(
                "approvals", _("Approvals"), "core:approval-list", icon="check2-square", order=80
            ),
            NavItem(
                "admin",
                _("Administration"),
                "admin:index",
                icon="gear",
                order=100,
                roles=(roles.ADMINISTRATOR,),
                staff_only=True,
            ),
            HELP,
            # The search box of the top bar, where the page has one.
            Shortcut("/", _("Search"), focus="#global-search-q", order=5),
            Shortcut("g h", _("Go to My day"), url_name="ui:home", order=10),
            Shortcut("g n", _("Go to notifications"), url_name="core:notification-list", order=30),
            Shortcut("g a", _("Go to approvals"), url_name="core:approval-list", order=31),
        )
