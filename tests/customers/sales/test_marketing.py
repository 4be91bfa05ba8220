import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from customers.records.models import FollowUpTask
from customers.sales import selectors
from customers.sales.models import ActivityInvitation, ChannelEvaluation
from customers.sales.services import marketing
from tests.customers.sales.factories import ActivityFactory, ChannelFactory, ProspectFactory
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


# ---- channel evaluation ---------------------------------------------------------------------


def _evaluate(user, channel, scores, end=datetime.date(2026, 9, 30)):
    return marketing.channel_evaluate(
        user,
        channel,
        period_start=datetime.date(2026, 7, 1),
        period_end=end,
        scores=dict(
            zip(
                ["volume_score", "quality_score", "compliance_score", "service_score"],
                scores,
                strict=True,
            )
        ),
    )


@pytest.mark.parametrize(
    "scores,overall,rating",
    [
        ((5, 4, 4, 4), Decimal("4.30"), "A"),  # 1.5 + 1.2 + 1.0 + 0.6
        ((3, 3, 3, 3), Decimal("3.00"), "B"),
        ((3, 2, 3, 2), Decimal("2.55"), "C"),  # 0.9 + 0.6 + 0.75 + 0.3
        ((5, 5, 2, 5), Decimal("4.25"), "C"),  # compliance 2: under review whatever the total
    ],
)
def test_evaluation_score_and_rating(lead, scores, overall, rating):
    evaluation = _evaluate(lead, ChannelFactory(), scores)
    assert evaluation.overall == overall and evaluation.rating == rating


def test_evaluation_counts_the_channels_results_in_the_period(lead, rm_a):
    channel = ChannelFactory()
    ProspectFactory(owner=rm_a, source="channel", channel=channel, aum_raised=Decimal("500000"))
    activity = ActivityFactory(organiser=rm_a, channel=channel)
    ProspectFactory(owner=rm_a, source="activity", activity=activity, aum_raised=Decimal("250000"))
    ProspectFactory(owner=rm_a, source="channel", channel=ChannelFactory())
    today = timezone.localdate()
    evaluation = marketing.channel_evaluate(
        lead,
        channel,
        period_start=today - datetime.timedelta(days=30),
        period_end=today,
        scores={"volume_score": 4, "quality_score": 4, "compliance_score": 4, "service_score": 4},
    )
    assert evaluation.prospects == 2 and evaluation.aum_raised == Decimal("750000")


@pytest.mark.parametrize("bad", [0, 6, "x", None])
def test_invalid_scores_are_refused(lead, bad):
    channel = ChannelFactory()
    with pytest.raises(ValidationError):
        _evaluate(lead, channel, (bad, 3, 3, 3))
    assert not ChannelEvaluation.objects.exists()


def test_one_evaluation_per_period_and_rm_may_not_evaluate(lead, rm_a):
    channel = ChannelFactory()
    _evaluate(lead, channel, (4, 4, 4, 4))
    with pytest.raises(ValidationError):
        _evaluate(lead, channel, (3, 3, 3, 3))
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        _evaluate(rm_a, ChannelFactory(), (3, 3, 3, 3))


def test_channel_page_shows_evaluation_form_and_saves(client, lead):
    channel = ChannelFactory()
    client.force_login(lead)
    response = client.post(
        reverse("customers:channel-detail", args=[channel.pk]),
        {
            "period_start": "2026-07-01",
            "period_end": "2026-09-30",
            "volume_score": 5,
            "quality_score": 4,
            "compliance_score": 4,
            "service_score": 4,
        },
    )
    assert response.status_code == 302
    assert channel.evaluations.get().overall == Decimal("4.30")
    assert "4.30" in client.get(reverse("customers:channel-list")).content.decode()


# ---- activities -----------------------------------------------------------------------------


def test_invitations_are_limited_to_the_organisers_book(rm_a, rm_b):
    activity = ActivityFactory(organiser=rm_a)
    mine = [CustomerFactory(owner=rm_a) for _ in range(3)]
    theirs = CustomerFactory(owner=rm_b)
    with pytest.raises(ValidationError):
        marketing.activity_invite(rm_a, activity, [mine[0].pk, theirs.pk])
    assert not ActivityInvitation.objects.exists()  # all or nothing
    assert marketing.activity_invite(rm_a, activity, [c.pk for c in mine]) == 3
    # Inviting again adds nobody twice.
    marketing.activity_invite(rm_a, activity, [mine[0].pk])
    assert activity.invitations.count() == 3


