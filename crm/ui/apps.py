from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UIConfig(AppConfig):
    name = "crm.ui"
    label = "ui"
    verbose_name = _("User interface")

    def ready(self):
        from crm.accounts import roles

        from .registry import NavGroup, NavItem, register_nav, register_nav_group

        # Sections of the top menu; apps put their pages in them with NavItem(group=…).
        register_nav_group(
            NavGroup("service", _("Service and sales"), icon="calendar-check", order=20)
        )
        register_nav_group(
            NavGroup("risk", _("Risk and compliance"), icon="shield-check", order=40)
        )
        register_nav_group(NavGroup("management", _("Management"), icon="bar-chart", order=60))

        register_nav(NavItem("home", _("My day"), "ui:home", icon="sun", order=0))
        register_nav(
            NavItem(
                "approvals",
                _("Approvals"),
                "core:approval-list",
                icon="check2-square",
                order=80,
            )
        )
        register_nav(
            NavItem(
                "admin",
                _("Administration"),
                "admin:index",
                icon="gear",
                order=100,
                roles=(roles.ADMINISTRATOR,),
                staff_only=True,
            )
        )
