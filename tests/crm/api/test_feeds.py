"""Feed upload through the API (issue 16 item 2): the scope, the run it records and the load
queued through the outbox, duplicates, bad input, the size cap, idempotency and the audit row."""

import datetime

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.audit.models import AuditEntry
from crm.core.models import OutboxMessage
from customers.records.feeds.models import FeedRun
from customers.records.models import Product
from tests.factories import BranchFactory, CustomerFactory, ProductFactory

from .conftest import problem_of

URL = "/api/v1/feeds/"
PRODUCTS = (
    "code,name,kind,risk_level\nWM1,稳健收益理财1期,wealth,R2\nTR7,家族信托增利7号,trust,R4\n"
).encode()


@pytest.fixture(autouse=True)
def feeds_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "feeds": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "feeds")},
        },
    }
    storages._storages.pop("feeds", None)
    yield tmp_path / "feeds"
    storages._storages.pop("feeds", None)


def _form(content=PRODUCTS, kind="products", day="2026-11-30", name="products.csv"):
    return {"kind": kind, "business_date": day, "file": SimpleUploadedFile(name, content)}


def _upload(client, form=None, **headers):
    return client.post(URL, form or _form(), format="multipart", **headers)


def test_upload_records_the_run_and_the_outbox_loads_it(
    issue, call, django_capture_on_commit_callbacks
):
    client, token = issue("write:feeds")
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(call(token))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["state"] == "received" and body["duplicate"] is False
    assert body["url"].endswith(f"/api/v1/feeds/{body['id']}/")
    assert response["Location"] == body["url"]
    message = OutboxMessage.objects.get()
    assert (message.task, message.args) == ("customers.records.feeds.tasks.load_feed", [body["id"]])
    # The on-commit outbox delivery ran the load (tests run tasks eagerly).
    run = FeedRun.objects.get(pk=body["id"])
    assert run.state == FeedRun.State.LOADED and run.received_by == client.user
    assert set(Product.objects.values_list("code", flat=True)) == {"WM1", "TR7"}

    status = call(token).get(body["url"])
    assert status.status_code == 200
    shown = status.json()
    assert (shown["kind"], shown["business_date"], shown["state"]) == (
        "products",
        "2026-11-30",
        "loaded",
    )
    assert (shown["rows"], shown["loaded"], shown["rejected"]) == (2, 2, 0)
    assert shown["held_reason"] is None


def test_upload_and_status_need_the_feed_scope(issue, call):
    _client, token = issue("read:customers", "write:interactions")
    problem_of(_upload(call(token)), 403)
    assert not FeedRun.objects.exists()
    run = FeedRun.objects.create(
        kind="products", business_date=datetime.date(2026, 11, 30), checksum="x", filename="a"
    )
    problem_of(call(token).get(f"{URL}{run.pk}/"), 403)


def test_a_branch_client_cannot_upload(issue, call):
    _client, token = issue("write:feeds", branch=BranchFactory())
    body = problem_of(_upload(call(token)), 403)
    assert body["type"].endswith(":branch-client")
    assert not FeedRun.objects.exists()


def test_the_same_file_again_is_the_first_run_flagged_duplicate(issue, call):
    _client, token = issue("write:feeds")
    first = _upload(call(token)).json()
    again = _upload(call(token), _form(name="renamed.csv"))
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["duplicate"] is True
    assert FeedRun.objects.count() == 1 and OutboxMessage.objects.count() == 1
    audits = AuditEntry.objects.filter(action="api.called").order_by("pk")
    assert [(a.after["status"], a.after["records"]) for a in audits] == [(202, 1), (200, 0)]


def test_held_run_shows_why(issue, call, django_capture_on_commit_callbacks):
    CustomerFactory(number="C1")
    ProductFactory(code="P1")
    _client, token = issue("write:feeds")
    content = b"customer_number,product_code,market_value\nC1,P1,100\nC2,P1,1\nC1,P9,1\n"
    with django_capture_on_commit_callbacks(execute=True):
        url = _upload(call(token), _form(content, kind="holdings")).json()["url"]
    shown = call(token).get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert shown["state"] == "held" and shown["rejected"] == 2
    assert "2 of 3 rows are bad" in shown["held_reason"]
    chinese = call(token).get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert "3 行中有 2 行有错误" in chinese["held_reason"]
    assert {e["row"] for e in shown["errors"]} and all(e["reason"] for e in shown["errors"])


