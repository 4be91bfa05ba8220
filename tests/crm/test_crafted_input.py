"""No 500 on crafted input (issue 15, item 12): each root cause found by probing, as a
regression case."""

import base64
import json

import pytest
from django.urls import reverse

from crm.accounts import roles
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", "x")


# Every list paged by crm.ui.pagination.keyset_page, with the ordering's width.
KEYSET_LISTS = [
    ("audit:entry-list", {}),
    ("customers:customer-list", {}),
    ("customers:customer-list", {"o": "-number"}),
    ("customers:task-list", {}),
    ("customers:statement-list", {}),
    ("complaints:complaint-queue", {}),
    ("complaints:complaint-queue", {"status": "all", "order": "received"}),
    ("compliance:signal-list", {}),
    ("compliance:warning-list", {}),
    ("compliance:watch-list", {}),
    ("compliance:mismatch-list", {}),
    ("compliance:audit-review", {}),
]

CRAFTED_CURSORS = [
    "WyJ4IiwgIngiXQ",  # ["x", "x"]: text where a date and an id belong
    _cursor(["2026-01-01", str(2**70)]),  # an id beyond 64 bits
    _cursor([str(-(2**70)), "1"]),
    _cursor(["9999-12-31T23:59:59", "1"]),  # a naive date-time
    _cursor(["10000-01-01", "1"]),
    _cursor([{"a": 1}, [1]]),  # JSON objects and lists for values
    _cursor(["\x00", "1"]),  # NUL, which PostgreSQL refuses in text
    _cursor(["x"]),  # the wrong width
]


@pytest.mark.parametrize(("name", "params"), KEYSET_LISTS)
def test_crafted_cursor_is_the_first_page(client, superuser, name, params):
    CustomerFactory()
    client.force_login(superuser)
    assert client.get(reverse(name), params).status_code == 200
    for cursor in CRAFTED_CURSORS:
        response = client.get(reverse(name), {**params, "after": cursor})
        assert response.status_code == 200, cursor


# ---- dates at the ends of the calendar --------------------------------------------------------

EDGE_DATES = ["9999-12-31", "0001-01-01"]


@pytest.mark.parametrize("day", EDGE_DATES)
def test_complaint_statistics_take_any_date(client, compliance, day):
    client.force_login(compliance)
    for params in ({"start": day}, {"end": day}, {"start": day, "end": day}):
        for name in ("complaints:statistics-detail", "complaints:statistics-data"):
            assert client.get(reverse(name), params).status_code == 200, (name, params)
        export = client.get(reverse("complaints:statistics-export"), params)
        assert export.status_code < 500, params


@pytest.mark.parametrize("day", EDGE_DATES)
def test_tiering_what_if_takes_any_date(client, make_user, day):
    from tests.tiering.factories import PolicyFactory
    from tiering.models import TierPolicy

    admin = make_user(roles.ADMINISTRATOR)
    policy = PolicyFactory(status=TierPolicy.Status.DRAFT)
    client.force_login(admin)
    response = client.post(reverse("tiering:policy-whatif", args=[policy.pk]), {"as_of": day})
    assert response.status_code in (200, 302)


# ---- search terms --------------------------------------------------------------------------


def test_a_55000_character_search_is_refused_with_a_message(client, rm):
    CustomerFactory(owner=rm)
    client.force_login(rm)
    response = client.get(reverse("customers:customer-list"), {"q": "a" * 55_000})
    assert response.status_code == 200
    assert response.context["filter"].errors["q"]
    queue = client.get(reverse("complaints:complaint-queue"), {"q": "a" * 55_000})
    assert queue.status_code == 200


# ---- next= -------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["login", "customers:customer-list", "ui:home", "x\x00"])
def test_next_that_is_not_a_path_is_ignored(client, rm, target):
    from tests.customers.followups.factories import TaskFactory

    task = TaskFactory(customer=CustomerFactory(owner=rm))
    client.force_login(rm)
    response = client.post(reverse("customers:task-done", args=[task.pk]), {"next": target})
    assert response.status_code == 302
    assert response.url == reverse("customers:task-list")


# ---- non-numeric ids in forms --------------------------------------------------------------


@pytest.mark.parametrize("value", ["", "abc", "0001-01-01", str(2**70)])
def test_invitation_with_a_crafted_customer_id_invites_nobody(client, rm, value):
    from customers.sales.models import ActivityInvitation
    from tests.customers.sales.factories import ActivityFactory

    activity = ActivityFactory(organiser=rm)
    customer = CustomerFactory(owner=rm)
    client.force_login(rm)
    url = reverse("customers:activity-invite", args=[activity.pk])
    response = client.post(url, {"customer": [customer.pk, value]})
    assert response.status_code in (200, 302)
    assert not ActivityInvitation.objects.exists()


@pytest.mark.parametrize("value", [str(2**70), "abc"])
def test_interaction_with_a_crafted_colleague_id_is_a_form_error(client, rm, value):
    from customers.contacts.models import Interaction

    customer = CustomerFactory(owner=rm)
    client.force_login(rm)
    url = reverse("customers:interaction-create", args=[customer.pk])
    response = client.post(
        url, {"channel": "phone", "purpose": "service", "summary": "x", "staff": [value]}
    )
    assert response.status_code == 400  # the form again, with the field's error
    assert "staff" in response.context["form"].errors
    assert not Interaction.objects.exists()
