"""The suitability-mismatch snapshot behind the dashboard figure: rebuilt set-based by a
scheduled job, and equal to the live report computed from holdings for every scope."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from compliance import tasks
from compliance.models import MismatchRefresh, MismatchSnapshot
from compliance.selectors import mismatch_count, mismatches_for
from compliance.services import suitability as suitability_services
from crm.accounts import roles
from customers.records.models import Customer, CustomerCoServer, Holding
from tests.factories import (
    BranchFactory,
    CustomerFactory,
    HoldingFactory,
    ProductFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(db):
    """Mismatches in two teams of one branch and in another branch; a co-served customer."""
    branch, other_branch = BranchFactory(), BranchFactory()
    team, sister = TeamFactory(branch=branch), TeamFactory(branch=branch)
    far_team = TeamFactory(branch=other_branch)
    users = {
        "lead": UserFactory(role=roles.TEAM_LEAD, team=team, branch=branch),
        "head": UserFactory(role=roles.BRANCH_HEAD, team=None, branch=branch),
        "officer": UserFactory(role=roles.COMPLIANCE_OFFICER),
    }
    rm = UserFactory(role=roles.RELATIONSHIP_MANAGER, team=team, branch=branch)
    sister_rm = UserFactory(role=roles.RELATIONSHIP_MANAGER, team=sister, branch=branch)
    far_rm = UserFactory(role=roles.RELATIONSHIP_MANAGER, team=far_team, branch=other_branch)
    r1, r3, r5 = (ProductFactory(risk_level=level) for level in ("R1", "R3", "R5"))

    def customer(owner, risk_class, *products, value=100):
        c = CustomerFactory(owner=owner, risk_class=risk_class)
        for p in products:
            HoldingFactory(customer=c, product=p, market_value=value)
        return c

    customer(rm, "C2", r3, r5)  # two mismatched holdings
    customer(rm, "C3", r1, r3)  # suitable
    customer(rm, "", r1)  # no risk class
    customer(rm, "C1", r5, value=0)  # sold: not a current holding
    customer(sister_rm, "C1", r3)
    customer(sister_rm, "C4", r5)
    customer(far_rm, "C2", r3, r5)
    coserved = customer(far_rm, "C1", r1, r5)
    CustomerCoServer.objects.create(customer=coserved, user=users["lead"])
    return users


def _live(user) -> int:
    return mismatches_for(user).count()


def test_snapshot_equals_the_live_report_in_every_scope(book):
    run = suitability_services.mismatch_snapshot_refresh()
    assert (run.holdings, run.customers) == (8, 6)
    assert run.holdings == _live(book["officer"])
    for user in book.values():
        count, as_of = mismatch_count(user)
        assert count == _live(user), user
        assert as_of == run.refreshed_at
    assert mismatch_count(book["lead"])[0] == 4  # own team 3 + co-served 1
    assert mismatch_count(book["head"])[0] == 5  # both teams of the branch


def test_rerun_replaces_the_snapshot(book):
    suitability_services.mismatch_snapshot_refresh()
    # A reassessment, a sale and a new unsuitable purchase change the figures at the next run.
    Customer.objects.filter(risk_class="C2").update(risk_class="C5")
    Holding.objects.filter(customer__risk_class="C4").update(market_value=0)
    suitable = Customer.objects.get(risk_class="C3")
    HoldingFactory(customer=suitable, product=ProductFactory(risk_level="R4"))
    assert mismatch_count(book["officer"])[0] == 8  # the snapshot until the job runs again
    run = suitability_services.mismatch_snapshot_refresh()
    assert (run.holdings, run.customers) == (4, 4)
    assert MismatchRefresh.objects.count() == 2
    for user in book.values():
        assert mismatch_count(user) == (_live(user), run.refreshed_at)
    assert set(MismatchSnapshot.objects.values_list("pk", flat=True)) == set(
        mismatches_for(book["officer"]).values_list("customer_id", flat=True)
    )


def test_before_the_first_refresh_the_dashboard_says_not_counted(client, book):
    assert mismatch_count(book["officer"]) == (None, None)
    client.force_login(book["officer"])
    page = client.get(reverse("compliance:risk-dashboard")).content.decode()
    assert "尚未统计" in page


def test_dashboard_shows_the_snapshot_figure_and_its_as_of_time(
    client, book, django_assert_max_num_queries
):
    suitability_services.mismatch_snapshot_refresh()
    client.force_login(book["officer"])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("compliance:risk-dashboard"))
    assert response.context["data"]["mismatches"] == 8
    client.force_login(book["head"])
    response = client.get(reverse("compliance:risk-dashboard"))
    assert response.context["data"]["mismatches"] == 5
    assert 'id="mismatches-as-of"' in response.content.decode()
    assert "截至 " in response.content.decode()


def test_command_task_and_daily_schedule(book):
    out = io.StringIO()
    call_command("refresh_mismatches", stdout=out)
    assert "8 mismatched holdings of 6 customers" in out.getvalue()
    assert tasks.refresh_mismatches.delay().get() == 8
    assert MismatchRefresh.objects.count() == 2
    job = PeriodicTask.objects.get(task="compliance.tasks.refresh_mismatches")
    assert job.enabled and job.crontab.hour == "5"
