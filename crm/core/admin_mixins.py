"""Shared behaviour of the Django admin classes.

- ReadOnlyAdminMixin: rows the services write (history, audit, workflow records) that the admin
  only shows;
- AuditedAdminMixin: admin edits leave an audit row, like changes made in the app;
- IdChoicesAdminMixin: relation fields refuse values that cannot be ids with a form error.
"""

from django.contrib.admin.widgets import AutocompleteSelect

from crm.audit.services import record
from crm.core.access import ids_among
from crm.ui.forms import IdMultipleChoiceField


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


class IdAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget looks the submitted value up to show it again beside the
    form's error; only a value that can be an id is looked up ("abc" raised a ValueError and
    2**70 an OverflowError there: a 500 instead of "select a valid choice")."""

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [str(pk) for pk in ids_among(value)], attr)


class IdChoicesAdminMixin:
    """Autocomplete and many-to-many fields of the admin's forms answer a crafted id ("abc",
    2**70) with the form's "select a valid choice", never a 500 (SQLite cannot bind an integer
    beyond 64 bits in the many-to-many check)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = IdAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", IdMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)
