from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from crm.core.admin_mixins import IdChoicesAdminMixin

from .models import Branch, Team, User
from .services import (
    permission_snapshot,
    record_permission_change,
    record_role_change,
    role_snapshot,
)


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "jurisdiction"]
    list_filter = ["level", "jurisdiction"]
    search_fields = ["code", "name"]


@admin.register(Team)
class TeamAdmin(IdChoicesAdminMixin, admin.ModelAdmin):
    list_display = ["name", "branch", "lead"]
    list_filter = ["branch"]
    search_fields = ["name"]
    autocomplete_fields = ["lead"]


class _AuditedRightsMixin:
    """Records a change to the rights of a user or role: `rights_snapshot(obj)` is taken before
    the save and `record_rights_change(actor, obj, before)` runs once the groups and permissions
    (saved by save_related) are in place."""

    # Django admin runs save_model and save_related in one transaction, so the audit row
    # commits or rolls back together with the change it records.
    def save_model(self, request, obj, form, change):
        if change:
            obj._rights_before = self.rights_snapshot(self.model.objects.get(pk=obj.pk))
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        self.record_rights_change(request.user, obj, getattr(obj, "_rights_before", None))


@admin.register(User)
class UserAdmin(IdChoicesAdminMixin, _AuditedRightsMixin, BaseUserAdmin):
    list_display = ["username", "display_name", "employee_no", "branch", "team", "is_active"]
    list_filter = ["is_active", "groups", "branch"]
    search_fields = ["username", "display_name", "employee_no"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (
            _("Organisation"),
            {"fields": ("display_name", "employee_no", "branch", "team", "break_glass")},
        ),
    )

    def rights_snapshot(self, user):
        return permission_snapshot(user)

    def record_rights_change(self, actor, user, before):
        record_permission_change(actor, user, before)


admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(IdChoicesAdminMixin, _AuditedRightsMixin, BaseGroupAdmin):
    """Roles are groups; what a role may do is audited like a user's own rights."""

    def rights_snapshot(self, group):
        return role_snapshot(group)

    def record_rights_change(self, actor, group, before):
        record_role_change(actor, group, before)
