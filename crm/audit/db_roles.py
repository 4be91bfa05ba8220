"""Two database roles on PostgreSQL, so the application cannot switch the audit log off.

The owner role runs the migrations and owns every table; the application role (DATABASE_URL)
owns nothing. Only an owner (or a superuser) may ALTER TABLE … DISABLE TRIGGER, DROP or
TRUNCATE, so the append-only triggers hold against the application itself. After each
`migrate` run as the owner (MIGRATE_AS_OWNER=true, see crm/settings.py) this grants the
application role what it needs: DML on every table, the sequences, and on the audit table
only SELECT and INSERT. Idempotent; a no-op on SQLite and when migrate runs as the app role.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from .models import AuditEntry


def grant_app_role(*, using: str = "default", **kwargs) -> None:
    connection = connections[using]
    role = settings.FIDUCIA_DB_APP_ROLE
    if connection.vendor != "postgresql" or not role:
        return
    quote = connection.ops.quote_name
    audit = quote(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, current_schema(), r.rolsuper, "
            "pg_get_userbyid(c.relowner) FROM pg_roles r, pg_class c "
            "WHERE r.rolname = %s AND c.oid = %s::regclass",
            [role, AuditEntry._meta.db_table],
        )
        row = cursor.fetchone()
        if row is None:
            raise ImproperlyConfigured(
                f"FIDUCIA_DB_APP_ROLE {role!r} does not exist: create it "
                "(README: 'The audit log cannot be switched off')"
            )
        current, schema, app_is_superuser, audit_owner = row
        if current == role:
            return  # one role for both (embedded default, tests): nothing to separate
        if app_is_superuser or audit_owner == role:
            raise ImproperlyConfigured(
                f"the application role {role!r} must be neither a superuser nor the owner of "
                "the audit table: it could switch the audit log's triggers off"
            )
        role_q, schema_q = quote(role), quote(schema)
        for sql in (
            f"GRANT USAGE ON SCHEMA {schema_q} TO {role_q}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema_q} TO {role_q}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema_q} TO {role_q}",
            # Also whatever an operator granted by hand or by default privileges.
            f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {audit} FROM {role_q}",
            f"REVOKE UPDATE, DELETE, TRUNCATE ON {audit} FROM PUBLIC",
        ):
            cursor.execute(sql)
        if connection.pg_version >= 170000:
            # PostgreSQL 17: lets the app's batch jobs ANALYZE what they wrote (crm.core.planner);
            # before 17 only the owner may, and the app's ANALYZE is skipped with a warning.
            cursor.execute(f"GRANT MAINTAIN ON ALL TABLES IN SCHEMA {schema_q} TO {role_q}")
            cursor.execute(f"REVOKE MAINTAIN ON {audit} FROM {role_q}")
