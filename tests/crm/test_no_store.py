"""Pages that show personal data are never cached (issue 15, item 6).

Only the PII reveal sent `Cache-Control: no-store`; the customer list, the 360 page and its
htmx fragments, the exports, complaints and compliance pages could be kept by the browser or a
proxy (and shown again from its cache on a shared computer after logout). NoStoreMiddleware
(crm.accounts.middleware) applies one rule: every answer of a view behind the sign-in, and of a
public view marked `@personal_data` (the calendar feed), is `no-store`; public pages are not."""

import re

import pytest
from django.test import Client
from django.urls import get_resolver, resolve, reverse
from django.utils import timezone

from crm.accounts.middleware import NoStoreMiddleware, keeps_no_personal_data
from customers.contacts.services import feed_token_issue, interaction_log
from tests.complaints.factories import ensure_reference_data, make_complaint
from tests.compliance.factories import WarningFactory
from tests.crm.test_url_permissions import _ours, _walk
from tests.customers.sales.factories import ProspectFactory
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

# What an anonymous user may open; these keep their own caching.
PUBLIC = {"accounts:login", "ui:health"}


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.fixture
def book(rm, compliance):
    ensure_reference_data()
    customer = CustomerFactory(owner=rm, name="张伟", mobile="13812345678")
    return {
        "customer": customer,
        "prospect": ProspectFactory(owner=rm),
        "interaction": interaction_log(
            rm,
            customer,
            channel="phone",
            occurred_at=timezone.now(),
            purpose="service",
            summary="回访",
        ),
        "complaint": make_complaint(rm, customer=customer),
        "warning": WarningFactory(customer=customer),
    }


def test_the_middleware_is_installed(settings):
    path = f"{NoStoreMiddleware.__module__}.{NoStoreMiddleware.__name__}"
    assert path in settings.MIDDLEWARE


def test_pages_showing_customers_are_no_store(client, rm, compliance, book):
    customer, complaint = book["customer"], book["complaint"]
    c = customer.pk
    as_rm = [
        ("customers:customer-list", []),
        ("customers:customer-count", []),
        ("customers:customer-detail", [c]),
        ("customers:customer-edit", [c]),
        ("customers:customer-chart", [c]),
        ("customers:customer-inline-edit", [c, "id_expires_on"]),
        ("customers:customer-reveal", [c, "mobile"]),
        ("customers:interaction-panel", [c]),
        ("customers:interaction-edit", [book["interaction"].pk]),
        ("customers:lifecycle-panel", [c]),
        ("customers:survey-panel", [c]),
        ("customers:task-list", []),
        ("customers:task-home-panel", []),
        ("customers:customer-home-panel", []),
        ("customers:customer-export", []),
        ("customers:pii-export-list", []),
        ("customers:prospect-board", []),
        ("customers:prospect-detail", [book["prospect"].pk]),
        ("complaints:customer-panel", [c]),
        ("compliance:customer-panel", [c]),
        ("complaints:complaint-detail", [complaint.pk]),
    ]
    as_compliance = [
        ("complaints:complaint-queue", []),
        ("complaints:complaint-detail", [complaint.pk]),
        ("complaints:statistics-detail", []),
        ("complaints:statistics-export", []),
        ("compliance:risk-dashboard", []),
        ("compliance:warning-list", []),
        ("compliance:warning-detail", [book["warning"].pk]),
        ("compliance:signal-list", []),
        ("compliance:watch-list", []),
        ("compliance:mismatch-list", []),
        ("compliance:audit-review", []),
        ("compliance:audit-export-list", []),
        ("customers:customer-detail", [c]),
    ]
    cached = []
    for user, pages in ((rm, as_rm), (compliance, as_compliance)):
        client.force_login(user)
        for name, args in pages:
            response = client.get(reverse(name, args=args), HTTP_HX_REQUEST="true")
            assert response.status_code == 200, (name, response.status_code)
            if not _no_store(response):
                cached.append(f"{user.username} {name}: {response.get('Cache-Control')}")
    assert not cached, "pages with personal data that may be cached:\n" + "\n".join(cached)


def test_every_page_behind_the_sign_in_is_no_store_whatever_it_answers(compliance, book):
    """Walk the whole URLconf as a signed-in user: every view of ours that is not public answers
    no-store, also when it refuses (403, 404, 405)."""
    client = Client(raise_request_exception=False)
    client.force_login(compliance)
    ids = {"pk": book["customer"].pk, "customer_pk": book["customer"].pk}
    cached, seen = [], 0
    for route, namespace, pattern in _walk(get_resolver().url_patterns):
        name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        if not _ours(pattern) or name in PUBLIC or pattern.name is None:
            continue
        if pattern.name == "calendar-feed":
            continue  # public, checked below with a real token
        path = "/" + re.sub(
            r"<(?:(\w+):)?(\w+)>",
            lambda m: str(ids.get(m.group(2), 1)) if m.group(1) in (None, "int") else "x",
            route,
        )
        response = client.get(path)
        seen += 1
        if not _no_store(response):
            cached.append(f"{name} {path} → {response.status_code}")
    assert seen > 100, "the walk found too few pages to be checking anything"
    assert not cached, "answers behind the sign-in that may be cached:\n" + "\n".join(cached)


def test_calendar_feed_is_public_but_no_store(client, rm):
    token = feed_token_issue(rm)
    response = client.get(reverse("customers:calendar-feed", args=[token]))
    assert response.status_code == 200
    assert _no_store(response)


def test_a_public_page_is_not_forced_to_no_store(client):
    response = client.get(reverse("ui:health"))
    assert response.status_code == 200
    assert not _no_store(response)


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_the_rule_leaves_public_pages_alone(name):
    # Django's own login view sends no-store (never_cache, for its CSRF token); the rule
    # itself forces nothing on public pages.
    assert keeps_no_personal_data(resolve(reverse(name)))
    assert not keeps_no_personal_data(resolve(reverse("customers:customer-list")))
