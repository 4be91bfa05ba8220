"""Clear identifiers in search terms and logs (crm.identifiers, crm.log_filters; issue 15)."""

import logging
import sys
from pathlib import Path

import pytest

from crm import crypto
from crm.identifiers import (
    ACCOUNT,
    EMAIL,
    ID_NUMBER,
    MOBILE,
    USCC,
    find_identifier,
    mask_identifiers,
    parse_token,
    search_token,
)
from crm.log_filters import MaskIdentifiers, scrub

ID = "11010519491231002X"
USCC_CODE = "91350100M000100Y43"
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ID, (ID_NUMBER, ID)),
        ("11010519491231002x", (ID_NUMBER, ID)),
        ("张伟 11010519491231002X", (ID_NUMBER, ID)),
        ("110105194912310021", (ID_NUMBER, "110105194912310021")),  # wrong check digit: still one
        (USCC_CODE.lower(), (USCC, USCC_CODE)),
        ("913100000000000426", (USCC, "913100000000000426")),  # digits only, no birth date inside
        ("13812345678", (MOBILE, "13812345678")),
        ("+86 138-1234-5678", (MOBILE, "13812345678")),
        ("Zhang.Wei@Example.cn", (EMAIL, "zhang.wei@example.cn")),
        ("6222 0212 3456 7890 123", (ACCOUNT, "6222021234567890123")),
        ("张伟", None),
        ("zw", None),
        ("5678", None),
        ("C00000123", None),
    ],
)
def test_find_identifier(text, expected):
    assert find_identifier(text) == expected


def test_a_token_carries_the_keyed_hash_the_look_up_columns_hold(settings):
    token = search_token(ID_NUMBER, "11010519491231002x")
    assert ID not in token and ID.lower() not in token
    assert parse_token(token) == (ID_NUMBER, crypto.lookup_hash(ID))
    assert search_token(MOBILE, "+86 13812345678") == search_token(MOBILE, "13812345678")


@pytest.mark.parametrize("bad", ["", "k:id:xyz", f"k:name:{'a' * 64}", "11010519491231002X"])
def test_parse_token_refuses_anything_else(bad):
    assert parse_token(bad) is None


def test_mask_identifiers_masks_every_kind():
    text = (
        f"id {ID} tel 13812345678 code {USCC_CODE} mail zhang@example.cn card 6222021234567890123"
    )
    masked = mask_identifiers(text)
    for clear in (ID, "13812345678", USCC_CODE, "zhang@example.cn", "6222021234567890123"):
        assert clear not in masked
    assert "110***********002X" in masked and "138****5678" in masked


def test_log_filter_drops_query_strings_and_masks_identifiers():
    line = scrub(f'"GET /customers/?q={ID}&tier=A HTTP/1.1" 200 512')
    assert line == '"GET /customers/ HTTP/1.1" 200 512'
    record = logging.LogRecord("x", logging.INFO, "f", 1, "searched %s by %s", (ID, "rm"), None)
    MaskIdentifiers().filter(record)
    assert ID not in record.getMessage() and "110***********002X" in record.getMessage()


def test_every_configured_handler_wears_the_filter():
    handlers = logging.getLogger().handlers + logging.getLogger("django.server").handlers
    configured = [h for h in handlers if type(h) is logging.StreamHandler]
    assert configured
    for handler in configured:
        assert any(isinstance(f, MaskIdentifiers) for f in handler.filters)


def test_gunicorn_access_log_has_no_query_string_nor_referrer():
    config: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), config)  # noqa: S102 - our own config file
    assert "%(U)s" in config["access_log_format"]
    for part in ("%(r)s", "%(q)s", "%(f)s"):
        assert part not in config["access_log_format"]
    assert "gunicorn.conf.py" in (ROOT / "Dockerfile").read_text()


def test_exception_text_is_masked_too():
    try:
        raise ValueError(f"bad number {ID}")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, "f", 1, "failed", (), sys.exc_info())
    MaskIdentifiers().filter(record)
    formatted = logging.Formatter().format(record)
    assert ID not in formatted and "110***********002X" in formatted


def test_celery_worker_log_handlers_get_the_filter():
    from crm.celery import mask_identifiers_in_worker_logs

    logger = logging.getLogger("celery-test-worker")
    logger.addHandler(logging.StreamHandler())
    mask_identifiers_in_worker_logs(logger=logger)
    mask_identifiers_in_worker_logs(logger=logger)  # a second setup adds no second filter
    assert [type(f) for f in logger.handlers[0].filters] == [MaskIdentifiers]
