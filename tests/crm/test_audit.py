"""The audit log is append-only in the ORM and in the database (DESIGN §6)."""

import pytest
from django.db import DatabaseError, connection, transaction

from crm.audit.models import AppendOnlyError, AuditEntry
from crm.audit.services import record, record_many
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_record_describes_the_target(rm_user):
    customer = CustomerFactory()
    entry = record(
        rm_user,
        "customer.revealed",
        customer,
        purpose="KYC renewal call",
        before={"mobile": "138****0001"},
        after={"mobile": "revealed"},
    )
    entry.refresh_from_db()
    assert entry.actor == rm_user
    assert entry.action == "customer.revealed"
    assert entry.target_type == "customers.customer"
    assert entry.target_id == str(customer.pk)
    assert entry.target_repr == str(customer)
    assert entry.purpose == "KYC renewal call"
    assert entry.before == {"mobile": "138****0001"}
    assert entry.after == {"mobile": "revealed"}
    assert entry.at is not None


def test_record_without_target_or_actor():
    entry = record(None, "system.sweep", None)
    assert entry.actor is None
    assert (entry.target_type, entry.target_id, entry.target_repr) == ("", "", "")


def test_record_with_plain_target_and_anonymous_actor():
    from django.contrib.auth.models import AnonymousUser

    entry = record(AnonymousUser(), "login.failed", "x" * 300)
    assert entry.actor is None
    assert entry.target_repr == "x" * 255


def test_record_serialises_dates_and_decimals(rm_user):
    import datetime
    from decimal import Decimal

    entry = record(rm_user, "x", after={"on": datetime.date(2025, 9, 20), "aum": Decimal("1.50")})
    entry.refresh_from_db()
    assert entry.after == {"on": "2025-09-20", "aum": "1.50"}


def test_record_rolls_back_with_the_change(rm_user):
    with pytest.raises(RuntimeError), transaction.atomic():
        record(rm_user, "customer.reassigned", None)
        raise RuntimeError("the change failed")
    assert not AuditEntry.objects.filter(action="customer.reassigned").exists()


def test_orm_refuses_save_of_existing_entry(rm_user):
    entry = record(rm_user, "a", None)
    entry.purpose = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    entry.refresh_from_db()
    assert entry.purpose == ""


def test_orm_refuses_delete(rm_user):
    entry = record(rm_user, "a", None)
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="b")
    assert AuditEntry.objects.filter(pk=entry.pk, action="a").exists()


def _raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET action = 'tampered' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ],
)
def test_database_trigger_refuses_raw_update_and_delete(rm_user, sql):
    # Runs on both backends: PostgreSQL (plpgsql trigger) and SQLite (RAISE(ABORT) trigger).
    entry = record(rm_user, "a", None)
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(sql, [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk, action="a").exists()


def test_postgres_trigger_refuses_update_delete_and_truncate(postgres_only, rm_user):
    # Deferred FK checks of the inserted row would block TRUNCATE for another reason.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    entry = record(rm_user, "a", None)
    for sql in (
        "UPDATE audit_auditentry SET purpose = 'x' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            _raw(sql, [entry.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("TRUNCATE audit_auditentry CASCADE", [])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_auditentry'::regclass "
            "AND NOT tgisinternal ORDER BY tgname"
        )
        names = [row[0] for row in cursor.fetchall()]
    assert names == ["audit_entry_append_only", "audit_entry_no_truncate"]


def test_admin_is_read_only(admin_client, rm_user):
    entry = record(rm_user, "a", None)
    assert admin_client.get(f"/admin/audit/auditentry/{entry.pk}/change/").status_code == 200
    assert admin_client.get("/admin/audit/auditentry/add/").status_code == 403
    response = admin_client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_can_flush_the_audit_table_and_triggers_stay(rm_user):
    # tests/conftest.py lifts the triggers only for the flush between transactional tests.
    entry = record(rm_user, "a", None)
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])


@pytest.mark.django_db(transaction=True)
def test_triggers_are_back_after_a_flush(rm_user):
    entry = record(rm_user, "b", None)
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE audit_auditentry SET action = 'x' WHERE id = %s", [entry.pk])


def test_record_many_writes_one_row_per_target_in_one_insert(rm_user, django_assert_num_queries):
    customers = CustomerFactory.create_batch(3, owner=rm_user)
    # One INSERT, after the hash chain's tail read (and, on PostgreSQL, its lock).
    with django_assert_num_queries(3 if connection.vendor == "postgresql" else 2):
        written = record_many(
            rm_user,
            "customer.bulk_test",
            customers,
            purpose="批量",
            before_of=lambda c: {"n": c.number},
            after_of=lambda c: {"pk": c.pk},
        )
    assert written == 3
    rows = AuditEntry.objects.filter(action="customer.bulk_test").order_by("target_id")
    assert [(r.target_id, r.purpose, r.actor) for r in rows] == sorted(
        (str(c.pk), "批量", rm_user) for c in customers
    )
    assert {r.target_id: r.before["n"] for r in rows} == {str(c.pk): c.number for c in customers}
    assert all(r.after == {"pk": int(r.target_id)} for r in rows)


def test_sqlite_insert_or_replace_cannot_rewrite_an_audit_row(rm_user):
    # INSERT OR REPLACE deletes the old row first; only with recursive_triggers does that
    # delete meet the append-only trigger (crm/audit/apps.py turns it on per connection).
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    entry = record(rm_user, "a", None, purpose="original")
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(
            "INSERT OR REPLACE INTO audit_auditentry (id, at, action, target_type, target_id, "
            "target_repr, purpose) VALUES (%s, %s, 'a', '', '', '', 'rewritten')",
            [entry.pk, "2020-01-01 00:00:00"],
        )
    assert AuditEntry.objects.get(pk=entry.pk).purpose == "original"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA recursive_triggers")
        assert cursor.fetchone()[0] == 1
