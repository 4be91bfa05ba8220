"""What each feed kind's file holds (docs/feeds.md): its columns, how a row is checked and
what it puts in the staging table. The merge into the records tables is in merging.py.

A row that fails a check raises `RowError(column, reason)`; reasons are codes (REASONS) so the
error report shows them in the reader's language, whatever language the worker ran in.
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from crm import crypto
from crm.identifiers import ACCOUNT, MOBILE, normalise
from crm.ui.formatting import mask_account, mask_email, mask_phone

from ..models import Contract, Product, RiskLevel
from .models import FeedKind, Transaction

REASONS = {
    "required": _("A value is required."),
    "number": _("Not a number (use digits and a decimal point, e.g. 1234.56)."),
    "negative": _("Must not be negative."),
    "decimals": _("Too many decimal places."),
    "too_large": _("The number is too large."),
    "integer": _("Not a whole number."),
    "date": _("Not a date (use YYYY-MM-DD)."),
    "month": _("Not a month (use YYYY-MM)."),
    "other_month": _("The month differs from the month of the business date."),
    "choice": _("Not one of the allowed values: %(allowed)s."),
    "boolean": _("Use 1 or 0 (or true/false)."),
    "too_long": _("Longer than %(n)d characters."),
    "mobile": _("Not a mainland China mobile number."),
    "email": _("Not an e-mail address."),
    "account": _("Not an account number (12 to 30 digits)."),
    "matures_before_start": _("The maturity date is before the start date."),
    "formula": _("Text beginning with =, +, -, @, a tab or a line break is not accepted."),
    "unknown_customer": _("No customer with this number in Fiducia (not created)."),
    "unknown_product": _("No product with this code in Fiducia."),
    "duplicate": _("The same record appears earlier in the file (row %(first)s)."),
    "columns": _("The row has a different number of cells from the header."),
}


class RowError(Exception):
    def __init__(self, column: str, reason: str, **params):
        super().__init__(reason)
        self.column, self.reason, self.params = column, reason, params


# ---- cell parsers: (column, text) → value, or RowError ----------------------------------------


def text(column, value, *, max_length=200, required=False):
    if not value:
        if required:
            raise RowError(column, "required")
        return ""
    if len(value) > max_length:
        raise RowError(column, "too_long", n=max_length)
    if value.startswith(("=", "+", "-", "@", "\t", "\r")):
        raise RowError(column, "formula")
    return value


def decimal(column, value, *, places=2, digits=18, required=True, negative=False):
    if not value:
        if required:
            raise RowError(column, "required")
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise RowError(column, "number") from None
    if not number.is_finite():
        raise RowError(column, "number")
    if number < 0 and not negative:
        raise RowError(column, "negative")
    exponent = number.as_tuple().exponent
    if exponent < -places and number != number.quantize(Decimal(1).scaleb(-places)):
        raise RowError(column, "decimals")
    if abs(number) >= Decimal(10) ** (digits - places):
        raise RowError(column, "too_large")
    return number


def integer(column, value, *, required=False):
    if not value:
        if required:
            raise RowError(column, "required")
        return 0
    if not value.isdigit() or len(value) > 9:
        raise RowError(column, "integer")
    return int(value)


def date(column, value, *, required=True):
    if not value:
        if required:
            raise RowError(column, "required")
        return None
    try:  # core systems write 2026-12-07 or 20261207
        if len(value) == 8 and value.isdigit():
            return datetime.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise RowError(column, "date") from None


def month(column, value, business_date):
    if not value:
        raise RowError(column, "required")
    match = re.fullmatch(r"(\d{4})-?(\d{2})(?:-01)?", value)
    try:
        first = datetime.date(int(match.group(1)), int(match.group(2)), 1) if match else None
    except ValueError:
        first = None
    if first is None:
        raise RowError(column, "month")
    if first != business_date.replace(day=1):
        raise RowError(column, "other_month")
    return first


def choice(column, value, choices, *, default=None):
    if not value and default is not None:
        return default
    allowed = [c for c, _label in choices]
    if value not in allowed and value.lower() not in allowed:
        raise RowError(column, "choice", allowed=", ".join(allowed))
    return value if value in allowed else value.lower()


def boolean(column, value, *, default):
    if not value:
        return default
    lowered = value.lower()
    if lowered in ("1", "true", "y", "yes", "是"):
        return True
    if lowered in ("0", "false", "n", "no", "否"):
        return False
    raise RowError(column, "boolean")


# A customer's positions mostly share one account: its protected form is made once per load
# (loading.load empties this when it ends, so no account outlives the load in memory).
ACCOUNTS: dict[str, tuple[str, str, str]] = {}
_ACCOUNTS_MAX = 10_000


def account(column, value):
    """(ciphertext, keyed hash, mask) of an account number; empty strings for none."""
    if not value:
        return "", "", ""
    if found := ACCOUNTS.get(value):
        return found
    digits = normalise(ACCOUNT, value)
    if not 12 <= len(digits) <= 30 or not re.fullmatch(r"[\d\s-]+", value):
        raise RowError(column, "account")
    protected = crypto.encrypt(digits), crypto.lookup_hash(digits), mask_account(digits)
    if len(ACCOUNTS) >= _ACCOUNTS_MAX:
        ACCOUNTS.clear()
    ACCOUNTS[value] = protected
    return protected


# ---- the kinds ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False  # the header must have it (a cell may still be optional)


@dataclass(frozen=True)
class Kind:
    key: str
    columns: tuple[Column, ...]
    # Staging columns after (row_no, ok): (name, type) with type text/numeric/date/int/bool.
    stage: tuple[tuple[str, str], ...]
    # (cells by column name, business date) → staging values in `stage` order.
    parse: Callable[[dict, datetime.date], tuple]
    keys: tuple[str, ...]  # staging columns that name one record (duplicates are bad rows)
    customer: bool = True  # rows name a customer_number (resolved to customer_id)
    product: str = ""  # "required" / "optional" / "" : rows name a product_code

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _products(row, _day):
    return (
        text("code", row["code"], max_length=30, required=True),
        text("name", row["name"], required=True),
        choice("kind", row["kind"], Product.Kind.choices),
        choice("risk_level", row["risk_level"].upper(), RiskLevel.choices),
        text("issuer", row.get("issuer", "")),
        boolean(
            "requires_qualified_investor", row.get("requires_qualified_investor", ""), default=False
        ),
        boolean("on_sale", row.get("on_sale", ""), default=True),
    )


def _holdings(row, _day):
    return (
        text("customer_number", row["customer_number"], max_length=20, required=True),
        text("product_code", row["product_code"], max_length=30, required=True),
        *account("account_number", row.get("account_number", "")),
        decimal("market_value", row["market_value"]),
    )


def _contracts(row, _day):
    starts_on = date("starts_on", row["starts_on"])
    matures_on = date("matures_on", row.get("matures_on", ""), required=False)
    if matures_on and matures_on < starts_on:
        raise RowError("matures_on", "matures_before_start")
    return (
        text("contract_number", row["contract_number"], max_length=40, required=True),
        text("customer_number", row["customer_number"], max_length=20, required=True),
        text("product_code", row.get("product_code", ""), max_length=30),
        text("title", row["title"], required=True),
        decimal("amount", row["amount"]),
        date("signed_on", row["signed_on"]),
        starts_on,
        matures_on,
        choice("status", row.get("status", ""), Contract.Status.choices, default="active"),
    )


def _transactions(row, _day):
    return (
        text("reference", row["reference"], max_length=64, required=True),
        text("customer_number", row["customer_number"], max_length=20, required=True),
        text("product_code", row.get("product_code", ""), max_length=30),
        *account("account_number", row.get("account_number", ""))[1:],
        date("trade_date", row["trade_date"]),
        choice("kind", row["kind"], Transaction.Kind.choices),
        decimal("amount", row["amount"], negative=True),
        decimal("quantity", row.get("quantity", ""), places=4, digits=20, required=False),
    )


AGGREGATE_FIGURES = (
    # (column, decimal places, digits); trade_count is a whole number.
    ("average_balance", 2, 18),
    ("margin_balance", 2, 18),
    ("deposit_spread", 6, 8),
    ("trade_volume", 2, 20),
    ("commission", 2, 18),
    ("commission_rate", 6, 8),
    ("rebate", 2, 18),
    ("fee_income", 2, 18),
    ("net_interest_income", 2, 18),
)


def _aggregates(row, day):
    figures = [
        decimal(
            name,
            row.get(name, ""),
            places=p,
            digits=d,
            required=name == "average_balance",
            negative=name == "net_interest_income",
        )
        or Decimal(0)
        for name, p, d in AGGREGATE_FIGURES
    ]
    return (
        text("customer_number", row["customer_number"], max_length=20, required=True),
        month("month", row["month"], day),
        integer("trade_count", row.get("trade_count", "")),
        *figures,
    )


def _customers(row, _day):
    mobile = row.get("mobile", "")
    if mobile:
        national = normalise(MOBILE, mobile)
        if not re.fullmatch(r"(?:(?:\+|00)86)?1[3-9]\d{9}", re.sub(r"[\s-]", "", mobile)):
            raise RowError("mobile", "mobile")
        mobile_cols = (
            crypto.encrypt(national),
            crypto.lookup_hash(national),
            crypto.lookup_hash(national[-4:]),
            mask_phone(national),
        )
    else:
        mobile_cols = (None, None, None, None)
    email = row.get("email", "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise RowError("email", "email") from None
        email_cols = (crypto.encrypt(email), crypto.lookup_hash(email.lower()), mask_email(email))
    else:
        email_cols = (None, None, None)
    return (
        text("customer_number", row["customer_number"], max_length=20, required=True),
        text("address", row.get("address", ""), max_length=300) or None,
        text("occupation", row.get("occupation", ""), max_length=100) or None,
        date("id_expires_on", row.get("id_expires_on", ""), required=False),
        *mobile_cols,
        *email_cols,
    )


KINDS = {
    FeedKind.PRODUCTS: Kind(
        "products",
        (
            Column("code", True),
            Column("name", True),
            Column("kind", True),
            Column("risk_level", True),
            Column("issuer"),
            Column("requires_qualified_investor"),
            Column("on_sale"),
        ),
        (
            ("code", "text"),
            ("name", "text"),
            ("kind", "text"),
            ("risk_level", "text"),
            ("issuer", "text"),
            ("qualified", "bool"),
            ("on_sale", "bool"),
        ),
        _products,
        keys=("code",),
        customer=False,
    ),
    FeedKind.HOLDINGS: Kind(
        "holdings",
        (
            Column("customer_number", True),
            Column("product_code", True),
            Column("account_number"),
            Column("market_value", True),
        ),
        (
            ("customer_number", "text"),
            ("product_code", "text"),
            ("acc_encrypted", "text"),
            ("acc_hash", "text"),
            ("acc_masked", "text"),
            ("market_value", "numeric"),
        ),
        _holdings,
        keys=("customer_id", "product_id"),
        product="required",
    ),
    FeedKind.CONTRACTS: Kind(
        "contracts",
        (
            Column("contract_number", True),
            Column("customer_number", True),
            Column("product_code"),
            Column("title", True),
            Column("amount", True),
            Column("signed_on", True),
            Column("starts_on", True),
            Column("matures_on"),
            Column("status"),
        ),
        (
            ("contract_number", "text"),
            ("customer_number", "text"),
            ("product_code", "text"),
            ("title", "text"),
            ("amount", "numeric"),
            ("signed_on", "date"),
            ("starts_on", "date"),
            ("matures_on", "date"),
            ("status", "text"),
        ),
        _contracts,
        keys=("contract_number",),
        product="optional",
    ),
    FeedKind.TRANSACTIONS: Kind(
        "transactions",
        (
            Column("reference", True),
            Column("customer_number", True),
            Column("product_code"),
            Column("account_number"),
            Column("trade_date", True),
            Column("kind", True),
            Column("amount", True),
            Column("quantity"),
        ),
        (
            ("reference", "text"),
            ("customer_number", "text"),
            ("product_code", "text"),
            ("acc_hash", "text"),
            ("acc_masked", "text"),
            ("trade_date", "date"),
            ("kind", "text"),
            ("amount", "numeric"),
            ("quantity", "numeric"),
        ),
        _transactions,
        keys=("reference",),
        product="optional",
    ),
    FeedKind.AGGREGATES: Kind(
        "aggregates",
        (
            Column("customer_number", True),
            Column("month", True),
            Column("average_balance", True),
            Column("trade_count"),
            *(Column(name) for name, _p, _d in AGGREGATE_FIGURES[1:]),
        ),
        (
            ("customer_number", "text"),
            ("month", "date"),
            ("trade_count", "int"),
            *((name, "numeric") for name, _p, _d in AGGREGATE_FIGURES),
        ),
        _aggregates,
        keys=("customer_id",),
    ),
    FeedKind.CUSTOMERS: Kind(
        "customers",
        (
            Column("customer_number", True),
            Column("address"),
            Column("occupation"),
            Column("id_expires_on"),
            Column("mobile"),
            Column("email"),
        ),
        (
            ("customer_number", "text"),
            ("address", "text"),
            ("occupation", "text"),
            ("id_expires_on", "date"),
            ("mobile_encrypted", "text"),
            ("mobile_hash", "text"),
            ("mobile_last4_hash", "text"),
            ("mobile_masked", "text"),
            ("email_encrypted", "text"),
            ("email_hash", "text"),
            ("email_masked", "text"),
        ),
        _customers,
        keys=("customer_id",),
    ),
}


def kind_of(key: str) -> Kind:
    return KINDS[FeedKind(key)]
