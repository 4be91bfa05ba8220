"""Every feed kind: the documented example loads; bad rows, wrong encodings, headers,
replacements and the customer-master rules."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from customers.records.feeds.models import FeedRun, Transaction
from customers.records.models import Contract, Customer, Holding, MonthlyAggregate, Product
from tests.factories import CustomerFactory, MonthlyAggregateFactory, ProductFactory

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "feeds"
KINDS = ["products", "holdings", "contracts", "transactions", "aggregates", "customers"]


@pytest.fixture
def customers():
    return (
        CustomerFactory(number="C00000001", address="旧地址"),
        CustomerFactory(number="C00000002", occupation="教师"),
    )


@pytest.mark.parametrize("kind", KINDS)
def test_each_documented_example_loads(kind, customers, feed):
    if kind != "products":
        assert feed("products", (EXAMPLES / "products.csv").read_bytes()).state == "loaded"
    run = feed(kind, (EXAMPLES / f"{kind}.csv").read_bytes())
    assert run.state == FeedRun.State.LOADED, run.message
    assert run.rejected == 0
    assert run.loaded == run.rows > 0


def test_examples_write_what_docs_feeds_md_says(customers, feed):
    for kind in KINDS:
        feed(kind, (EXAMPLES / f"{kind}.csv").read_bytes())
    a, b = (Customer.objects.get(pk=c.pk) for c in customers)
    assert Product.objects.get(code="TR2026007").risk_level == "R4"
    assert Product.objects.get(code="TR2026007").requires_qualified_investor
    assert a.aum == Decimal("425000.50") and b.aum == Decimal("3000000.00")
    assert Contract.objects.get(number="HT2025-0417").customer == b
    assert Transaction.objects.filter(customer=a).count() == 2
    txn = Transaction.objects.get(external_ref="TX20261130000001")
    assert txn.account_masked == "****3445" and "2233445" not in txn.account_token
    assert MonthlyAggregate.objects.get(customer=a).average_balance == Decimal("410000.00")
    assert (a.address, a.occupation, a.mobile, a.mobile_masked) == (
        "上海市浦东新区世纪大道100号",
        "工程师",
        "13800138000",
        "138****8000",
    )
    assert a.id_expires_on == datetime.date(2031, 5, 20)
    assert (b.occupation, b.address) == ("企业主", "")  # empty cells change nothing


def test_gbk_file_loads(customers, feed):
    run = feed("customers", "customer_number,occupation\nC00000001,会计师\n", encoding="gbk")
    assert run.state == "loaded"
    assert Customer.objects.get(number="C00000001").occupation == "会计师"


@pytest.mark.parametrize(
    "data",
    [
        "customer_number,occupation\nC00000001,Café\n".encode("latin-1"),
        "customer_number,occupation\nC00000001,会计师\n".encode("utf-16"),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    ],
    ids=["latin-1", "utf-16", "binary"],
)
def test_a_file_neither_utf8_nor_gbk_is_refused_and_changes_nothing(data, customers, feed):
    run = feed("customers", data)
    assert run.state == FeedRun.State.FAILED
    assert "UTF-8" in run.message and "GBK" in run.message
    assert Customer.objects.get(number="C00000001").occupation != "Café"


def test_a_header_of_another_kind_is_refused(customers, feed):
    run = feed("holdings", "customer_number,name\nC00000001,张三\n")
    assert run.state == FeedRun.State.FAILED
    assert "product_code" in run.message and "name" in run.message


def test_customer_master_feed_never_creates_and_cannot_rename(customers, feed, settings):
    settings.FIDUCIA_FEEDS = {**settings.FIDUCIA_FEEDS, "HOLD_BAD_SHARE": 0.6}
    run = feed("customers", "customer_number,occupation\nC00000001,律师\nC09999999,厨师\n")
    assert (run.loaded, run.rejected, run.unknown_customers) == (1, 1, 1)
    assert not Customer.objects.filter(number="C09999999").exists()
    refused = feed("customers", "customer_number,name\nC00000001,改名\n", name="x.csv")
    assert refused.state == FeedRun.State.FAILED


def test_bad_values_are_reported_with_row_column_and_masked_value(customers, feed, settings):
    settings.FIDUCIA_FEEDS = {**settings.FIDUCIA_FEEDS, "HOLD_BAD_SHARE": 0.9}
    run = feed(
        "customers",
        "customer_number,mobile,email,id_expires_on\n"
        "C00000001,12345,,\nC00000002,,not-an-email,\nC00000001,,,2031-02-30\n",
    )
    reasons = [(e["row"], e["column"], e["reason"]) for e in run.errors]
    assert reasons == [(2, "mobile", "mobile"), (3, "email", "email"), (4, "id_expires_on", "date")]


def test_an_identifier_in_a_bad_cell_is_masked_in_the_report(customers, feed, settings):
    ProductFactory(code="P1")
    settings.FIDUCIA_FEEDS = {**settings.FIDUCIA_FEEDS, "HOLD_BAD_SHARE": 0.9}
    run = feed(
        "holdings",
        "customer_number,product_code,account_number,market_value\n"
        "C00000001,P1,11010519491231002X,1\nC00000002,P1,,1\n",
    )
    assert run.errors[0]["column"] == "account_number"
    assert "11010519491231002X" not in str(run.errors)


def test_aggregates_of_another_month_are_bad_and_correction_replaces_the_month(customers, feed):
    a, b = customers
    nov = datetime.date(2026, 11, 1)
    MonthlyAggregateFactory(customer=b, month=nov)
    header = "customer_number,month,average_balance\n"
    run = feed("aggregates", header + "C00000001,2026-11,100\nC00000002,2026-11,200\n")
    assert run.state == "loaded"
    corrected = feed("aggregates", header + "C00000001,2026-11,150\n")
    assert corrected.state == "loaded"
    assert MonthlyAggregate.objects.get(customer=a, month=nov).average_balance == 150
    assert not MonthlyAggregate.objects.filter(customer=b, month=nov).exists()
    other = feed("aggregates", header + "C00000001,2026-10,1\n", name="oct.csv")
    assert other.state == FeedRun.State.HELD
    assert other.errors[0]["reason"] == "other_month"


def test_a_corrected_transactions_file_replaces_that_dates_transactions(customers, feed):
    header = "reference,customer_number,trade_date,kind,amount\n"
    feed(
        "transactions", header + "R1,C00000001,2026-11-30,buy,10\nR2,C00000001,2026-11-30,fee,-1\n"
    )
    feed("transactions", header + "R1,C00000001,2026-11-30,buy,12\n")
    assert list(Transaction.objects.values_list("external_ref", "amount")) == [("R1", 12)]


def test_a_contract_maturing_before_it_starts_is_a_bad_row(customers, feed):
    run = feed(
        "contracts",
        "contract_number,customer_number,title,amount,signed_on,starts_on,matures_on\n"
        "H1,C00000001,合同,1,2026-01-01,2026-02-01,2026-01-15\n",
    )
    assert run.state == FeedRun.State.HELD
    assert run.errors[0]["reason"] == "matures_before_start"
    assert not Contract.objects.exists()


def test_products_check_risk_level_and_formula_text(feed, settings):
    settings.FIDUCIA_FEEDS = {**settings.FIDUCIA_FEEDS, "HOLD_BAD_SHARE": 0.9}
    run = feed(
        "products",
        "code,name,kind,risk_level\nP1,好产品,fund,R6\nP2,=HYPERLINK(1),fund,R1\nP3,ok,fund,r3\n",
    )
    assert [e["reason"] for e in run.errors] == ["choice", "formula"]
    assert Product.objects.get(code="P3").risk_level == "R3"


def test_holdings_feed_refuses_an_older_snapshot(customers, feed):
    ProductFactory(code="P1")
    header = "customer_number,product_code,market_value\n"
    feed("holdings", header + "C00000001,P1,5\n")
    older = feed("holdings", header + "C00000001,P1,9\n", day=datetime.date(2026, 11, 1))
    assert older.state == FeedRun.State.FAILED
    assert Holding.objects.get().market_value == 5
