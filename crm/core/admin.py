from celery.schedules import ParseException
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_celery_beat.admin import CrontabScheduleAdmin
from django_celery_beat.models import CrontabSchedule

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


# django-celery-beat's crontab admin shows the schedule in words; for a refused value such as a
# negative minute, celery raises a ParseException the library does not catch, and the form
# with its errors answered 500. The importing above registered the library's admin first.
admin.site.unregister(CrontabSchedule)


@admin.register(CrontabSchedule)
class CrontabAdmin(CrontabScheduleAdmin):
    @admin.display(description=_("schedule in words"))
    def human_readable(self, obj):
        try:
            return obj.human_readable
        except ParseException:
            return "—"
