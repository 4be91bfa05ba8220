from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.audit.services import record
from crm.core.admin_mixins import ReadOnlyAdminMixin
from crm.ui.forms import message_service_error

from . import services
from .models import TierAssignment, TierOverride, TierPolicy, TierRun


@admin.register(TierPolicy)
class TierPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "version",
        "name",
        "status",
        "formula",
        "window_months",
        "a_share",
        "b_share",
        "downgrade_grace_runs",
        "published_at",
    )
    list_filter = ("status", "formula")
    readonly_fields = (
        "version",
        "status",
        "created_by",
        "created_at",
        "published_by",
        "published_at",
    )
    actions = ["publish"]

    def has_change_permission(self, request, obj=None):
        # A published or retired version is history: change a copy (a new draft) instead.
        if obj is not None and obj.status != TierPolicy.Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            last = TierPolicy.objects.order_by("-version").first()
            obj.version = (last.version if last else 0) + 1
            obj.status = TierPolicy.Status.DRAFT
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        record(
            request.user,
            "tier_policy.changed" if change else "tier_policy.drafted",
            obj,
            after={"version": obj.version, "fields": form.changed_data},
        )

    @admin.action(description=_("Publish the selected draft"), permissions=["publish"])
    def publish(self, request, queryset):
        for policy in queryset[:1]:
            try:
                services.policy_publish(request.user, policy)
            except ValidationError as exc:
                message_service_error(request, exc)
            else:
                self.message_user(request, _("Published."), messages.SUCCESS)

    def has_publish_permission(self, request):
        return request.user.has_perm("tiering.publish_tierpolicy")


class _ServiceWrittenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Runs, assignments and overrides are written by the services only; deleting them is left
    to the model permission."""

    allow_delete = True


@admin.register(TierRun)
class TierRunAdmin(_ServiceWrittenAdmin):
    list_display = (
        "as_of",
        "kind",
        "policy_version",
        "status",
        "customers",
        "count_a",
        "count_b",
        "count_c",
        "upgrades",
        "downgrades",
        "held_by_grace",
        "finished_at",
    )
    list_filter = ("kind", "status")


@admin.register(TierAssignment)
class TierAssignmentAdmin(_ServiceWrittenAdmin):
    list_display = (
        "customer",
        "run",
        "contribution",
        "rank",
        "computed_class",
        "applied_class",
        "vip_level",
        "capital_segment",
    )
    list_filter = ("applied_class", "capital_segment")
    list_select_related = ("customer", "run")
    raw_id_fields = ("customer", "run", "override")
    show_full_result_count = False


@admin.register(TierOverride)
class TierOverrideAdmin(_ServiceWrittenAdmin):
    """Overrides are proposed on the 360 panel and decided under four-eyes approval only."""

    list_display = (
        "customer",
        "tier",
        "vip_level",
        "status",
        "expires_on",
        "proposed_by",
        "decided_by",
    )
    list_filter = ("status",)
    raw_id_fields = ("customer", "approval")
    list_select_related = ("customer", "proposed_by", "decided_by")
