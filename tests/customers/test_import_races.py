"""Issue 15 item 11: confirming a staged import twice, or two uploads of one file at the same
moment, writes the rows once and answers the other confirmation with a message."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from crm.audit.models import AuditEntry
from customers.records import importing
from customers.records.models import Customer, CustomerImport
from customers.records.transfers import customer_import_confirm, customer_import_stage

from .test_import import _csv, _rows

ALREADY = "该导入已确认或已取消。"
RACED = "其中部分行刚刚已由他人同时导入"


def _stage_twice(user):
    """The same file uploaded twice before either upload is confirmed."""
    return [customer_import_stage(user, _csv(_rows())) for _ in range(2)]


@pytest.mark.django_db
def test_double_submit_of_confirm_shows_a_message_and_writes_once(as_user, rm_a):
    client = as_user(rm_a)
    client.post(reverse("customers:import-upload"), {"file": _csv(_rows())})
    staged = CustomerImport.objects.get()
    url = reverse("customers:import-confirm", args=[staged.pk])
    client.post(url)
    second = client.post(url, follow=True)
    assert second.status_code == 200
    assert ALREADY in second.content.decode()
    assert Customer.objects.count() == 2
    assert AuditEntry.objects.filter(action="customer_import.confirmed").count() == 1


@pytest.mark.django_db
def test_rows_written_since_the_check_refuse_the_whole_confirmation(rm_a, monkeypatch):
    first, second = _stage_twice(rm_a)
    customer_import_confirm(rm_a, first)
    # The second confirmation's "already present?" check ran before the first one committed.
    monkeypatch.setattr(importing, "_present_keys", lambda rows: {})
    with pytest.raises(ValidationError) as exc:
        customer_import_confirm(rm_a, second)
    assert RACED in " ".join(exc.value.messages)
    second.refresh_from_db()
    assert second.status == CustomerImport.Status.PENDING and second.created_count == 0
    assert Customer.objects.count() == 2
    monkeypatch.undo()
    # Confirmed again, it skips what the other import wrote.
    assert customer_import_confirm(rm_a, second).created_count == 0


def _run_together(work, args_list):
    results, refusals, errors = [], [], []

    def run(*args):
        try:
            results.append(work(*args))
        except ValidationError as exc:
            refusals.append(exc)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=args) for args in args_list]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, refusals, errors


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_confirms_of_one_import_write_once(postgres_only, rm_a):
    staged = customer_import_stage(rm_a, _csv(_rows()))
    results, refusals, errors = _run_together(
        customer_import_confirm, [(rm_a, staged), (rm_a, staged)]
    )
    assert not errors, errors
    assert len(results) == 1 and len(refusals) == 1
    assert Customer.objects.count() == 2
    assert AuditEntry.objects.filter(action="customer_import.confirmed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_uploads_of_one_file_confirmed_at_once_write_once(postgres_only, rm_a, monkeypatch):
    first, second = _stage_twice(rm_a)
    barrier = threading.Barrier(2, timeout=10)
    present_keys = importing._present_keys

    def checked_together(rows):
        # Both confirmations look for existing rows before either writes.
        found = present_keys(rows)
        barrier.wait()
        return found

    monkeypatch.setattr(importing, "_present_keys", checked_together)
    results, refusals, errors = _run_together(
        customer_import_confirm, [(rm_a, first), (rm_a, second)]
    )
    assert not errors, errors
    assert len(results) == 1 and len(refusals) == 1
    assert RACED in " ".join(refusals[0].messages)
    assert Customer.objects.count() == 2
    assert CustomerImport.objects.filter(status=CustomerImport.Status.PENDING).count() == 1
