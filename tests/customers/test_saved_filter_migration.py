"""customers 0018: the customer list's saved filters become personal saved views of that list
(core.SavedView) before the old table is dropped."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from crm.core.models import SavedView
from tests.factories import UserFactory

BEFORE = [("customers", "0017_drop_clear_prospect_contact"), ("core", "0007_saved_view")]
AFTER = [("customers", "0018_move_saved_filters")]


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_saved_filters_become_personal_customer_list_views():
    owner = UserFactory()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    old.get_model("customers", "SavedFilter").objects.create(
        owner_id=owner.pk, name="我的A类", query="tier=A"
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    view = SavedView.objects.get(owner=owner)
    assert (view.list_key, view.name, view.query, view.visibility, view.team_id) == (
        "customers:customer-list",
        "我的A类",
        "tier=A",
        "personal",
        None,
    )
