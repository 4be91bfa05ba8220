"""The audit log's hash chain (crm/audit/chain.py): appends chain, verification pinpoints a
tampered, removed or unsealed row, on the command line and on compliance's page."""

import importlib
import json
import threading
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse

from crm.accounts import roles
from crm.audit import chain
from crm.audit.models import AuditEntry
from crm.audit.services import record, record_many, record_rows
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _lift_triggers():
    """What a DBA could do and the application cannot (the test's transaction restores it)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred FK checks of the rows just written would block the ALTER.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_update")
            cursor.execute("DROP TRIGGER audit_entry_no_delete")


def _sql(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _five(rm_user):
    customers = CustomerFactory.create_batch(3, owner=rm_user)
    record(rm_user, "a.first", customers[0], before={"n": 1}, after={"aum": 1.5})
    record_many(rm_user, "a.batch", customers, after_of=lambda c: {"number": c.number})
    record(None, "a.last", "plain target", purpose="用途")
    return list(AuditEntry.objects.order_by("pk"))


def test_appends_are_chained_in_id_order(rm_user):
    rows = _five(rm_user)
    assert rows[0].prev_hash == chain.GENESIS
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.row_hash
    assert len({r.row_hash for r in rows}) == 5
    result = chain.verify(chunk_size=2)
    assert result.ok and result.checked == 5
    assert (result.last_id, result.last_hash) == (rows[-1].pk, rows[-1].row_hash)


def test_empty_log_verifies():
    assert chain.verify().ok


def test_the_hash_is_keyed(rm_user, settings):
    _five(rm_user)
    settings.FIDUCIA_AUDIT_CHAIN_KEY = "another key"
    result = chain.verify()
    assert (result.problem, result.bad_id) == ("tampered", AuditEntry.objects.order_by("pk")[0].pk)


def test_a_tampered_row_is_pinpointed(rm_user):
    rows = _five(rm_user)
    _lift_triggers()
    _sql("UPDATE audit_auditentry SET purpose = 'rewritten' WHERE id = %s", [rows[2].pk])
    result = chain.verify()
    assert not result.ok
    assert (result.bad_id, result.problem, result.checked) == (rows[2].pk, "tampered", 2)
    assert result.previous_id == rows[1].pk


def test_a_tampered_json_value_is_pinpointed(rm_user):
    rows = _five(rm_user)
    _lift_triggers()
    _sql("UPDATE audit_auditentry SET after = NULL WHERE id = %s", [rows[0].pk])
    assert (chain.verify().bad_id, chain.verify().problem) == (rows[0].pk, "tampered")


def test_a_removed_row_is_pinpointed_at_the_next_one(rm_user):
    rows = _five(rm_user)
    _lift_triggers()
    _sql("DELETE FROM audit_auditentry WHERE id = %s", [rows[2].pk])
    result = chain.verify()
    assert (result.bad_id, result.problem, result.previous_id) == (
        rows[3].pk,
        "missing",
        rows[1].pk,
    )


def test_removing_the_first_row_is_pinpointed(rm_user):
    rows = _five(rm_user)
    _lift_triggers()
    _sql("DELETE FROM audit_auditentry WHERE id = %s", [rows[0].pk])
    result = chain.verify()
    assert (result.bad_id, result.problem, result.previous_id) == (rows[1].pk, "missing", None)


def test_a_row_rehashed_without_the_chain_breaks_the_next_link(rm_user):
    # Someone who edits a row and its row_hash (without the key, a guess) still breaks the link.
    rows = _five(rm_user)
    _lift_triggers()
    _sql("UPDATE audit_auditentry SET row_hash = %s WHERE id = %s", ["f" * 64, rows[1].pk])
    assert chain.verify().bad_id == rows[1].pk


def test_a_row_written_past_the_chain_is_unsealed(rm_user):
    rows = _five(rm_user)
    _sql(
        "INSERT INTO audit_auditentry (at, action, target_type, target_id, target_repr, purpose) "
        "VALUES (%s, 'raw', '', '', '', '')",
        [connection.ops.adapt_datetimefield_value(rows[-1].at)],
    )
    result = chain.verify()
    assert result.problem == "unsealed" and result.checked == 5


def test_appends_after_a_raw_row_chain_on_again(rm_user):
    _sql(
        "INSERT INTO audit_auditentry (at, action, target_type, target_id, target_repr, purpose) "
        "VALUES (%s, 'raw', '', '', '', '')",
        ["2026-01-01 00:00:00"],
    )
    entry = record(rm_user, "after.raw", None)
    assert entry.prev_hash == chain.GENESIS and entry.row_hash


def test_record_rows_keeps_the_values_given(rm_user):
    assert record_rows([]) == 0
    written = record_rows(
        [{"actor_id": rm_user.pk, "action": "x.rows", "target_id": "7", "after": {"k": [1, "二"]}}]
    )
    entry = AuditEntry.objects.get(action="x.rows")
    assert written == 1 and entry.after == {"k": [1, "二"]} and entry.actor == rm_user
    assert chain.verify().ok


def test_the_migration_chains_rows_written_before_the_chain(rm_user):
    for n in range(3):
        _sql(
            "INSERT INTO audit_auditentry (at, action, target_type, target_id, target_repr, "
            "purpose, after) VALUES (%s, %s, '', '', '', '', %s)",
            [f"2026-01-0{n + 1} 00:00:00", f"old.{n}", json.dumps({"n": n})],
        )
    assert chain.verify().problem == "unsealed"
    if connection.vendor == "postgresql":
        _sql("SET CONSTRAINTS ALL IMMEDIATE")
    migration = importlib.import_module("crm.audit.migrations.0003_audit_hash_chain")
    editor = SimpleNamespace(connection=connection, execute=_sql)
    from django.apps import apps

    migration.chain_existing_rows(apps, editor)
    assert chain.verify().ok and chain.verify().checked == 3
    record(rm_user, "new", None)
    assert chain.verify().checked == 4
    # The triggers are back.
    with pytest.raises(Exception, match="append-only"):
        _sql("UPDATE audit_auditentry SET action = 'x'")


# ---- the command ------------------------------------------------------------------------------


def test_command_reports_an_intact_chain(rm_user, capsys):
    rows = _five(rm_user)
    call_command("verify_audit_chain")
    out = capsys.readouterr().out
    assert "intact: 5 rows" in out and rows[-1].row_hash in out


def test_command_exits_1_naming_the_tampered_row(rm_user, capsys):
    rows = _five(rm_user)
    _lift_triggers()
    _sql("UPDATE audit_auditentry SET action = 'other' WHERE id = %s", [rows[3].pk])
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_audit_chain")
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert f"broken at row {rows[3].pk}: tampered" in err


def test_command_exits_1_naming_the_row_after_a_removed_one(rm_user, capsys):
    rows = _five(rm_user)
    _lift_triggers()
    _sql("DELETE FROM audit_auditentry WHERE id = %s", [rows[1].pk])
    with pytest.raises(SystemExit):
        call_command("verify_audit_chain")
    assert f"broken at row {rows[2].pk}: missing" in capsys.readouterr().err


# ---- the page ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (roles.COMPLIANCE_OFFICER, 200),
        (roles.AUDITOR, 200),
        (roles.ADMINISTRATOR, 200),
        (roles.RELATIONSHIP_MANAGER, 403),
        (roles.TEAM_LEAD, 403),
        (roles.RISK_OFFICER, 403),
    ],
)
def test_page_access_by_role(client, make_user, role, status):
    client.force_login(make_user(role))
    url = reverse("compliance:audit-chain")
    assert client.get(url).status_code == status
    assert client.get(url, {"run": "1"}).status_code == status


def test_page_verifies_only_when_asked(
    client, auditor_user, rm_user, django_assert_max_num_queries
):
    _five(rm_user)
    client.force_login(auditor_user)
    response = client.get(reverse("compliance:audit-chain"))
    assert response.context["result"] is None
    response = client.get(reverse("compliance:audit-chain"), {"run": "1"})
    assert response.context["result"].ok
    assert 'data-ok="1"' in response.content.decode()


def test_page_pinpoints_a_broken_row(client, auditor_user, rm_user):
    rows = _five(rm_user)
    _lift_triggers()
    _sql("DELETE FROM audit_auditentry WHERE id = %s", [rows[2].pk])
    client.force_login(auditor_user)
    response = client.get(reverse("compliance:audit-chain"), {"run": "1"})
    assert f'data-bad-id="{rows[3].pk}"' in response.content.decode()
    assert response.context["result"].problem == "missing"


# ---- concurrency (PostgreSQL) ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_chain(postgres_only, make_user):
    # Without the advisory lock two transactions read the same tail and fork the chain.
    actor = make_user(roles.RELATIONSHIP_MANAGER)
    customers = CustomerFactory.create_batch(5, owner=actor)
    barrier = threading.Barrier(4)
    errors = []

    def append(n):
        try:
            barrier.wait()
            for i in range(10):
                if i % 3:
                    record(actor, f"t{n}.{i}", None)
                else:
                    record_many(actor, f"t{n}.{i}", customers)
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    result = chain.verify()
    assert result.ok, result
    assert result.checked == AuditEntry.objects.count() >= 4 * (6 + 4 * 5)


def test_page_speaks_chinese(client, auditor_user, rm_user):
    rows = _five(rm_user)
    client.force_login(auditor_user)
    url = reverse("compliance:audit-chain")
    page = client.get(url, {"run": "1"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    # Five rows, and the auditor's own sign-in (a security event).
    n = AuditEntry.objects.count()
    assert n == 6
    assert "审计链校验" in page and f"哈希链完整：已校验 {n} 条记录。" in page
    assert "删除最新的若干记录不会留下断点" in page
    _lift_triggers()
    _sql("UPDATE audit_auditentry SET purpose = 'x' WHERE id = %s", [rows[1].pk])
    page = client.get(url, {"run": "1"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"哈希链在第 #{rows[1].pk} 条记录处断开。" in page
    assert "写入后被修改过" in page and "其前面的 1 条记录校验通过。" in page
    _sql("DELETE FROM audit_auditentry WHERE id = %s", [rows[0].pk])
    page = client.get(url, {"run": "1"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "其前面有记录被删除" in page


def test_admin_shows_the_hashes(admin_client, rm_user):
    entry = record(rm_user, "a", None)
    page = admin_client.get(f"/admin/audit/auditentry/{entry.pk}/change/").content.decode()
    assert entry.row_hash in page and entry.prev_hash in page


def test_no_code_writes_audit_rows_past_the_chain():
    # Every append goes through crm.audit.services (which chains it): no raw INSERT into the
    # audit table and no AuditEntry create/bulk_create elsewhere. Migrations are history.
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for package in ("crm", "customers", "tiering", "complaints", "compliance"):
        for path in (root / package).rglob("*.py"):
            if "migrations" in path.parts or path.parent.name == "audit":
                continue
            text = path.read_text(encoding="utf-8")
            if (
                "INSERT INTO audit_auditentry" in text
                or ("AuditEntry._meta.db_table" in text and "INSERT INTO" in text)
                or "AuditEntry.objects.create" in text
                or "AuditEntry.objects.bulk_create" in text
            ):
                offenders.append(str(path.relative_to(root)))
    assert offenders == []
