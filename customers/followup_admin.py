"""Django admin for cadence rules (editable by administrators, audited) and read-only views of
interactions, follow-up tasks and reminder deliveries."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from crm.audit.services import record

from .admin import ScopedAdmin
from .models import CadenceRule, FollowUpTask, Interaction, ReminderDelivery, VipLevel


@admin.register(CadenceRule)
class CadenceRuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "tier",
        "vip_level",
        "period_months",
        "min_contacts",
        "channels",
        "due_in_days",
        "working_days",
        "is_active",
    ]
    list_editable = ["period_months", "min_contacts", "is_active"]
    list_filter = ["is_active", "tier", "vip_level"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "vip_level":
            from django import forms

            return forms.ChoiceField(
                label=_("VIP level"),
                choices=[("", "—"), *VipLevel.choices],
                required=False,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record(
            request.user,
            f"cadencerule.admin_{'changed' if change else 'added'}",
            obj,
            after={"fields": form.changed_data},
        )


class ReadOnlyMixin:
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyMixin, ScopedAdmin):
    list_display = ["occurred_at", "customer", "channel", "purpose", "created_by"]
    list_filter = ["channel", "purpose"]
    list_select_related = ["customer", "created_by"]
    show_full_result_count = False
    date_hierarchy = "occurred_at"


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(ReadOnlyMixin, ScopedAdmin):
    list_display = ["due_on", "title", "customer", "owner", "reason", "status"]
    list_filter = ["status", "reason"]
    list_select_related = ["customer", "owner"]
    show_full_result_count = False


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["day", "channel", "task", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["channel", "status", "day"]
    list_select_related = ["task", "recipient"]
    show_full_result_count = False

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        from .selectors import book_q

        return qs.filter(book_q(request.user, prefix="task__customer__"))
