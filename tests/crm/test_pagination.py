"""Keyset pagination: every row exactly once across pages, in order, at constant cost."""

import base64
import json

import pytest

from crm.ui.pagination import capped_count, keyset_page
from customers.records.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers():
    # 8 distinct names for 23 customers: many ties that only the pk breaks.
    return CustomerFactory.create_batch(23)


def walk(qs, ordering, size):
    pages, cursor = [], None
    while True:
        page = keyset_page(qs, ordering, cursor, size)
        pages.append([c.pk for c in page])
        if not page.has_next:
            assert page.next_cursor is None
            return pages
        cursor = page.next_cursor


@pytest.mark.parametrize("ordering", [["name", "pk"], ["-name", "pk"], ["-pk"], ["name", "-pk"]])
@pytest.mark.parametrize("size", [1, 4, 7, 23, 50])
def test_pages_cover_every_row_once_in_order(customers, ordering, size):
    qs = Customer.objects.all()
    pages = walk(qs, ordering, size)
    flat = [pk for page in pages for pk in page]
    assert flat == list(qs.order_by(*ordering).values_list("pk", flat=True))
    assert all(len(page) == size for page in pages[:-1])
    assert len(pages) == max(1, -(-len(customers) // size))


def test_rows_added_before_the_cursor_do_not_shift_later_pages(customers):
    qs = Customer.objects.all()
    first = keyset_page(qs, ["pk"], None, 5)
    expected = list(qs.order_by("pk").values_list("pk", flat=True)[5:10])
    Customer.objects.filter(pk=first.items[0].pk).delete()
    second = keyset_page(qs, ["pk"], first.next_cursor, 5)
    assert [c.pk for c in second] == expected


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        base64.urlsafe_b64encode(b"not json").decode(),
        base64.urlsafe_b64encode(json.dumps({"a": 1}).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps([1, 2, 3]).encode()).decode(),
        "",
    ],
)
def test_bad_cursor_is_ignored(customers, cursor):
    page = keyset_page(Customer.objects.all(), ["name", "pk"], cursor, 5)
    first = keyset_page(Customer.objects.all(), ["name", "pk"], None, 5)
    assert [c.pk for c in page] == [c.pk for c in first]


def test_page_is_one_query(customers, django_assert_num_queries):
    first = keyset_page(Customer.objects.all(), ["name", "pk"], None, 5)
    with django_assert_num_queries(1):
        page = keyset_page(Customer.objects.all(), ["name", "pk"], first.next_cursor, 5)
    assert len(page) == 5


def test_empty_queryset():
    page = keyset_page(Customer.objects.none(), ["pk"], None, 10)
    assert list(page) == [] and not page.has_next and page.next_cursor is None


def test_capped_count(customers):
    qs = Customer.objects.all()
    assert capped_count(qs, 10) == (10, True)
    assert capped_count(qs, 23) == (23, False)
    assert capped_count(qs, 100) == (23, False)
    assert capped_count(qs.none(), 10) == (0, False)


def test_capped_count_does_not_count_the_whole_table(customers, django_assert_num_queries):
    with django_assert_num_queries(1) as ctx:
        capped_count(Customer.objects.all(), 10)
    assert "LIMIT 11" in ctx.captured_queries[0]["sql"]


@pytest.mark.parametrize(
    "values",
    [["x", "x"], ["a", str(2**70)], ["a", {"b": 1}], ["a", "1.5"], ["a\x00", "1"]],
)
def test_cursor_values_of_the_wrong_type_are_ignored(customers, values):
    cursor = base64.urlsafe_b64encode(json.dumps(values).encode()).decode()
    ordering = ["-created_at", "pk"] if values == ["x", "x"] else ["name", "pk"]
    page = keyset_page(Customer.objects.all(), ordering, cursor, 5)
    first = keyset_page(Customer.objects.all(), ordering, None, 5)
    assert [c.pk for c in page] == [c.pk for c in first]
