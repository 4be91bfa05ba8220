from django.contrib import admin

from crm.core.admin_mixins import ReadOnlyAdminMixin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: administrators can look, nobody can change history."""

    list_display = ["at", "actor", "action", "target_type", "target_repr", "purpose"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_repr", "target_id", "actor__username", "purpose"]
    date_hierarchy = "at"
    list_select_related = ["actor"]
    show_full_result_count = False
    # Not editable fields, so shown only when listed; the hashes let an administrator compare a
    # row with what `verify_audit_chain` reports.
    readonly_fields = ["at", "prev_hash", "row_hash"]
