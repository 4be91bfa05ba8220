"""Django admin for channels, activities, prospects and the other sales records."""

from django.contrib import admin

from customers.sales.models import (
    Activity,
    ActivityInvitation,
    Channel,
    ChannelEvaluation,
    HandoverItem,
    HandoverPlan,
    Prospect,
    SatisfactionSurvey,
    Statement,
    StatementRun,
)


class ChannelEvaluationInline(admin.TabularInline):
    model = ChannelEvaluation
    extra = 0
    fields = [
        "period_start",
        "period_end",
        "volume_score",
        "quality_score",
        "compliance_score",
        "service_score",
        "overall",
        "rating",
        "comment",
    ]
    readonly_fields = ["overall", "rating"]

    def has_add_permission(self, request, obj=None):
        return False  # evaluations go through the service (scores → overall and rating)


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "partner_name",
        "agreement_number",
        "agreement_ends_on",
        "commission_rate",
        "is_active",
    ]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "partner_name", "agreement_number"]
    inlines = [ChannelEvaluationInline]


class InvitationInline(admin.TabularInline):
    model = ActivityInvitation
    extra = 0
    raw_id_fields = ["customer", "invited_by"]
    fields = ["customer", "status", "registered_at", "attended_at"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "kind",
        "starts_at",
        "organiser",
        "branch",
        "channel",
        "budget",
        "status",
    ]
    list_filter = ["kind", "status", "branch"]
    search_fields = ["title"]
    raw_id_fields = ["organiser"]
    date_hierarchy = "starts_at"
    inlines = [InvitationInline]


@admin.register(Prospect)
class ProspectAdmin(admin.ModelAdmin):
    list_display = ["name", "stage", "source", "owner", "expected_aum", "next_step_on", "customer"]
    list_filter = ["stage", "source", "branch"]
    search_fields = ["name"]
    raw_id_fields = ["owner", "referred_by", "customer", "activity"]
    # Stages move through the service; the contact is shown masked (revealed on the prospect page).
    readonly_fields = ["stage", "customer", "converted_at", "contact_masked"]


@admin.register(HandoverPlan)
class HandoverPlanAdmin(admin.ModelAdmin):
    list_display = [
        "departing",
        "default_successor",
        "reason",
        "status",
        "created_at",
        "completed_at",
    ]
    list_filter = ["status", "reason"]
    readonly_fields = [f.name for f in HandoverPlan._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(HandoverItem)
class HandoverItemAdmin(admin.ModelAdmin):
    list_display = ["plan", "customer", "successor"]
    raw_id_fields = ["plan", "customer", "successor"]

    def has_add_permission(self, request):
        return False


@admin.register(StatementRun)
class StatementRunAdmin(admin.ModelAdmin):
    list_display = [
        "period_kind",
        "period_start",
        "status",
        "total",
        "done",
        "skipped",
        "started_at",
    ]
    readonly_fields = [f.name for f in StatementRun._meta.fields]

    def has_add_permission(self, request):
        # Runs are made by statement generation (statements_generate); an add form of
        # read-only fields could only save an empty run, which the database refuses.
        return False


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    list_display = ["customer", "period_kind", "period_start", "status", "sent_via", "sent_at"]
    list_filter = ["period_kind", "status"]
    raw_id_fields = ["customer", "owner", "run"]
    readonly_fields = ["content", "pdf", "sent_at", "sent_by", "reviewed_by", "reviewed_at"]
    show_full_result_count = False


@admin.register(SatisfactionSurvey)
class SatisfactionSurveyAdmin(admin.ModelAdmin):
    list_display = ["customer", "context", "score", "owner", "recorded_at"]
    list_filter = ["context", "score"]
    raw_id_fields = ["customer", "owner", "recorded_by", "activity"]
    show_full_result_count = False
