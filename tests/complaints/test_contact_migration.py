"""complaints 0010_encrypt_complainant_contact: existing clear contacts are encrypted, hashed and
masked before 0011 drops the clear column; the statistics triggers survive (SQLite rebuilds the
table to add or drop a NOT NULL column)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from complaints import figures
from complaints.models import Complaint
from crm.identifiers import contact_hash

from .factories import ensure_reference_data, make_complaint

BEFORE = [("complaints", "0009_sla_profile_per_jurisdiction")]
AFTER = [("complaints", "0011_drop_clear_complainant_contact")]


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_contacts_are_encrypted_and_the_figures_kept(rm):
    ensure_reference_data()  # an earlier transactional test may have flushed the seeded codes
    logged = make_complaint(rm, intake="counter")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    old.get_model("complaints", "Complaint").objects.filter(pk=logged.pk).update(
        complainant_contact="13812345678"
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)

    c = Complaint.objects.get(pk=logged.pk)
    assert c.complainant_contact == "13812345678"
    assert c.complainant_contact_masked == "138****5678"
    assert c.complainant_contact_hash == contact_hash("13812345678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM complaints_complaint")
        assert "13812345678" not in str(cursor.fetchall())
    make_complaint(rm, intake="counter")  # counted by the triggers, if they are still there
    assert figures.drift() == {}
