from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UIConfig(AppConfig):
    name = "crm.ui"
    label = "ui"
    verbose_name = _("User interface")

    def ready(self):
        from crm.accounts import roles

        from .registry import NavItem, register_nav

        register_nav(NavItem("home", _("My day"), "ui:home", icon="sun", order=0))
        register_nav(
            NavItem(
                "approvals",
                _("Approvals"),
                "core:approvals",
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
