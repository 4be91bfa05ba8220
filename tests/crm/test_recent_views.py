"""Recently viewed pages in the user menu (issue 20 item 6): recorded by the detail pages,
newest first, at most ten, only what is still in the user's scope, in a fixed number of
queries, and with no name or identifier stored."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.core import recent
from crm.core.models import RecentView
from crm.core.tasks import purge_recent_views
from customers.records.services import customer_reassign
from tests.complaints.factories import make_complaint
from tests.compliance.factories import WarningFactory
from tests.customers.sales.factories import ProspectFactory
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

MENU = {"HTTP_HX_REQUEST": "true"}


def _menu(client) -> str:
    return client.get(reverse("core:recent-list"), **MENU).content.decode()


def test_detail_pages_are_listed_newest_first(client, rm):
    customer = CustomerFactory(owner=rm, name="孙立")
    complaint = make_complaint(rm)
    warning = WarningFactory(customer=customer, title="贷款逾期30天")
    prospect = ProspectFactory(owner=rm, name="潜在客户王五")
    client.force_login(rm)
    for url in (
        reverse("customers:customer-detail", args=[customer.pk]),
        reverse("complaints:complaint-detail", args=[complaint.pk]),
        reverse("compliance:warning-detail", args=[warning.pk]),
        reverse("customers:prospect-detail", args=[prospect.pk]),
    ):
        assert client.get(url).status_code == 200
    html = _menu(client)
    order = [html.index(t) for t in ("潜在客户王五", "贷款逾期30天", complaint.reference, "孙立")]
    assert order == sorted(order)
    # Opening a page again moves it to the top instead of listing it twice.
    client.get(reverse("customers:customer-detail", args=[customer.pk]))
    html = _menu(client)
    assert html.count('data-recent="customer"') == 1
    assert html.index("孙立") < html.index("潜在客户王五")
    assert RecentView.objects.filter(user=rm).count() == 4


def test_only_what_is_still_in_scope_is_listed(client, rm, rm_b, lead):
    kept = CustomerFactory(owner=rm, name="留下的客户")
    moved = CustomerFactory(owner=rm, name="转走的客户")
    client.force_login(rm)
    client.get(reverse("customers:customer-detail", args=[kept.pk]))
    client.get(reverse("customers:customer-detail", args=[moved.pk]))
    assert "转走的客户" in _menu(client)
    customer_reassign(lead, moved, rm_b, reason="调岗")
    html = _menu(client)
    assert "留下的客户" in html and "转走的客户" not in html


def test_at_most_ten_in_a_fixed_number_of_queries(client, rm, django_assert_num_queries):
    customers = [CustomerFactory(owner=rm) for _ in range(12)]
    complaint = make_complaint(rm)
    client.force_login(rm)
    client.get(reverse("customers:customer-detail", args=[customers[0].pk]))
    client.get(reverse("core:recent-list"), **MENU)
    with django_assert_num_queries(5) as one:  # request overhead, the views, the customers
        _menu(client)
    for c in customers:
        recent.recent_record(rm, "customer", c.pk)
    with django_assert_num_queries(len(one.captured_queries)):
        html = _menu(client)
    assert html.count("recent-item") == 10
    # Another kind costs its own scoped query (and the scope it needs), not one per entry.
    recent.recent_record(rm, "complaint", complaint.pk)
    with django_assert_num_queries(8):
        assert 'data-recent="complaint"' in _menu(client)


def test_no_name_or_identifier_is_stored(client, rm):
    customer = CustomerFactory(owner=rm, name="孙立", id_number="11010519491231002X")
    client.force_login(rm)
    client.get(reverse("customers:customer-detail", args=[customer.pk]))
    row = RecentView.objects.values().get()
    assert set(row) == {"id", "user_id", "kind", "object_id", "viewed_at"}
    assert row["kind"] == "customer" and row["object_id"] == customer.pk


def test_empty_menu_says_what_will_appear_and_the_page_works_without_js(client, rm):
    client.force_login(rm)
    assert 'id="recent-none"' in _menu(client)
    page = client.get(reverse("core:recent-list")).content.decode()
    assert "empty-state" in page and reverse("ui:home") in page
    home = client.get(reverse("ui:home")).content.decode()
    assert 'hx-get="/recent/"' in home or reverse("core:recent-list") in home


def test_unregistered_kinds_are_refused(rm):
    with pytest.raises(ValueError):
        recent.recent_record(rm, "password", 1)


def test_purge_drops_old_entries_and_reruns_find_nothing(rm):
    customer = CustomerFactory(owner=rm)
    recent.recent_record(rm, "customer", customer.pk)
    RecentView.objects.update(viewed_at=timezone.now() - datetime.timedelta(days=91))
    recent.recent_record(rm, "customer", CustomerFactory(owner=rm).pk)
    assert purge_recent_views.apply().get() == 1
    assert purge_recent_views.apply().get() == 0
    assert RecentView.objects.count() == 1