def test_lead_cannot_invite_outside_the_organisers_book(lead, rm_a, rm_b):
    activity = ActivityFactory(organiser=rm_a)
    theirs = CustomerFactory(owner=rm_b)  # in the lead's team, not in the organiser's book
    with pytest.raises(ValidationError):
        marketing.activity_invite(lead, activity, [theirs.pk])


def test_invite_page_lists_only_the_organisers_customers(
    client, rm_a, rm_b, django_assert_max_num_queries
):
    activity = ActivityFactory(organiser=rm_a)
    for _ in range(5):
        CustomerFactory(owner=rm_a, name="甲")
    CustomerFactory(owner=rm_b, name="乙别人")
    client.force_login(rm_a)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("customers:activity-invite", args=[activity.pk]))
    body = response.content.decode()
    assert body.count('name="customer"') == 5 and "乙别人" not in body


def test_activity_of_another_rm_is_404(client, rm_a, rm_other):
    activity = ActivityFactory(organiser=rm_other)
    client.force_login(rm_a)
    assert client.get(reverse("customers:activity-detail", args=[activity.pk])).status_code == 404
    assert client.post(reverse("customers:activity-invite", args=[activity.pk])).status_code == 404


def test_attendance_follow_ups_and_results(rm_a):
    activity = ActivityFactory(organiser=rm_a, budget=Decimal("30000"))
    customers = [CustomerFactory(owner=rm_a) for _ in range(4)]
    marketing.activity_invite(rm_a, activity, [c.pk for c in customers])
    marketing.invitations_set_status(rm_a, activity, [c.pk for c in customers[:3]], "registered")
    marketing.invitations_set_status(rm_a, activity, [c.pk for c in customers[:2]], "attended")
    assert marketing.activity_mark_held(rm_a, activity, actual_cost=Decimal("24000")) == 2
    tasks = FollowUpTask.objects.filter(dedupe_key__startswith=f"activity:{activity.pk}:")
    assert {t.customer_id for t in tasks} == {customers[0].pk, customers[1].pk}
    assert all(t.owner == rm_a and t.status == "open" for t in tasks)
    # Stored as a code: each reader sees the title in their language (crm.core.texts).
    with translation.override("en"):
        assert {t.title_text for t in tasks} == {f"Follow-up after activity: {activity.title}"}
    with translation.override("zh-hans"):
        assert {t.title_text for t in tasks} == {t.title for t in tasks}
    assert marketing.activity_schedule_follow_ups(activity) == 0  # idempotent
    ProspectFactory(
        owner=rm_a,
        source="activity",
        activity=activity,
        aum_raised=Decimal("800000"),
        customer=customers[0],
        stage="active",
    )
    ProspectFactory(owner=rm_a, source="activity", activity=activity)
    activity.refresh_from_db()
    r = selectors.activity_results([activity])[activity.pk]
    assert (r["invited"], r["registered"], r["attended"], r["prospects"], r["won"]) == (
        4,
        3,
        2,
        2,
        1,
    )
    assert r["aum"] == Decimal("800000") and r["cost_per_prospect"] == Decimal("12000")


def test_invalid_status_and_cancelled_activity(rm_a):
    activity = ActivityFactory(organiser=rm_a)
    c = CustomerFactory(owner=rm_a)
    marketing.activity_invite(rm_a, activity, [c.pk])
    with pytest.raises(ValidationError):
        marketing.invitations_set_status(rm_a, activity, [c.pk], "bogus")
    activity.status = "cancelled"
    activity.save()
    with pytest.raises(ValidationError):
        marketing.activity_mark_held(rm_a, activity)
    with pytest.raises(ValidationError):
        marketing.activity_invite(rm_a, activity, [c.pk])


def test_activity_list_query_budget(client, rm_a, django_assert_max_num_queries):
    for _ in range(8):
        ActivityFactory(organiser=rm_a, channel=ChannelFactory())
    client.force_login(rm_a)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("customers:activity-list"))
    assert response.content.decode().count("/customers/sales/activities/") >= 8
