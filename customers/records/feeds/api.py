"""Feed upload in the integration API (crm.api; issue 16 item 2): a core-banking system sends a
feed file instead of dropping it into the inbox, then polls the run's state.

The upload calls the same service as the inbox pickup and `import_feed` (`feed_receive`), which
records the run and queues its load through the outbox after commit: the answer (202) never
waits on the broker or on the load. The same file again is the first run (200, `duplicate`).
"""

from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from crm.accounts.permissions import require
from crm.api.errors import problem
from crm.api.views import ApiView, idempotent_write
from crm.core.config import fiducia

from . import reading, selectors, services
from .models import FeedKind, FeedRun

SHOWN_ERRORS = 20  # bad rows in the status answer; the full report is on the run's page


class FeedUploadIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FeedKind.choices)
    business_date = serializers.DateField(input_formats=["iso-8601"], help_text="YYYY-MM-DD")
    file = serializers.FileField(
        allow_empty_file=False, help_text="The CSV file (docs/feeds.md), UTF-8 or GBK."
    )


class FeedErrorOut(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    value = serializers.CharField(help_text="Identifiers masked.")
    reason = serializers.CharField()


class FeedRunOut(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField(help_text="This run's status (GET).")
    kind = serializers.CharField()
    business_date = serializers.DateField()
    state = serializers.ChoiceField(choices=FeedRun.State.choices)
    state_label = serializers.CharField()
    duplicate = serializers.BooleanField(
        required=False, help_text="On upload: the same file was received before as this run."
    )
    filename = serializers.CharField()
    size = serializers.IntegerField()
    rows = serializers.IntegerField()
    loaded = serializers.IntegerField()
    rejected = serializers.IntegerField()
    unknown_customers = serializers.IntegerField()
    held_reason = serializers.CharField(allow_null=True, help_text="Why a held run waits.")
    message = serializers.CharField(help_text="A file-level refusal or failure.")
    errors = FeedErrorOut(many=True, help_text=f"The first {SHOWN_ERRORS} bad rows.")
    received_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


def _held_reason(run: FeedRun) -> str | None:
    if run.state != FeedRun.State.HELD:
        return None
    if not run.rows:
        return _("The file has no data row.")
    return _(
        "%(n)s of %(total)s rows are bad, more than the share a feed may have and still load "
        "on its own. Check the error report, then release the feed (its good rows load, the "
        "bad rows stay reported) or reject it."
    ) % {"n": run.rejected, "total": run.rows}


def _run_body(request, run: FeedRun, *, errors: bool = False) -> dict:
    body = {
        "id": run.pk,
        "url": request.build_absolute_uri(reverse("api-feeds:feed-detail", args=[run.pk])),
        "kind": run.kind,
        "business_date": run.business_date.isoformat(),
        "state": run.state,
        "state_label": str(run.get_state_display()),
        "filename": run.filename,
        "size": run.size,
        "rows": run.rows,
        "loaded": run.loaded,
        "rejected": run.rejected,
        "unknown_customers": run.unknown_customers,
        "held_reason": _held_reason(run),
        "message": run.message,
        "errors": [
            {k: e[k] for k in ("row", "column", "value", "reason")}
            for e in (selectors.error_rows(run)[:SHOWN_ERRORS] if errors else [])
        ],
        "received_at": run.received_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }
    return body


def _max_bytes() -> int:
    return fiducia("FEEDS", "API_MAX_UPLOAD_MB") << 20


def _too_large() -> Response:
    return problem(
        413,
        _("The file is larger than %(mb)s MB, the most the API takes; put it into the inbox.")
        % {"mb": fiducia("FEEDS", "API_MAX_UPLOAD_MB")},
        code="too-large",
    )


class FeedUploadApi(ApiView):
    required_scopes = ("write:feeds",)
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="feeds_create",
        summary="Upload a core-banking feed file (loaded in the background)",
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
        request={"multipart/form-data": FeedUploadIn},
        responses={
            202: FeedRunOut,
            200: FeedRunOut,  # the same file again: the first run, `duplicate` true
        },
    )
    def post(self, request):
        # Before the body is read: a declared size over the cap is refused unread.
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > _max_bytes() + (64 << 10):  # room for the form's other parts
            return _too_large()
        require(request.user, "customers.add_feedrun")
        if request.auth.branch_id:
            return problem(
                403,
                _(
                    "A client restricted to a branch cannot upload feeds: a feed covers the whole "
                    "institution."
                ),
                code="branch-client",
            )
        form = FeedUploadIn(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        upload = data["file"]
        if upload.size > _max_bytes():
            return _too_large()
        digest, _size = reading.checksum(upload)
        upload.seek(0)
        fingerprint = {
            "kind": data["kind"],
            "business_date": data["business_date"].isoformat(),
            "sha256": digest,
        }

        def write():
            run = services.feed_receive(
                kind=data["kind"],
                business_date=data["business_date"],
                filename=upload.name,
                content=upload,
                acting_user=request.user,
            )
            self.records = 0 if run.duplicate else 1
            return (200 if run.duplicate else 202), {
                **_run_body(request, run),
                "duplicate": run.duplicate,
            }

        response = idempotent_write(self, request, write, fingerprint=fingerprint)
        if response.status_code == 202:
            response["Location"] = response.data["url"]
        return response


class FeedRunApi(ApiView):
    required_scopes = ("write:feeds",)

    @extend_schema(
        operation_id="feeds_retrieve",
        summary="A feed run's state, counts and first bad rows",
        responses={200: FeedRunOut},
    )
    def get(self, request, pk: int):
        run = selectors.access_feedrun(request.user, pk)
        self.records = 1
        return Response(_run_body(request, run, errors=True))


app_name = "api-feeds"
urlpatterns = [
    path("feeds/", FeedUploadApi.as_view(), name="feed-create"),
    path("feeds/<int:pk>/", FeedRunApi.as_view(), name="feed-detail"),
]
