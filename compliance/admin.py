"""Admin for the rules and code tables. Warnings, signals and the watch list change only through
the services (audited, watch list under four-eyes), so they are read-only here."""

from django.contrib import admin

from crm.core.admin_mixins import ReadOnlyAdminMixin

from .models import GradingRule, RiskSignal, RiskWarning, SignalSource, WatchListEntry


@admin.register(GradingRule)
class GradingRuleAdmin(admin.ModelAdmin):
    list_display = ["kind", "severity", "grade", "verification_days", "is_active"]
    list_filter = ["kind", "grade", "is_active"]
    list_editable = ["grade", "verification_days", "is_active"]


@admin.register(SignalSource)
class SignalSourceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_active"]
    search_fields = ["code", "name"]


@admin.register(RiskWarning)
class RiskWarningAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["pk", "customer", "kind", "grade", "status", "owner", "verify_by"]
    list_filter = ["grade", "status", "kind"]
    list_select_related = ["customer", "owner"]
    raw_id_fields = ["customer", "owner"]


@admin.register(RiskSignal)
class RiskSignalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["pk", "customer", "kind", "severity", "source", "observed_on"]
    list_filter = ["kind", "severity", "source"]
    list_select_related = ["customer", "source"]
    raw_id_fields = ["customer", "warning", "batch"]


@admin.register(WatchListEntry)
class WatchListEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["customer", "action", "review_on"]
    list_filter = ["action"]
    list_select_related = ["customer"]
