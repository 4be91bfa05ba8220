"""Checking the staged rows against the database and merging them, set-based: one statement per
step whatever the file's size (INSERT … ON CONFLICT, UPDATE … FROM, DELETE … WHERE NOT EXISTS).
The same SQL runs on PostgreSQL and SQLite (3.33+)."""

from django.utils import timezone

from .kinds import Kind
from .staging import TABLE, distinct, false, true

S = TABLE


def _bad_rows(cursor, where: str, params, *, cap: int, column: str, value: str) -> tuple:
    """Rows matching `where` (staged ok): marked bad; (count, report rows up to `cap`)."""
    cursor.execute(
        f"SELECT row_no, {value} FROM {S} WHERE ok = {true()} AND {where} ORDER BY row_no LIMIT %s",
        [*params, cap],
    )
    report = [(row_no, column, val or "") for row_no, val in cursor.fetchall()]
    cursor.execute(f"UPDATE {S} SET ok = {false()} WHERE ok = {true()} AND {where}", params)
    return cursor.rowcount, report


def resolve(cursor, kind: Kind, *, cap: int) -> dict:
    """Customer and product ids for the staged rows; rows naming an unknown customer or product,
    and repeats of a record, become bad rows. Returns counts and report entries."""
    out = {"bad": 0, "unknown_customers": 0, "report": []}

    def add(result, reason):
        count, report = result
        out["bad"] += count
        out["report"].extend((row, col, val, reason) for row, col, val in report)

    if kind.customer:
        cursor.execute(
            f"UPDATE {S} SET customer_id = c.id FROM customers_customer c "
            f"WHERE c.number = {S}.customer_number"
        )
        cursor.execute(
            f"SELECT COUNT(DISTINCT customer_number) FROM {S} "
            f"WHERE ok = {true()} AND customer_id IS NULL"
        )
        out["unknown_customers"] = cursor.fetchone()[0]
        add(
            _bad_rows(
                cursor,
                "customer_id IS NULL",
                [],
                cap=cap,
                column="customer_number",
                value="customer_number",
            ),
            "unknown_customer",
        )
    if kind.product:
        cursor.execute(
            f"UPDATE {S} SET product_id = p.id FROM customers_product p "
            f"WHERE p.code = {S}.product_code"
        )
        add(
            _bad_rows(
                cursor,
                "product_id IS NULL AND product_code <> ''",
                [],
                cap=cap,
                column="product_code",
                value="product_code",
            ),
            "unknown_product",
        )
    keys = ", ".join(kind.keys)
    # A record named twice: the first row counts, later ones are reported.
    cursor.execute(
        f"SELECT row_no, first FROM (SELECT row_no, "
        f"ROW_NUMBER() OVER (PARTITION BY {keys} ORDER BY row_no) AS n, "
        f"MIN(row_no) OVER (PARTITION BY {keys}) AS first FROM {S} WHERE ok = {true()}) d "
        f"WHERE n > 1 ORDER BY row_no LIMIT %s",
        [cap],
    )
    duplicates = cursor.fetchall()
    if duplicates:
        cursor.execute(
            f"UPDATE {S} SET ok = {false()} FROM (SELECT row_no AS dup FROM (SELECT row_no, "
            f"ROW_NUMBER() OVER (PARTITION BY {keys} ORDER BY row_no) AS n FROM {S} "
            f"WHERE ok = {true()}) d WHERE n > 1) x WHERE {S}.row_no = x.dup"
        )
        out["bad"] += cursor.rowcount
        out["report"].extend(
            (row, kind.keys[0].replace("_id", "_number"), "", ("duplicate", first))
            for row, first in duplicates
        )
    return out


def good_rows(cursor) -> int:
    cursor.execute(f"SELECT COUNT(*) FROM {S} WHERE ok = {true()}")
    return cursor.fetchone()[0]


# ---- per kind ------------------------------------------------------------------------------


def merge_products(cursor, run) -> None:
    cursor.execute(
        "INSERT INTO customers_product "
        "(code, name, kind, risk_level, issuer, requires_qualified_investor, is_active) "
        f"SELECT code, name, kind, risk_level, issuer, qualified, on_sale FROM {S} "
        f"WHERE ok = {true()} "
        "ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, "
        "risk_level = excluded.risk_level, issuer = excluded.issuer, "
        "requires_qualified_investor = excluded.requires_qualified_investor, "
        "is_active = excluded.is_active"
    )


def merge_holdings(cursor, run) -> None:
    """The snapshot is the whole truth for its date: positions in it are written, positions not
    in it are closed (deleted), except those of a customer with a bad row in this file (their
    truth is unknown, so they stay as they were)."""
    d = distinct()
    cursor.execute(
        "INSERT INTO customers_holding (customer_id, product_id, account_number_encrypted, "
        "account_number_hash, account_number_masked, market_value, as_of) "
        "SELECT customer_id, product_id, acc_encrypted, acc_hash, acc_masked, market_value, %s "
        f"FROM {S} WHERE ok = {true()} "
        "ON CONFLICT (customer_id, product_id) DO UPDATE SET "
        "market_value = excluded.market_value, as_of = excluded.as_of, "
        # The ciphertext differs each time it is made: it is replaced only for another account.
        "account_number_encrypted = CASE WHEN customers_holding.account_number_hash = "
        "excluded.account_number_hash THEN customers_holding.account_number_encrypted "
        "ELSE excluded.account_number_encrypted END, "
        "account_number_hash = excluded.account_number_hash, "
        "account_number_masked = excluded.account_number_masked "
        f"WHERE customers_holding.market_value {d} excluded.market_value "
        f"OR customers_holding.as_of {d} excluded.as_of "
        f"OR customers_holding.account_number_hash {d} excluded.account_number_hash",
        [run.business_date],
    )
    cursor.execute(
        "DELETE FROM customers_holding WHERE NOT EXISTS (SELECT 1 FROM "
        f"{S} s WHERE s.customer_id = customers_holding.customer_id AND "
        f"(s.product_id = customers_holding.product_id OR s.ok = {false()}))"
    )
    recompute_aum(cursor)


