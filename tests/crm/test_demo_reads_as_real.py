"""A first look at a fresh demo (issue 20 item 7): addresses whose district belongs to their
city, no duplicate or numbered company names, survey comments that match their scores, KPI
figures and targets in a plausible range, and a suitability-mismatch tile with a number."""

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from crm.accounts.models import User
from crm.performance.models import Target
from crm.performance.periods import Period
from customers.records.demo import CITY_DISTRICTS, institution_name
from customers.records.metrics import aum_growth, new_customers
from customers.records.models import Customer, CustomerKind
from customers.sales.demo import COMMENTS_BY_SCORE
from customers.sales.models import SatisfactionSurvey

ADDRESS = re.compile(r"^(?P<city>[^市]+)市(?P<district>[^区]+区)")
RMS = ["rm1", "rm2", "rm3", "rm4"]


@pytest.fixture
def demo(db):
    call_command("seed_demo", customers=60, force=True, stdout=io.StringIO())


def test_addresses_name_a_district_of_their_own_city(demo):
    addresses = list(Customer.objects.values_list("address", flat=True))
    assert addresses
    for address in addresses:
        match = ADDRESS.match(address)
        assert match, address
        assert match["district"] in CITY_DISTRICTS[match["city"]], address


def test_company_names_are_unique_and_carry_no_number(demo):
    names = list(
        Customer.objects.filter(kind=CustomerKind.INSTITUTION).values_list("name", flat=True)
    )
    assert len(names) >= 10
    assert len(names) == len(set(names))
    assert not [n for n in names if re.search(r"[（(]\d+[)）]|\d+$", n)]


def test_institution_names_stay_unique_for_a_large_demo():
    names = [institution_name(k)[1] for k in range(3000)]
    assert len(set(names)) == len(names)
    assert not [n for n in names if re.search(r"[（(]\d+[)）]", n)]
    # A branch office is in its head office's city.
    for k in range(0, 3000, 37):
        _type, name, city = institution_name(k)
        assert name.startswith(city)


def test_survey_comments_match_their_scores(demo):
    surveys = list(SatisfactionSurvey.objects.values_list("score", "comment"))
    assert surveys
    for score, comment in surveys:
        assert comment in COMMENTS_BY_SCORE[score], (score, comment)


def test_kpi_figures_and_targets_are_plausible(demo):
    quarter = Period.current_quarter()
    rms = list(User.objects.filter(username__in=RMS))
    growth = aum_growth(rms, quarter.start, quarter.end)
    joined = new_customers(rms, quarter.start, quarter.end)
    for rm in rms:
        book = sum(Customer.objects.filter(owner=rm).values_list("aum", flat=True), Decimal(0))
        assert book > 0
        # A book moves by a few per cent in a quarter (new customers' first balances included).
        assert abs(growth.get(rm.pk, Decimal(0))) <= book * Decimal("0.35"), rm.username
        assert joined.get(rm.pk, 0) <= Customer.objects.filter(owner=rm).count() // 2
        targets = dict(
            Target.objects.filter(user=rm, year=quarter.year, quarter=quarter.quarter).values_list(
                "metric_key", "value"
            )
        )
        assert Decimal(0) < targets["aum_growth"] <= book * Decimal("0.35"), rm.username
        for key in ("new_customers", "prospects_converted", "complaints_received"):
            assert Decimal(0) < targets[key] <= 40, (rm.username, key, targets[key])


def test_mismatch_tile_has_a_number_on_a_fresh_demo(demo, client):
    client.force_login(User.objects.get(username="compliance1"))
    response = client.get(reverse("compliance:risk-dashboard"))
    data = response.context["data"]
    assert data["mismatches"] is not None
    assert data["mismatches_as_of"] is not None
    assert 'id="mismatches-as-of">截至' in response.content.decode()