@pytest.mark.parametrize(
    "form, field",
    [
        (_form(kind="loans"), "kind"),
        (_form(day="30/11/2026"), "business_date"),
        (_form(day="2026-02-30"), "business_date"),
        (_form(content=b""), "file"),
        ({"kind": "products", "business_date": "2026-11-30"}, "file"),
    ],
)
def test_bad_input_is_a_field_problem_and_records_nothing(issue, call, form, field):
    _client, token = issue("write:feeds")
    form = {
        k: (SimpleUploadedFile(v.name, v.read()) if hasattr(v, "read") else v)
        for k, v in form.items()
    }
    body = problem_of(_upload(call(token), form), 400)
    assert field in {e.get("field") for e in body["errors"]}
    assert not FeedRun.objects.exists() and not OutboxMessage.objects.exists()
    assert AuditEntry.objects.get(action="api.called").after["status"] == 400


def test_json_body_is_refused_without_a_500(issue, call):
    _client, token = issue("write:feeds")
    response = call(token).post(URL, {"kind": "products"}, format="json")
    problem_of(response, 415)


def test_a_file_over_the_cap_is_refused(issue, call, settings):
    settings.FIDUCIA_FEEDS = {**settings.FIDUCIA_FEEDS, "API_MAX_UPLOAD_MB": 1}
    _client, token = issue("write:feeds")
    big = PRODUCTS + b"X" * (2 << 20)  # refused by its declared length, unread
    body = problem_of(_upload(call(token), _form(big)), 413)
    assert "1 MB" in body["detail"]
    assert not FeedRun.objects.exists()
    assert AuditEntry.objects.get(action="api.called").after["status"] == 413


def test_a_file_just_over_the_cap_within_the_form_allowance_is_refused(issue, call, settings):
    # The declared length allows for the form's other parts; the file's own size decides.
    settings.FIDUCIA_FEEDS = {**settings.FIDUCIA_FEEDS, "API_MAX_UPLOAD_MB": 1}
    _client, token = issue("write:feeds")
    problem_of(_upload(call(token), _form(b"a" * ((1 << 20) + 10))), 413)
    assert not FeedRun.objects.exists()


def test_idempotency_key_replays_and_refuses_another_file(issue, call):
    _client, token = issue("write:feeds")
    first = _upload(call(token), HTTP_IDEMPOTENCY_KEY="feed-2026-11-30")
    replay = _upload(call(token), HTTP_IDEMPOTENCY_KEY="feed-2026-11-30")
    assert replay.status_code == 202 and replay["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == first.json()["id"]
    other = _form(PRODUCTS + b"BD1,Bond,bond,R1\n")
    problem_of(_upload(call(token), other, HTTP_IDEMPOTENCY_KEY="feed-2026-11-30"), 422)
    assert FeedRun.objects.count() == 1


def test_status_of_an_unknown_run_is_404(issue, call):
    _client, token = issue("write:feeds")
    problem_of(call(token).get(f"{URL}999999/"), 404)


def test_schema_shows_the_feed_endpoints(issue, call):
    _client, token = issue("write:feeds")
    schema = call(token).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = schema.json()["paths"]
    assert "post" in paths["/api/v1/feeds/"]
    assert "multipart/form-data" in paths["/api/v1/feeds/"]["post"]["requestBody"]["content"]
    assert "get" in paths["/api/v1/feeds/{id}/"]


def test_clients_issued_with_the_scope_earlier_get_its_permissions(issue):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("customers.migrations.0023_feed_scope_permissions")
    client, _token = issue("write:feeds")
    other, _token = issue("read:customers")
    client.user.user_permissions.clear()  # as issued when the scope gave none
    migration.grant(apps, None)
    user = type(client.user).objects.get(pk=client.user.pk)
    assert user.has_perm("customers.add_feedrun") and user.has_perm("customers.view_feedrun")
    assert not type(other.user).objects.get(pk=other.user.pk).has_perm("customers.add_feedrun")
