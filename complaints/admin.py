from django.contrib import admin
from django.utils import timezone

from crm.core.admin_mixins import ReadOnlyAdminMixin

from .models import (
    Attachment,
    BusinessCategory,
    Cause,
    Channel,
    ClockPause,
    Complaint,
    History,
    Notice,
    SlaProfile,
)


@admin.register(Channel, BusinessCategory, Cause)
class CodeTableAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "order", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["code", "name", "name_en"]

    def has_delete_permission(self, request, obj=None):
        # Codes are referenced by retained complaints: deactivate instead of deleting.
        return False


@admin.register(SlaProfile)
class SlaProfileAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "decision_days",
        "complex_days",
        "max_days",
        "regulator_ack_days",
        "review_days",
        "warning_days",
        "is_default",
        "jurisdiction",
    ]

    def has_delete_permission(self, request, obj=None):
        return False


class _ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0


class HistoryInline(_ReadOnlyInline):
    model = History
    fields = ["at", "event", "from_state", "to_state", "actor", "note"]
    readonly_fields = fields


class NoticeInline(_ReadOnlyInline):
    model = Notice
    fields = ["kind", "via", "sent_on", "evidence", "recorded_by"]
    readonly_fields = fields


class PauseInline(_ReadOnlyInline):
    model = ClockPause
    fields = ["reason", "started_on", "ended_on", "end_mode", "note"]
    readonly_fields = fields


class AttachmentInline(_ReadOnlyInline):
    model = Attachment
    fields = ["name", "file", "uploaded_by", "uploaded_at"]
    readonly_fields = fields


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Administrators read complaints here; workflow changes go through the complaint pages
    (the services write history and audit rows). Deletion is refused within retention."""

    list_display = [
        "reference",
        "state",
        "complainant_name",
        "customer",
        "received_at",
        "due_on",
        "breached",
        "branch",
    ]
    list_filter = [
        "state",
        "breached",
        "regulator_forwarded",
        "channel",
        "business_category",
        "cause",
        "profile",
    ]
    search_fields = ["reference", "complainant_name", "customer__number"]
    date_hierarchy = "received_at"
    list_select_related = ["customer", "branch"]
    raw_id_fields = ["customer", "product", "logged_by", "handler"]
    inlines = [HistoryInline, NoticeInline, PauseInline, AttachmentInline]

    def get_readonly_fields(self, request, obj=None):
        # Many-to-many too: the staff a complaint names change only through the audited service.
        meta = self.model._meta
        # The contact only masked: its ciphertext and hash are no use to read.
        hidden = {"complainant_contact_encrypted", "complainant_contact_hash"}
        return [f.name for f in (*meta.fields, *meta.many_to_many) if f.name not in hidden]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.retain_until > timezone.localdate():
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # No bulk delete: each record is checked against its retention date.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions
