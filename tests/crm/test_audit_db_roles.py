"""The application's database role cannot switch the audit log off (PostgreSQL, two roles).

An owner role owns the audit table (here by ALTER … OWNER on the test database; CI also runs a
real `migrate` as the owner, see .ci/run), crm/audit/db_roles.py grants the application role
its privileges, and a connection as the application role may append but not rewrite, remove,
truncate, disable the triggers of or drop the audit table."""

import uuid

import psycopg
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from crm.audit.db_roles import grant_app_role

PASSWORD = "test-only-" + uuid.uuid4().hex


def _as(role):
    s = connection.settings_dict
    return psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        dbname=s["NAME"],
        user=role,
        password=PASSWORD,
    )


def _refused(conn, sql):
    with conn.cursor() as cursor:
        try:
            cursor.execute(sql)
        except psycopg.errors.InsufficientPrivilege as exc:
            conn.rollback()
            return str(exc)
    conn.rollback()
    pytest.fail(f"the application role may run: {sql}")


@pytest.fixture
def two_roles(postgres_only):
    suffix = uuid.uuid4().hex[:8]
    owner, app = f"fid_test_owner_{suffix}", f"fid_test_app_{suffix}"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = %s",
            ["audit_auditentry"],
        )
        original = cursor.fetchone()[0]
        for role in (owner, app):
            cursor.execute(f"CREATE ROLE {role} LOGIN PASSWORD %s", [PASSWORD])
        cursor.execute(f"ALTER TABLE audit_auditentry OWNER TO {owner}")
    try:
        yield owner, app
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE audit_auditentry OWNER TO {original}")
            for role in (app, owner):
                cursor.execute(f"DROP OWNED BY {role}")
                cursor.execute(f"DROP ROLE {role}")


@pytest.mark.django_db(transaction=True)
def test_the_app_role_appends_but_cannot_switch_the_audit_log_off(two_roles, settings):
    owner, app = two_roles
    settings.FIDUCIA_DB_APP_ROLE = app
    grant_app_role()
    grant_app_role()  # idempotent
    conn = _as(app)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(1), count(*) FROM audit_auditentry")
            cursor.execute(
                "INSERT INTO audit_auditentry (at, action, target_type, target_id, target_repr, "
                "purpose) VALUES (now(), 'app.append', '', '', '', '') RETURNING id"
            )
            pk = cursor.fetchone()[0]
            # DML on the other tables is the app's ordinary work.
            cursor.execute("UPDATE accounts_branch SET name = name")
        conn.commit()
        for sql in (
            f"UPDATE audit_auditentry SET purpose = 'x' WHERE id = {pk}",
            f"DELETE FROM audit_auditentry WHERE id = {pk}",
            "TRUNCATE audit_auditentry",
            "ALTER TABLE audit_auditentry DISABLE TRIGGER USER",
            "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only",
            "DROP TRIGGER audit_entry_append_only ON audit_auditentry",
            "DROP TABLE audit_auditentry CASCADE",
            f"ALTER TABLE audit_auditentry OWNER TO {app}",
            "SELECT id FROM audit_auditentry FOR UPDATE",
        ):
            _refused(conn, sql)
    finally:
        conn.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT purpose FROM audit_auditentry WHERE id = %s", [pk])
        assert cursor.fetchone() == ("",)
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit_auditentry'::regclass "
            "AND tgenabled = 'O' AND NOT tgisinternal"
        )
        assert cursor.fetchone()[0] == 2
        # Lifted for the flush between transactional tests (tests/conftest.py).
        cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [pk])
        cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")


@pytest.mark.django_db
def test_grants_refuse_an_app_role_that_could_lift_the_triggers(two_roles, settings):
    owner, _app = two_roles
    settings.FIDUCIA_DB_APP_ROLE = owner  # the owner of the audit table
    with pytest.raises(ImproperlyConfigured, match="owner of the audit table"):
        grant_app_role()
    settings.FIDUCIA_DB_APP_ROLE = "fid_no_such_role_" + uuid.uuid4().hex[:8]
    with pytest.raises(ImproperlyConfigured, match="does not exist"):
        grant_app_role()


@pytest.mark.django_db
def test_grants_are_a_no_op_for_a_single_role(postgres_only, settings):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        settings.FIDUCIA_DB_APP_ROLE = cursor.fetchone()[0]
    grant_app_role()  # nothing to separate, nothing refused
