"""Complaints in the integration API (crm.api): status and regulatory deadlines, nothing of the
complainant's own words or contact."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from crm.api.pagination import id_page
from crm.api.views import ApiView

from .selectors import complaint_api_rows


class ComplaintOut(serializers.Serializer):
    reference = serializers.CharField()
    customer = serializers.CharField(allow_null=True)
    state = serializers.CharField()
    received_at = serializers.DateTimeField()
    is_complex = serializers.BooleanField()
    ack_due = serializers.DateField(allow_null=True)
    decision_due = serializers.DateField()
    review_due = serializers.DateField(allow_null=True)
    due_on = serializers.DateField(allow_null=True, help_text="The running clock's deadline.")
    paused = serializers.BooleanField()
    breached = serializers.BooleanField()


def _date(value):
    return value.isoformat() if value else None


class ComplaintListApi(ApiView):
    required_scopes = ("read:complaints",)

    @extend_schema(
        operation_id="complaints_list",
        summary="Complaints with status and deadlines, in keyset pages",
        parameters=[
            OpenApiParameter("customer", str, description="Only this customer's complaints."),
            OpenApiParameter("open", bool, description="Only complaints not yet closed."),
            OpenApiParameter("cursor", str),
            OpenApiParameter("page_size", int),
        ],
        responses={
            200: inline_serializer(
                "ComplaintPage",
                {
                    "results": ComplaintOut(many=True),
                    "next_cursor": serializers.CharField(allow_null=True),
                },
            )
        },
    )
    def get(self, request):
        qs = complaint_api_rows(
            request.user,
            customer_number=request.query_params.get("customer"),
            open_only=request.query_params.get("open") in ("1", "true"),
        )
        rows, cursor = id_page(request, qs)
        self.records = len(rows)
        results = [
            {
                "reference": r["reference"],
                "customer": r["customer__number"],
                "state": r["state"],
                "received_at": r["received_at"].isoformat(),
                "is_complex": r["is_complex"],
                "ack_due": _date(r["ack_due"]),
                "decision_due": _date(r["decision_due"]),
                "review_due": _date(r["review_due"]),
                "due_on": _date(r["due_on"]),
                "paused": r["paused"],
                "breached": r["breached"],
            }
            for r in rows
        ]
        return Response({"results": results, "next_cursor": cursor})


app_name = "api-complaints"
urlpatterns = [path("complaints/", ComplaintListApi.as_view(), name="complaint-list")]
