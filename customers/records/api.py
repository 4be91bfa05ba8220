"""Customers in the integration API (crm.api): the list for incremental sync and one customer.

Identifiers are masked unless the client holds `read:customers:pii`; then they are clear and
every customer sent is an audit row (`customer.pii_revealed`), written before the answer leaves.
Rows are built from `.values()` without a serializer per row: a 500-customer page must stay
within its time budget (bench/api.py). `CustomerSerializer` describes the same fields for the
schema, and tests compare the two.
"""

from django.db import transaction
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from crm import crypto
from crm.api.pagination import keyset_page
from crm.api.permissions import has_scope
from crm.api.views import ApiView
from crm.core.access import NotFound
from customers.records.selectors import customer_api_rows
from customers.records.services import customers_pii_revealed

PII_SCOPE = "read:customers:pii"

FIELDS = (
    "id",
    "number",
    "kind",
    "institution_type",
    "name",
    "branch__code",
    "owner__username",
    "owner__employee_no",
    "tier",
    "vip_level",
    "capital_segment",
    "risk_class",
    "risk_assessed_on",
    "aum",
    "is_active",
    "id_type",
    "id_number_masked",
    "mobile_masked",
    "email_masked",
)
CLEAR = ("id_number_encrypted", "mobile_encrypted", "email_encrypted")


class CustomerSerializer(serializers.Serializer):
    number = serializers.CharField()
    kind = serializers.CharField()
    institution_type = serializers.CharField()
    name = serializers.CharField()
    branch = serializers.CharField(help_text="Branch code.")
    owner = serializers.CharField(help_text="The relationship manager's user name.")
    owner_employee_no = serializers.CharField(allow_null=True)
    tier = serializers.CharField(help_text="Value class A/B/C; empty before the first run.")
    vip_level = serializers.CharField()
    capital_segment = serializers.CharField()
    risk_class = serializers.CharField()
    risk_assessed_on = serializers.DateField(allow_null=True)
    aum = serializers.DecimalField(max_digits=18, decimal_places=2)
    is_active = serializers.BooleanField()
    id_type = serializers.CharField()
    id_number = serializers.CharField(help_text="Masked unless the client holds the PII scope.")
    mobile = serializers.CharField(help_text="Masked unless the client holds the PII scope.")
    email = serializers.CharField(help_text="Masked unless the client holds the PII scope.")
    identifiers_clear = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def _row(r: dict, clear: bool) -> dict:
    return {
        "number": r["number"],
        "kind": r["kind"],
        "institution_type": r["institution_type"],
        "name": r["name"],
        "branch": r["branch__code"],
        "owner": r["owner__username"],
        "owner_employee_no": r["owner__employee_no"],
        "tier": r["tier"],
        "vip_level": r["vip_level"],
        "capital_segment": r["capital_segment"],
        "risk_class": r["risk_class"],
        "risk_assessed_on": r["risk_assessed_on"].isoformat() if r["risk_assessed_on"] else None,
        "aum": str(r["aum"]),
        "is_active": r["is_active"],
        "id_type": r["id_type"],
        "id_number": crypto.decrypt(r["id_number_encrypted"]) if clear else r["id_number_masked"],
        "mobile": crypto.decrypt(r["mobile_encrypted"]) if clear else r["mobile_masked"],
        "email": crypto.decrypt(r["email_encrypted"]) if clear else r["email_masked"],
        "identifiers_clear": clear,
        "created_at": r["created"],
        "updated_at": r["updated"],
    }


class _CustomerApi(ApiView):
    required_scopes = ("read:customers", PII_SCOPE)
    any_scope = True

    def answer(self, request, rows: list[dict]) -> list[dict]:
        """The rows as the client may see them; with the PII scope, audited per customer in
        the same transaction as the call's own audit row."""
        clear = has_scope(request, PII_SCOPE)
        self.records = len(rows)
        if not clear:
            return [_row(r, False) for r in rows]
        with transaction.atomic():
            customers_pii_revealed(request.user, rows, purpose=f"API: {request.auth.name}"[:200])
            self.audit(request, 200)
        return [_row(r, True) for r in rows]

    def rows(self, request, number=None):
        fields = FIELDS + CLEAR if has_scope(request, PII_SCOPE) else FIELDS
        return customer_api_rows(request.user, fields, number=number)


PAGE = inline_serializer(
    "CustomerPage",
    {
        "results": CustomerSerializer(many=True),
        "next_cursor": serializers.CharField(allow_null=True),
    },
)


class CustomerListApi(_CustomerApi):
    @extend_schema(
        operation_id="customers_list",
        summary="Customers changed since a time, in keyset pages",
        parameters=[
            OpenApiParameter("updated_since", str, description="ISO 8601 date and time."),
            OpenApiParameter("cursor", str, description="next_cursor of the previous page."),
            OpenApiParameter("page_size", int, description="1–1000, default 500."),
        ],
        responses={200: PAGE},
    )
    def get(self, request):
        rows, cursor = keyset_page(request, self.rows(request), stamp_key="updated")
        return Response({"results": self.answer(request, rows), "next_cursor": cursor})


class CustomerDetailApi(_CustomerApi):
    @extend_schema(operation_id="customers_retrieve", responses={200: CustomerSerializer})
    def get(self, request, number: str):
        rows = list(self.rows(request, number)[:1])
        if not rows:
            raise NotFound
        return Response(self.answer(request, rows)[0])


app_name = "api-customers"
urlpatterns = [
    path("customers/", CustomerListApi.as_view(), name="customer-list"),
    path("customers/<str:number>/", CustomerDetailApi.as_view(), name="customer-detail"),
]
