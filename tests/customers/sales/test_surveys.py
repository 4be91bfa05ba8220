import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from crm.core.access import NotFound
from crm.ui.registry import metrics, panels_for
from customers.sales.models import SatisfactionSurvey
from customers.sales.services import surveys
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_rm_records_for_own_customer_only(rm_a, rm_b):
    mine = CustomerFactory(owner=rm_a)
    theirs = CustomerFactory(owner=rm_b)
    s = surveys.survey_record(rm_a, mine, context="visit", score=4, comment="讲解清楚")
    assert s.owner == rm_a and s.recorded_by == rm_a
    with pytest.raises(NotFound):
        surveys.survey_record(rm_a, theirs, context="visit", score=5)
    assert SatisfactionSurvey.objects.count() == 1


def test_lead_records_within_team_and_auditor_never(lead, rm_a, rm_other, auditor_user):
    mine = CustomerFactory(owner=rm_a)
    surveys.survey_record(lead, mine, context="complaint", score=3, reference="complaint:7")
    with pytest.raises(NotFound):
        surveys.survey_record(lead, CustomerFactory(owner=rm_other), context="visit", score=3)
    with pytest.raises(PermissionDenied):
        surveys.survey_record(auditor_user, mine, context="visit", score=3)


@pytest.mark.parametrize("score", [0, 6, "x", None])
def test_bad_scores_change_nothing(rm_a, score):
    with pytest.raises(ValidationError):
        surveys.survey_record(rm_a, CustomerFactory(owner=rm_a), context="visit", score=score)
    assert not SatisfactionSurvey.objects.exists()


def test_one_survey_per_occasion(rm_a):
    c = CustomerFactory(owner=rm_a)
    surveys.survey_record(rm_a, c, context="complaint", score=2, reference="complaint:1")
    with pytest.raises(ValidationError):
        surveys.survey_record(rm_a, c, context="complaint", score=5, reference="complaint:1")


def test_panel_shows_average_and_is_scoped(client, rm_a, rm_b):
    c = CustomerFactory(owner=rm_a)
    surveys.survey_record(rm_a, c, context="visit", score=5)
    surveys.survey_record(rm_a, c, context="activity", score=2, reference="activity:1")
    assert any(p.key == "satisfaction" for p in panels_for("customer_360", rm_a))
    client.force_login(rm_a)
    body = client.get(reverse("customers:survey-panel", args=[c.pk])).content.decode()
    assert 'id="survey-average">3.5<' in body
    client.force_login(rm_b)
    assert client.get(reverse("customers:survey-panel", args=[c.pk])).status_code == 404
    assert (
        client.post(
            reverse("customers:survey-create", args=[c.pk]), {"context": "visit", "score": 5}
        ).status_code
        == 404
    )
    assert SatisfactionSurvey.objects.count() == 2


def test_form_post_and_bad_input(client, rm_a):
    c = CustomerFactory(owner=rm_a)
    client.force_login(rm_a)
    client.post(reverse("customers:survey-create", args=[c.pk]), {"context": "visit", "score": 9})
    assert not SatisfactionSurvey.objects.exists()
    r = client.post(
        reverse("customers:survey-create", args=[c.pk]), {"context": "visit", "score": 4}
    )
    assert r.status_code == 302 and SatisfactionSurvey.objects.get().score == 4


def test_satisfaction_metric_is_registered_and_averages(rm_a, rm_b):
    metric = {m.key: m for m in metrics()}["satisfaction"]
    for score in (5, 4, 3):
        surveys.survey_record(rm_a, CustomerFactory(owner=rm_a), context="visit", score=score)
    surveys.survey_record(rm_b, CustomerFactory(owner=rm_b), context="visit", score=1)
    today = timezone.localdate()
    assert metric.compute([rm_a, rm_b], today, today) == {rm_a.pk: 4.0, rm_b.pk: 1.0}
