"""Feed runs in Django admin: read-only (releases and rejections go through the audited page),
and transactions like holdings: scoped to the user's book, account shown masked."""

from django.contrib import admin

from customers.records.admin import ScopedAdmin

from .models import FeedRun, Transaction


@admin.register(FeedRun)
class FeedRunAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "business_date",
        "state",
        "rows",
        "loaded",
        "rejected",
        "received_at",
        "released_by",
    ]
    list_filter = ["kind", "state"]
    list_select_related = ["released_by"]
    ordering = ["-received_at", "-id"]
    exclude = ["errors"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Transaction)
class TransactionAdmin(ScopedAdmin):
    list_display = [
        "external_ref",
        "customer",
        "trade_date",
        "kind",
        "amount",
        "account_masked",
        "product",
    ]
    list_filter = ["kind"]
    list_select_related = ["customer", "product"]
    raw_id_fields = ["customer", "product"]
    search_fields = ["external_ref"]
    ordering = ["-trade_date", "-id"]
    show_full_result_count = False