def recompute_aum(cursor) -> int:
    """Customer.aum = the sum of the customer's holdings, for every customer whose sum moved
    (one statement; updated_at moves with it so downstream syncs see the change)."""
    cursor.execute(
        "UPDATE customers_customer SET aum = t.total, updated_at = %s FROM ("
        "SELECT c.id AS id, COALESCE(h.total, 0) AS total FROM customers_customer c "
        "LEFT JOIN (SELECT customer_id, SUM(market_value) AS total FROM customers_holding "
        "GROUP BY customer_id) h ON h.customer_id = c.id) t "
        "WHERE t.id = customers_customer.id AND customers_customer.aum <> t.total",
        [timezone.now()],
    )
    return cursor.rowcount


def merge_contracts(cursor, run) -> None:
    cursor.execute(
        "INSERT INTO customers_contract (number, customer_id, product_id, title, amount, "
        "signed_on, starts_on, matures_on, terms, status) "
        "SELECT contract_number, customer_id, product_id, title, amount, signed_on, starts_on, "
        f"matures_on, '', status FROM {S} WHERE ok = {true()} "
        "ON CONFLICT (number) DO UPDATE SET customer_id = excluded.customer_id, "
        "product_id = excluded.product_id, title = excluded.title, amount = excluded.amount, "
        "signed_on = excluded.signed_on, starts_on = excluded.starts_on, "
        "matures_on = excluded.matures_on, status = excluded.status"
    )


def merge_transactions(cursor, run, *, source: str) -> None:
    """Upsert by (source, reference); a corrected file for the same business date replaces that
    date's transactions (references no longer in it are removed)."""
    cursor.execute(
        "INSERT INTO customers_transaction (customer_id, product_id, account_token, "
        "account_masked, trade_date, kind, amount, quantity, source, external_ref, "
        "business_date) "
        "SELECT customer_id, product_id, acc_hash, acc_masked, trade_date, kind, amount, "
        f"quantity, %s, reference, %s FROM {S} WHERE ok = {true()} "
        "ON CONFLICT (source, external_ref) DO UPDATE SET customer_id = excluded.customer_id, "
        "product_id = excluded.product_id, account_token = excluded.account_token, "
        "account_masked = excluded.account_masked, trade_date = excluded.trade_date, "
        "kind = excluded.kind, amount = excluded.amount, quantity = excluded.quantity, "
        "business_date = excluded.business_date",
        [source, run.business_date],
    )
    cursor.execute(
        "DELETE FROM customers_transaction WHERE business_date = %s AND source = %s "
        f"AND NOT EXISTS (SELECT 1 FROM {S} s WHERE s.reference = "
        "customers_transaction.external_ref)",
        [run.business_date, source],
    )


AGGREGATE_COLUMNS = (
    "trade_count",
    "average_balance",
    "margin_balance",
    "deposit_spread",
    "trade_volume",
    "commission",
    "commission_rate",
    "rebate",
    "fee_income",
    "net_interest_income",
)


def merge_aggregates(cursor, run) -> None:
    """Upsert the month's figures; the file is the whole month: a customer absent from it (and
    without a bad row in it) loses that month's row."""
    cols = ", ".join(AGGREGATE_COLUMNS)
    d = distinct()
    month = run.business_date.replace(day=1)
    cursor.execute(
        f"INSERT INTO customers_monthlyaggregate (customer_id, month, {cols}) "
        f"SELECT customer_id, month, {cols} FROM {S} WHERE ok = {true()} "
        "ON CONFLICT (customer_id, month) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in AGGREGATE_COLUMNS)
        + " WHERE "
        + " OR ".join(f"customers_monthlyaggregate.{c} {d} excluded.{c}" for c in AGGREGATE_COLUMNS)
    )
    cursor.execute(
        "DELETE FROM customers_monthlyaggregate WHERE month = %s AND NOT EXISTS "
        f"(SELECT 1 FROM {S} s WHERE s.customer_id = customers_monthlyaggregate.customer_id)",
        [month],
    )


def merge_customers(cursor, run) -> None:
    """Only what a core system may change: address, occupation, ID expiry, mobile, e-mail. An
    empty cell leaves the value as it is. Never creates a customer."""
    d = distinct()
    pairs = [
        ("address", "address"),
        ("occupation", "occupation"),
        ("id_expires_on", "id_expires_on"),
    ]
    sets = [f"{c} = COALESCE(s.{v}, customers_customer.{c})" for c, v in pairs]
    changed = [f"(s.{v} IS NOT NULL AND s.{v} {d} customers_customer.{c})" for c, v in pairs]
    for field, parts in (
        ("mobile", ("encrypted", "hash", "last4_hash", "masked")),
        ("email", ("encrypted", "hash", "masked")),
    ):
        sets += [
            f"{field}_{p} = COALESCE(s.{field}_{p}, customers_customer.{field}_{p})" for p in parts
        ]
        changed.append(
            f"(s.{field}_hash IS NOT NULL AND s.{field}_hash {d} customers_customer.{field}_hash)"
        )
    cursor.execute(
        f"UPDATE customers_customer SET {', '.join(sets)}, updated_at = %s FROM {S} s "
        f"WHERE s.customer_id = customers_customer.id AND s.ok = {true()} "
        f"AND ({' OR '.join(changed)})",
        [timezone.now()],
    )
