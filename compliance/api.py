"""Compliance in the integration API (crm.api): risk warnings to read, and risk signals that
systems send instead of a file. Signals go through the same source protocol, validation and
ingest service as the trusted feeds (compliance.sources, services.ingest): the same dedupe, the
same grading, the same warnings. A batch is all or nothing: one bad row refuses the whole
request, with every row's errors, and writes nothing."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from crm.api.pagination import id_page
from crm.api.views import ApiView, idempotent_write

from . import selectors
from .services.ingest import ingest
from .sources import COLUMNS, parse_row

MAX_SIGNALS = 1000


class SignalIn(serializers.Serializer):
    customer_number = serializers.CharField(max_length=20)
    kind = serializers.CharField(max_length=40)
    observed_on = serializers.CharField(max_length=20, help_text="YYYY-MM-DD")
    severity = serializers.CharField(max_length=10, help_text="1–4 or low/medium/high/critical")
    evidence = serializers.CharField(max_length=2000)
    external_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    value = serializers.CharField(max_length=30, required=False, allow_blank=True)


class SignalBatchIn(serializers.Serializer):
    source = serializers.SlugField(
        max_length=40, required=False, default="api", help_text="A signal source code."
    )
    signals = SignalIn(many=True, allow_empty=False, max_length=MAX_SIGNALS)


class _ApiSource:
    """The request's signals as a signal source (compliance.sources.SignalSource protocol)."""

    def __init__(self, source_code: str, signals: list[dict]):
        self.source_code = source_code
        self.signals = signals
        self.today = timezone.localdate()

    def records(self):
        for index, values in enumerate(self.signals):
            result = parse_row(index, {k: str(v) for k, v in values.items()}, self.today)
            if isinstance(result, list):
                yield from result
            else:
                yield result


# The file's column titles back to the request's field names ("date" is observed_on).
_FIELD = {titles[0]: field for field, titles in COLUMNS.items()}


def _errors(errors: list[dict]) -> dict:
    out: dict[str, list[str]] = {}
    for e in errors:
        field = _FIELD.get(e["column"], e["column"])
        out.setdefault(f"signals[{e['row']}].{field}", []).append(e["reason"])
    return out


class SignalBatchApi(ApiView):
    required_scopes = ("write:risk_signals",)

    @extend_schema(
        operation_id="risk_signals_create",
        summary="Send risk signals (all or nothing)",
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
        request=SignalBatchIn,
        responses={
            201: inline_serializer(
                "SignalBatchResult",
                {"received": serializers.IntegerField(), "created": serializers.IntegerField()},
            )
        },
    )
    def post(self, request):
        form = SignalBatchIn(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if not selectors.signal_source_active(data["source"]):
            raise serializers.ValidationError({"source": [_("Unknown signal source.")]})

        def write():
            with transaction.atomic():
                source = _ApiSource(data["source"], data["signals"])
                created, errors = ingest(source, request.user)
                if errors:
                    # Undo what ingest wrote: a batch with a bad row writes nothing.
                    raise ValidationError(_errors(errors))
            self.records = created
            return 201, {"received": len(data["signals"]), "created": created}

        return idempotent_write(self, request, write)


class WarningOut(serializers.Serializer):
    id = serializers.IntegerField()
    customer = serializers.CharField()
    kind = serializers.CharField()
    grade = serializers.CharField()
    status = serializers.CharField()
    title = serializers.CharField()
    raised_on = serializers.DateField()
    verify_by = serializers.DateField()
    owner = serializers.CharField(allow_null=True)


class WarningListApi(ApiView):
    required_scopes = ("read:warnings",)

    @extend_schema(
        operation_id="warnings_list",
        summary="Active risk warnings, in keyset pages",
        parameters=[
            OpenApiParameter("customer", str),
            OpenApiParameter("cursor", str),
            OpenApiParameter("page_size", int),
        ],
        responses={
            200: inline_serializer(
                "WarningPage",
                {
                    "results": WarningOut(many=True),
                    "next_cursor": serializers.CharField(allow_null=True),
                },
            )
        },
    )
    def get(self, request):
        qs = selectors.active_warning_rows(
            request.user, customer_number=request.query_params.get("customer")
        )
        rows, cursor = id_page(request, qs)
        self.records = len(rows)
        results = [
            {
                "id": r["id"],
                "customer": r["customer__number"],
                "kind": r["kind"],
                "grade": r["grade"],
                "status": r["status"],
                "title": r["title"],
                "raised_on": r["raised_on"].isoformat(),
                "verify_by": r["verify_by"].isoformat(),
                "owner": r["owner__username"],
            }
            for r in rows
        ]
        return Response({"results": results, "next_cursor": cursor})


app_name = "api-compliance"
urlpatterns = [
    path("risk-signals/", SignalBatchApi.as_view(), name="signal-create"),
    path("warnings/", WarningListApi.as_view(), name="warning-list"),
]
