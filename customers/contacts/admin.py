"""Django admin for cadence rules (editable by administrators, audited) and read-only views of
interactions, follow-up tasks and reminder deliveries."""

from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from crm.audit.services import record_many
from crm.core import outbox
from crm.core.admin_mixins import AuditedAdminMixin, ReadOnlyAdminMixin
from customers.contacts.models import CadenceRule, Interaction, ReminderDelivery
from customers.records.admin import ScopedAdmin
from customers.records.models import FollowUpTask, VipLevel


@admin.register(CadenceRule)
class CadenceRuleAdmin(AuditedAdminMixin, admin.ModelAdmin):
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

    def save_model(self, request, obj, form, change):
        # Reworded by an administrator: show their words, not the seeded translations.
        if obj.code and {"name", "task_title"} & set(form.changed_data):
            obj.code = ""
        super().save_model(request, obj, form, change)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "vip_level":
            from django import forms

            return forms.ChoiceField(
                label=_("VIP level"),
                choices=[("", "—"), *VipLevel.choices],
                required=False,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ["occurred_at", "customer", "channel", "purpose", "created_by"]
    list_filter = ["channel", "purpose"]
    list_select_related = ["customer", "created_by"]
    show_full_result_count = False
    date_hierarchy = "occurred_at"


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ["due_on", "title", "customer", "owner", "reason", "status"]
    list_filter = ["status", "reason"]
    list_select_related = ["customer", "owner"]
    show_full_result_count = False


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "day",
        "channel",
        "task",
        "recipient",
        "status",
        "attempts",
        "claimed_at",
        "sent_at",
        "message_id",
    ]
    list_filter = ["channel", "status", "day"]
    list_select_related = ["task", "recipient"]
    show_full_result_count = False
    actions = ["send_again"]

    def has_resend_permission(self, request):
        return request.user.has_perm("customers.change_reminderdelivery")

    @admin.action(
        permissions=["resend"], description=_("Send again (the mail server never accepted it)")
    )
    def send_again(self, request, queryset):
        """A person's decision after checking the mail server log for the Message-ID: only
        e-mail rows whose outcome is unknown go back to pending and are queued again."""
        from customers.contacts.tasks import send_reminder_email

        rows = list(
            queryset.filter(
                channel=ReminderDelivery.ChannelKind.EMAIL,
                status=ReminderDelivery.Status.UNKNOWN,
            ).values_list("pk", "recipient_id", "day", "message_id")
        )
        with transaction.atomic():
            ReminderDelivery.objects.filter(pk__in=[r[0] for r in rows]).update(
                status=ReminderDelivery.Status.PENDING, attempts=0, last_error=""
            )
            record_many(
                request.user,
                "reminder.resent",
                ReminderDelivery.objects.filter(pk__in=[r[0] for r in rows]),
                before_of=lambda obj: {"status": "unknown", "message_id": obj.message_id},
                after_of=lambda obj: {"status": "pending"},
            )
            for recipient_id, day in sorted({(r[1], r[2]) for r in rows}):
                outbox.enqueue(send_reminder_email, recipient_id, day.isoformat())
        self.message_user(
            request,
            _("%(n)s e-mail reminders queued again.") % {"n": len(rows)},
            messages.SUCCESS,
        )

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        from customers.records.access import book_q

        return qs.filter(book_q(request.user, prefix="task__customer__"))
