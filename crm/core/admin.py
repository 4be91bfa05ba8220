from celery.schedules import ParseException
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_celery_beat.admin import CrontabScheduleAdmin
from django_celery_beat.models import CrontabSchedule

from crm.audit.services import record_many

from .admin_mixins import ReadOnlyAdminMixin
from .config import fiducia
from .models import ApprovalRequest, CalendarDay, CalendarYear, Notification, OutboxMessage


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


class OutboxStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("waiting", _("Waiting to be published")),
            ("in_flight", _("Published, not done yet")),
            ("failed", _("Failed (published too often)")),
            ("done", _("Done")),
        ]

    def queryset(self, request, queryset):
        if self.value() in OUTBOX_STATES:
            return queryset.filter(OUTBOX_STATES[self.value()]())
        return queryset


def _failed() -> Q:
    return Q(done_at__isnull=True, attempts__gte=fiducia("OUTBOX", "MAX_PUBLICATIONS"))


OUTBOX_STATES = {
    "waiting": lambda: Q(done_at__isnull=True, dispatched_at__isnull=True) & ~_failed(),
    "in_flight": lambda: Q(done_at__isnull=True, dispatched_at__isnull=False) & ~_failed(),
    "failed": _failed,
    "done": lambda: Q(done_at__isnull=False),
}


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What the outbox relay and the workers have left to do, for operators: rows are written
    by the services and marked by the relay and the tasks, never edited here."""

    list_display = [
        "pk",
        "task",
        "created_at",
        "attempts",
        "dispatched_at",
        "done_at",
        "available_at",
        "last_error",
    ]
    list_filter = [OutboxStateFilter, "task"]
    show_full_result_count = False
    ordering = ["-pk"]
    actions = ["publish_again"]

    def has_republish_permission(self, request):
        return request.user.has_perm("core.change_outboxmessage")

    @admin.action(
        permissions=["republish"],
        description=_("Publish again (after the cause of the failure was fixed)"),
    )
    def publish_again(self, request, queryset):
        """An operator's decision for rows that are not done (failed ones, typically): the
        relay publishes them again at once, with a fresh count of publications. Audited."""
        with transaction.atomic():
            rows = list(queryset.select_for_update().filter(done_at__isnull=True))
            OutboxMessage.objects.filter(pk__in=[r.pk for r in rows]).update(
                attempts=0, available_at=timezone.now()
            )
            record_many(
                request.user,
                "outbox.republished",
                rows,
                before_of=lambda r: {"attempts": r.attempts, "last_error": r.last_error},
            )
        self.message_user(
            request,
            _("%(n)s outbox messages will be published again.") % {"n": len(rows)},
            messages.SUCCESS,
        )

    def changelist_view(self, request, extra_context=None):
        queryset = OutboxMessage.objects.filter(done_at__isnull=True)
        counts = {
            state: queryset.filter(OUTBOX_STATES[state]()).count()
            for state in ("waiting", "in_flight", "failed")
        }
        self.message_user(
            request,
            _(
                "Outbox: %(waiting)s waiting, %(in_flight)s published and not done, %(failed)s failed."
            )
            % counts,
            messages.WARNING if counts["failed"] else messages.INFO,
        )
        return super().changelist_view(request, {**(extra_context or {}), "outbox_counts": counts})


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
