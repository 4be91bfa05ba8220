"""Django admin for administrators. Personal information is masked here too, encrypted fields
are never shown, and non-superusers only reach customers in their scope (selectors)."""

from django.contrib import admin

from crm.core.admin_mixins import AuditedAdminMixin
from customers.records.access import book_q, customers_for
from customers.records.models import Contract, Customer, Holding, Product


class ScopedAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Rows reaching a customer are limited to the user's book; changes are audited."""

    customer_prefix = "customer__"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(book_q(request.user, prefix=self.customer_prefix))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "customer" and not request.user.is_superuser:
            kwargs["queryset"] = customers_for(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Customer)
class CustomerAdmin(ScopedAdmin):
    customer_prefix = ""
    list_display = ["number", "name", "kind", "mobile_masked", "id_number_masked", "owner", "tier"]
    list_filter = ["kind", "tier", "vip_level", "risk_class"]
    search_fields = ["number", "name", "name_initials", "name_pinyin"]
    list_select_related = ["owner"]
    show_full_result_count = False  # no COUNT(*) over a million rows
    raw_id_fields = ["owner"]
    # Phone and e-mail are shown masked and changed only in the app (where a reveal is audited).
    exclude = ["co_servers", "tier", "vip_level", "branch", "team", "owner"]
    readonly_fields = [
        "id_number_masked",
        "mobile_masked",
        "email_masked",
        "owner",
        "branch",
        "team",
        "tier",
        "vip_level",
    ]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "risk_level",
        "requires_qualified_investor",
        "is_active",
    ]
    list_filter = ["kind", "risk_level", "is_active"]
    search_fields = ["code", "name"]


@admin.register(Holding)
class HoldingAdmin(ScopedAdmin):
    list_display = ["customer", "product", "account_number_masked", "market_value", "as_of"]
    list_select_related = ["customer", "product"]
    raw_id_fields = ["customer"]
    readonly_fields = ["account_number_masked"]
    show_full_result_count = False


@admin.register(Contract)
class ContractAdmin(ScopedAdmin):
    list_display = ["number", "title", "customer", "amount", "matures_on", "status"]
    list_filter = ["status"]
    list_select_related = ["customer"]
    search_fields = ["number"]
    raw_id_fields = ["customer", "product"]
    show_full_result_count = False
