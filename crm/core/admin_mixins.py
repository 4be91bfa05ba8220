"""Shared behaviour of the Django admin classes.

- ReadOnlyAdminMixin: rows the services write (history, audit, workflow records) that the admin
  only shows;
- AuditedAdminMixin: admin edits leave an audit row, like changes made in the app.
"""

from crm.audit.services import record


class ReadOnlyAdminMixin:
    """The admin (or inline) lists and shows these rows but never adds or changes them; deletion
    is refused too unless `allow_delete` (then the usual model permission decides)."""

    allow_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self.allow_delete and super().has_delete_permission(request, obj)


class AuditedAdminMixin:
    """Each save records "<model name>.admin_added" or ".admin_changed" with the changed fields."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record(
            request.user,
            f"{obj._meta.model_name}.admin_{'changed' if change else 'added'}",
            obj,
            after={"fields": form.changed_data},
        )
