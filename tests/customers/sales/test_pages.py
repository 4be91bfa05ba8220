"""Every sales page renders for the roles that use it; forms reject bad input without a 500."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.sales import selectors
from customers.sales.models import Activity, Prospect
from customers.sales.services import pipeline
from tests.customers.sales.factories import ActivityFactory, ChannelFactory, ProspectFactory
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name",
    [
        "customers:prospect-board",
        "customers:prospect-home-panel",
        "customers:prospect-create",
        "customers:channel-list",
        "customers:activity-list",
        "customers:activity-create",
        "customers:statement-list",
    ],
)
def test_rm_pages_render_in_chinese(client, rm_a, name):
    ChannelFactory()
    client.force_login(rm_a)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "Traceback" not in response.content.decode()


def test_lead_pages(client, lead):
    client.force_login(lead)
    for name in (
        "customers:handover-list",
        "customers:handover-start",
        "customers:statement-run-list",
    ):
        assert client.get(reverse(name)).status_code == 200


def test_create_prospect_through_the_form(client, rm_a):
    client.force_login(rm_a)
    url = reverse("customers:prospect-create")
    bad = client.post(
        url, {"name": "", "kind": "individual", "source": "walk_in", "owner": rm_a.pk}
    )
    assert bad.status_code == 200 and not Prospect.objects.exists()
    ref = CustomerFactory(owner=rm_a, number="R0001")
    response = client.post(
        url,
        {
            "name": "周建华",
            "kind": "individual",
            "source": "referral",
            "owner": rm_a.pk,
            "expected_aum": "3000000",
            "referred_by_number": "r0001",
            "next_step": "首次面谈",
        },
    )
    prospect = Prospect.objects.get()
    assert response.status_code == 302 and prospect.referred_by == ref
    page = client.get(reverse("customers:prospect-detail", args=[prospect.pk])).content.decode()
    assert "开始开户" in page and "周建华" in page


def test_create_activity_through_the_form(client, rm_a):
    client.force_login(rm_a)
    starts = (timezone.localtime() + datetime.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")

    def create(budget):
        return client.post(
            reverse("customers:activity-create"),
            {
                "title": "客户沙龙",
                "kind": "seminar",
                "organiser": rm_a.pk,
                "starts_at": starts,
                "budget": budget,
            },
        )

    response = create("-5")
    assert response.status_code == 200 and not Activity.objects.exists()
    response = create("5000")
    assert response.status_code == 302 and Activity.objects.get().branch == rm_a.branch


def test_invite_and_attendance_through_views(client, rm_a):
    activity = ActivityFactory(organiser=rm_a)
    customers = [CustomerFactory(owner=rm_a) for _ in range(2)]
    client.force_login(rm_a)
    client.post(
        reverse("customers:activity-invite", args=[activity.pk]),
        {"customer": [c.pk for c in customers]},
    )
    assert activity.invitations.count() == 2
    client.post(
        reverse("customers:activity-status", args=[activity.pk]),
        {"customer": [customers[0].pk], "status": "attended"},
    )
    client.post(reverse("customers:activity-held", args=[activity.pk]))
    activity.refresh_from_db()
    assert activity.status == "held"
    body = client.get(reverse("customers:activity-detail", args=[activity.pk])).content.decode()
    assert "已参加" in body


def test_customer_panels(client, rm_a, rm_b):
    c = CustomerFactory(owner=rm_a)
    pipeline.lifecycle_move(rm_a, c, "dormant", reason="长期未联系")
    client.force_login(rm_a)
    body = client.get(reverse("customers:lifecycle-panel", args=[c.pk])).content.decode()
    assert "休眠" in body and "长期未联系" in body
    detail = client.get(reverse("customers:customer-detail", args=[c.pk])).content.decode()
    assert reverse("customers:lifecycle-panel", args=[c.pk]) in detail
    assert reverse("customers:survey-panel", args=[c.pk]) in detail
    client.post(reverse("customers:lifecycle-move", args=[c.pk]), {"to": "active"})
    assert selectors.customer_stage(c) == "active"
    client.force_login(rm_b)
    assert client.get(reverse("customers:lifecycle-panel", args=[c.pk])).status_code == 404
    assert (
        client.post(
            reverse("customers:lifecycle-move", args=[c.pk]), {"to": "dormant", "reason": "x"}
        ).status_code
        == 404
    )


def test_conversion_through_the_prospect_page(client, rm_a):
    p = ProspectFactory(owner=rm_a, stage="onboarding")
    client.force_login(rm_a)
    url = reverse("customers:prospect-move", args=[p.pk])
    client.post(url, {"to": "active", "reason": "", "customer_number": "K1"})
    p.refresh_from_db()
    assert p.stage == "onboarding"
    client.post(
        url, {"to": "active", "reason": "认可服务", "customer_number": "K1", "aum_raised": "100"}
    )
    p.refresh_from_db()
    assert p.stage == "active" and p.customer.number == "K1"


def test_board_filters_for_leads_only(client, lead, rm_a):
    client.force_login(lead)
    body = client.get(reverse("customers:prospect-board-filters")).content.decode()
    assert f'value="{rm_a.pk}"' in body and f'value="{lead.team_id}"' in body
    client.force_login(rm_a)
    assert client.get(reverse("customers:prospect-board-filters")).status_code == 404
