"""customers 0014_encrypt_mobile_email: existing clear mobiles and e-mails are encrypted, with
their keyed hashes and masks, before 0015 drops the clear columns; likewise a prospect's
contact in 0016_encrypt_prospect_contact before 0017 drops it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from crm import crypto
from tests.factories import UserFactory

BEFORE = [("customers", "0013_generated_texts_as_codes")]
AFTER = [("customers", "0015_drop_clear_mobile_email")]


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema():
    """Later migrations (0016 on) are unapplied by going back to 0013: reapply them after the
    test, or the tests that run next find an old schema."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_rows_are_encrypted():
    owner = UserFactory()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    customer = old.get_model("customers", "Customer").objects.create(
        number="M1",
        kind="individual",
        name="张伟",
        mobile="+8613812345678",
        email="zw@example.cn",
        owner_id=owner.pk,
        branch_id=owner.branch_id,
    )
    old.get_model("customers", "InstitutionContact").objects.create(
        customer_id=customer.pk, name="周明", role="finance", mobile="13900001111"
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)

    from customers.records.models import Customer, InstitutionContact

    migrated = Customer.objects.get(number="M1")
    assert migrated.mobile == "+8613812345678" and migrated.email == "zw@example.cn"
    assert migrated.mobile_hash == crypto.lookup_hash("13812345678")
    assert migrated.mobile_last4_hash == crypto.lookup_hash("5678")
    assert migrated.mobile_masked == "+86138****5678" and migrated.email_masked == "z***@example.cn"
    assert migrated.email_hash == crypto.lookup_hash("zw@example.cn")
    contact = InstitutionContact.objects.get()
    assert contact.mobile == "13900001111" and contact.mobile_masked == "139****1111"
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM customers_customer")
        assert "13812345678" not in str(cursor.fetchall())


PROSPECT_BEFORE = [("customers", "0015_drop_clear_mobile_email")]
PROSPECT_AFTER = [("customers", "0017_drop_clear_prospect_contact")]


@pytest.mark.django_db(transaction=True)
def test_existing_prospect_contacts_are_encrypted():
    owner = UserFactory()
    executor = MigrationExecutor(connection)
    executor.migrate(PROSPECT_BEFORE)
    old = executor.loader.project_state(PROSPECT_BEFORE).apps
    old.get_model("customers", "Prospect").objects.create(
        name="周建华",
        kind="individual",
        contact="13912345678",
        source="walk_in",
        owner_id=owner.pk,
        branch_id=owner.branch_id,
        expected_aum=0,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(PROSPECT_AFTER)

    from customers.sales.models import Prospect

    prospect = Prospect.objects.get()
    assert prospect.contact == "13912345678" and prospect.contact_masked == "139****5678"
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM customers_prospect")
        assert "13912345678" not in str(cursor.fetchall())
