"""Writes through the API use the web UI's services: contacts (interaction_log, with its rules,
audit row and task completion; idempotency keys) and risk signals (the feeds' ingest, all or
nothing)."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from compliance.models import RiskSignal, RiskWarning
from crm.audit.models import AuditEntry
from customers.contacts.models import Interaction
from customers.contacts.services import task_create
from customers.records.models import FollowUpTask
from tests.factories import BranchFactory, CustomerFactory, UserFactory

from .conftest import problem_of

URL = "/api/v1/interactions/"


def _contact(customer_obj, **fields):
    return {
        "customer": customer_obj.number,
        "channel": "phone",
        "occurred_at": (timezone.now() - datetime.timedelta(minutes=5)).isoformat(),
        "purpose": "service",
        "summary": "客户来电咨询理财到期安排",
        **fields,
    }


def test_contact_is_logged_through_the_service_and_audited(issue, call, rm):
    customer = CustomerFactory(owner=rm)
    client, token = issue("write:interactions")
    response = call(token).post(URL, _contact(customer, staff=[rm.username]), format="json")
    assert response.status_code == 201, response.content
    interaction = Interaction.objects.get(pk=response.json()["id"])
    assert interaction.customer == customer and interaction.created_by == client.user
    assert set(interaction.staff.all()) == {client.user, rm}
    assert AuditEntry.objects.filter(action="interaction.logged", actor=client.user).count() == 1
    audit = AuditEntry.objects.get(action="api.called")
    assert audit.after["records"] == 1 and audit.after["status"] == 201


def test_contact_closes_the_open_task_it_names(issue, call, rm):
    customer = CustomerFactory(owner=rm)
    task = task_create(rm, customer, title="回访", due_on=timezone.localdate())
    _client, token = issue("write:interactions")
    response = call(token).post(URL, _contact(customer, task=task.pk), format="json")
    assert response.json()["task_completed"] == task.pk
    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.DONE


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"occurred_at": "2099-01-01T10:00:00+08:00"}, "occurred_at"),  # the service's rule
        ({"summary": "   "}, "summary"),
        ({"customer": "NOPE"}, "customer"),
        ({"staff": ["nobody"]}, "staff"),
        ({"task": 999999}, "task"),
        ({"channel": "pigeon"}, "channel"),
    ],
)
def test_bad_contact_is_a_field_problem_and_writes_nothing(issue, call, rm, fields, field):
    customer = CustomerFactory(owner=rm)
    _client, token = issue("write:interactions")
    body = problem_of(call(token).post(URL, _contact(customer, **fields), format="json"), 400)
    assert field in {e.get("field") for e in body["errors"]}
    assert not Interaction.objects.exists()
    assert not AuditEntry.objects.filter(action="interaction.logged").exists()


def test_customer_of_another_branch_is_unknown_to_a_branch_client(issue, call):
    north, south = BranchFactory(code="N"), BranchFactory(code="S")
    other = CustomerFactory(owner=UserFactory(role="relationship_manager", branch=south))
    _client, token = issue("write:interactions", branch=north)
    body = problem_of(call(token).post(URL, _contact(other), format="json"), 400)
    assert body["errors"][0]["field"] == "customer"
    assert not Interaction.objects.exists()


def test_retry_with_the_same_idempotency_key_logs_once(issue, call, rm):
    customer = CustomerFactory(owner=rm)
    _client, token = issue("write:interactions")
    api = call(token)
    payload = _contact(customer)
    first = api.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Interaction.objects.count() == 1
    other = api.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 201 and Interaction.objects.count() == 2


def test_same_key_with_another_request_is_refused(issue, call, rm):
    customer = CustomerFactory(owner=rm)
    _client, token = issue("write:interactions")
    api = call(token)
    api.post(URL, _contact(customer), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    response = api.post(
        URL, _contact(customer, summary="另一次"), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    problem_of(response, 422)
    assert Interaction.objects.count() == 1


def test_a_failed_write_keeps_no_key(issue, call, rm):
    customer = CustomerFactory(owner=rm)
    _client, token = issue("write:interactions")
    api = call(token)
    bad = api.post(URL, _contact(customer, summary=" "), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert bad.status_code == 400
    good = api.post(URL, _contact(customer), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert good.status_code == 201


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_clients_with_idempotency_keys_log_each_contact_once(postgres_only, call, rm):
    from crm.api.services import api_client_create

    customer = CustomerFactory(owner=rm)
    _client, token = api_client_create(None, name="Call centre", scopes=["write:interactions"])
    keys = [f"call-{i}" for i in range(60)]
    # One body per key (a retry resends the same request).
    payloads = {key: _contact(customer, summary=f"通话 {key}") for key in keys}
    errors, statuses = [], []

    def worker(n):
        api = call(token)
        try:
            # Every key is sent by two threads at once: a retry racing the original.
            for key in keys[(n % 5) * 12 : (n % 5) * 12 + 12]:
                response = api.post(URL, payloads[key], format="json", HTTP_IDEMPOTENCY_KEY=key)
                statuses.append(response.status_code)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert set(statuses) == {201}
    assert Interaction.objects.count() == len(keys)
    assert sorted(Interaction.objects.values_list("summary", flat=True)) == sorted(
        f"通话 {k}" for k in keys
    )


# ---- risk signals ---------------------------------------------------------------------------

SIGNALS = "/api/v1/risk-signals/"


def _signal(customer, **fields):
    return {
        "customer_number": customer.number,
        "kind": "overdue",
        "observed_on": str(timezone.localdate()),
        "severity": "3",
        "evidence": "贷款逾期30天",
        "external_id": f"loan-{customer.pk}",
        **fields,
    }


def test_signals_go_through_ingest_and_raise_warnings(issue, call, rm):
    a, b = CustomerFactory.create_batch(2, owner=rm)
    client, token = issue("write:risk_signals")
    api = call(token)
    payload = {"signals": [_signal(a), _signal(b, kind="litigation", severity="high")]}
    response = api.post(SIGNALS, payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json() == {"received": 2, "created": 2}
    assert set(RiskSignal.objects.values_list("source__code", flat=True)) == {"api"}
    assert RiskWarning.objects.filter(customer__in=[a, b]).count() == 2
    assert AuditEntry.objects.filter(action="signal.ingested", actor=client.user).count() == 1
    # The same signals again (the feed's dedupe): nothing new.
    assert api.post(SIGNALS, payload, format="json").json()["created"] == 0
    assert RiskSignal.objects.count() == 2


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"severity": "9"}, "signals[1].severity"),
        ({"kind": "gossip"}, "signals[1].kind"),
        ({"observed_on": "2099-01-01"}, "signals[1].observed_on"),
        ({"customer_number": "NOPE"}, "signals[1].customer_number"),
    ],
)
def test_a_batch_with_a_bad_signal_writes_nothing(issue, call, rm, bad, field):
    a, b = CustomerFactory.create_batch(2, owner=rm)
    _client, token = issue("write:risk_signals")
    payload = {"signals": [_signal(a), _signal(b, **bad)]}
    body = problem_of(call(token).post(SIGNALS, payload, format="json"), 400)
    assert field in {e.get("field") for e in body["errors"]}
    assert not RiskSignal.objects.exists()
    assert not RiskWarning.objects.exists()


def test_unknown_signal_source_is_refused(issue, call, rm):
    a = CustomerFactory(owner=rm)
    _client, token = issue("write:risk_signals")
    body = problem_of(
        call(token).post(SIGNALS, {"source": "nope", "signals": [_signal(a)]}, format="json"),
        400,
    )
    assert body["errors"][0]["field"] == "source"
