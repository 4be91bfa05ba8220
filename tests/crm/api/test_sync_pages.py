"""Incremental sync: updated_since, keyset pages that neither repeat nor miss rows when rows
change between pages, a fixed number of queries per page, and updated_at kept by the
set-based writers."""

import datetime

from django.db import connection
from django.db.models import F, Value
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.records.models import Customer
from customers.records.services import customers_classify, customers_classify_from
from tests.factories import CustomerFactory

URL = "/api/v1/customers/"


def _all_pages(api, query=""):
    pages, url = [], f"{URL}?page_size=3{query}"
    while True:
        body = api.get(url).json()
        pages.append([r["number"] for r in body["results"]])
        if not body["next_cursor"]:
            return pages
        url = f"{URL}?page_size=3{query}&cursor={body['next_cursor']}"


def test_pages_cover_every_customer_once(issue, call, rm):
    numbers = {c.number for c in CustomerFactory.create_batch(8, owner=rm)}
    _client, token = issue("read:customers")
    pages = _all_pages(call(token))
    seen = [n for page in pages for n in page]
    assert [len(p) for p in pages] == [3, 3, 2]
    assert sorted(seen) == sorted(numbers)


def test_rows_changing_between_pages_are_neither_skipped_nor_repeated_unchanged(issue, call, rm):
    customers = CustomerFactory.create_batch(9, owner=rm)
    _client, token = issue("read:customers")
    api = call(token)
    first = api.get(f"{URL}?page_size=3").json()
    sent = [r["number"] for r in first["results"]]
    # Between pages: a row already sent and a row not yet sent change.
    changed_sent = Customer.objects.get(number=sent[0])
    changed_unsent = next(c for c in customers if c.number not in sent)
    for c in (changed_sent, changed_unsent):
        Customer.objects.filter(pk=c.pk).update(occupation="教师", updated_at=timezone.now())
    url, rest = f"{URL}?page_size=3&cursor={first['next_cursor']}", []
    while url:
        body = api.get(url).json()
        rest += [r["number"] for r in body["results"]]
        cursor = body["next_cursor"]
        url = f"{URL}?page_size=3&cursor={cursor}" if cursor else None
    everything = sent + rest
    assert set(everything) == {c.number for c in customers}  # nobody missed
    # Only the row that changed after it was sent comes again (its new version), once.
    repeated = {n for n in everything if everything.count(n) > 1}
    assert repeated == {changed_sent.number}
    assert rest.count(changed_unsent.number) == 1


def test_updated_since_returns_only_later_changes(issue, call, rm):
    old = CustomerFactory.create_batch(2, owner=rm)
    stamp = timezone.now() - datetime.timedelta(days=1)
    Customer.objects.filter(pk__in=[c.pk for c in old]).update(updated_at=stamp)
    new = CustomerFactory(owner=rm)
    _client, token = issue("read:customers")
    since = (stamp + datetime.timedelta(hours=1)).isoformat()
    body = call(token).get(URL, {"updated_since": since}).json()
    assert [r["number"] for r in body["results"]] == [new.number]


def test_recent_changes_wait_for_the_sync_lag(issue, call, rm, settings):
    CustomerFactory(owner=rm)
    settings.FIDUCIA_API = {**settings.FIDUCIA_API, "SYNC_LAG_SECONDS": 60}
    _client, token = issue("read:customers")
    assert call(token).get(URL).json()["results"] == []
    Customer.objects.update(updated_at=timezone.now() - datetime.timedelta(minutes=2))
    assert len(call(token).get(URL).json()["results"]) == 1


def _queries_for_page(api, size):
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(f"{URL}?page_size={size}")
    assert len(response.json()["results"]) == size
    return len(ctx.captured_queries)


def test_a_page_costs_the_same_queries_whatever_its_size(issue, call, rm):
    CustomerFactory.create_batch(30, owner=rm)
    _client, token = issue("read:customers")
    api = call(token)
    api.get(f"{URL}?page_size=1")  # warm: last_used_at, permission cache
    small = _queries_for_page(api, 2)
    large = _queries_for_page(api, 30)
    assert small == large
    assert large <= 6


def test_pii_page_costs_the_same_queries_whatever_its_size(issue, call, rm):
    CustomerFactory.create_batch(30, owner=rm)
    _client, token = issue("read:customers:pii")
    api = call(token)
    api.get(f"{URL}?page_size=1")
    assert _queries_for_page(api, 2) == _queries_for_page(api, 30)


def test_set_based_classification_moves_updated_at(rm):
    a, b, untouched = CustomerFactory.create_batch(3, owner=rm)
    past = timezone.now() - datetime.timedelta(days=3)
    Customer.objects.update(updated_at=past)
    customers_classify([(a.pk, "A", "gold")])
    source = (
        Customer.objects.filter(pk=b.pk)
        .annotate(customer=F("pk"), new_tier=Value("B"), new_vip=Value("platinum"))
        .values("customer", "new_tier", "new_vip")
    )
    assert (
        customers_classify_from(source, customer="customer", tier="new_tier", vip_level="new_vip")
        == 1
    )
    a.refresh_from_db()
    b.refresh_from_db()
    untouched.refresh_from_db()
    assert a.updated_at > past and a.tier == "A"
    assert b.updated_at > past and b.vip_level == "platinum"
    assert untouched.updated_at == past


def test_rows_sharing_one_stamp_page_by_id(issue, call, rm):
    """A bulk load stamps thousands of rows alike: the id breaks the tie, no row lost."""
    numbers = {c.number for c in CustomerFactory.create_batch(7, owner=rm)}
    Customer.objects.update(updated_at=timezone.now() - datetime.timedelta(minutes=1))
    _client, token = issue("read:customers")
    seen = [n for page in _all_pages(call(token)) for n in page]
    assert sorted(seen) == sorted(numbers)
