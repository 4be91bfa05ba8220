from django.contrib import admin

from .admin_mixins import ReadOnlyAdminMixin
from .models import ApprovalRequest, CalendarDay, CalendarYear, Notification


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source", "loaded_at"]


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Decisions are made in the approvals queue (four-eyes, audited), not edited here."""

    list_display = ["requested_at", "kind", "summary", "requested_by", "status", "decided_by"]
    list_filter = ["status", "kind"]
    search_fields = ["summary", "reason"]
    list_select_related = ["requested_by", "decided_by"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "title", "read_at"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient"]

    def has_change_permission(self, request, obj=None):
        return False
