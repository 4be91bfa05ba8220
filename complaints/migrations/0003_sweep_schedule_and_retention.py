from django.db import migrations

from crm.core.schedules import ensure_periodic_task, remove_periodic_tasks

TASK_NAME = "Complaint deadline sweep"


def create_schedule(apps, schema_editor):
    # Administrators can change the time or disable it in Django admin (django-celery-beat).
    ensure_periodic_task(
        apps,
        TASK_NAME,
        "complaints.tasks.sweep_deadlines",
        crontab={"minute": "15", "hour": "7"},
        description="Daily at 07:15: warnings before complaint deadlines and breach "
        "escalation to compliance (each notice once).",
    )


def remove_schedule(apps, schema_editor):
    remove_periodic_tasks(apps, TASK_NAME)


# Retention in the database too: a complaint younger than its retain_until date cannot be
# deleted, whatever the client. (TRUNCATE, used only by test teardown, fires no row trigger.)
PG_UP = [
    """
    CREATE OR REPLACE FUNCTION complaints_retention_guard() RETURNS trigger AS $$
    BEGIN
        IF OLD.retain_until > current_date THEN
            RAISE EXCEPTION 'complaint % must be retained until %', OLD.reference, OLD.retain_until
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER complaints_retention BEFORE DELETE ON complaints_complaint
    FOR EACH ROW EXECUTE FUNCTION complaints_retention_guard();
    """,
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS complaints_retention ON complaints_complaint;",
    "DROP FUNCTION IF EXISTS complaints_retention_guard();",
]


def retention_up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_UP:
            schema_editor.execute(sql, None)


def retention_down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_DOWN:
            schema_editor.execute(sql, None)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0002_default_codes_and_profiles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        migrations.RunPython(create_schedule, remove_schedule),
        migrations.RunPython(retention_up, retention_down),
    ]
