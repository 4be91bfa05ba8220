"""Amounts in 万/亿 and with separators, dates, and masking of personal information."""

import datetime
import re
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from crm.ui.formatting import (
    format_amount,
    mask_account,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
)


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (None, "—", "—"),
        ("", "—", "—"),
        (0, "0.00", "0.00"),
        (Decimal("9999.99"), "9,999.99", "9,999.99"),
        (Decimal("9999.999"), "1.00万", "10,000.00"),
        (10_000, "1.00万", "10,000.00"),
        (Decimal("1234567.8"), "123.46万", "1,234,567.80"),
        (Decimal("-12345"), "-1.23万", "-12,345.00"),
        (Decimal("99999999.999"), "1.00亿", "100,000,000.00"),
        (100_000_000, "1.00亿", "100,000,000.00"),
        (Decimal("1234567890123"), "12,345.68亿", "1,234,567,890,123.00"),
        (Decimal("-0.001"), "0.00", "0.00"),
        (1234.5, "1,234.50", "1,234.50"),
    ],
)
def test_format_amount(value, zh, en):
    assert format_amount(value, language="zh-hans") == zh
    assert format_amount(value, language="en") == en


def test_format_amount_follows_active_language():
    with translation.override("zh-hans"):
        assert format_amount(50_000) == "5.00万"
    with translation.override("en"):
        assert format_amount(50_000) == "50,000.00"


AMOUNTS = st.decimals(
    min_value=Decimal("-1e13"), max_value=Decimal("1e13"), places=4, allow_nan=False
)
UNITS = {"亿": Decimal(100_000_000), "万": Decimal(10_000), "": Decimal(1)}


@given(AMOUNTS)
def test_chinese_amount_reads_back_close_to_the_value(value):
    text = format_amount(value, language="zh-hans")
    match = re.fullmatch(r"(-?)([\d,]+\.\d{2})(亿|万|)", text)
    assert match, text
    sign, number, unit = match.groups()
    shown = Decimal(number.replace(",", ""))
    # The number in front of a unit is below 10,000 of it (else the bigger unit is used) …
    if unit != "亿":
        assert shown < 10_000
    if unit:
        assert shown >= 1
    # … and the text means the value, within half a unit of the last digit shown.
    back = shown * UNITS[unit] * (-1 if sign else 1)
    assert abs(back - value) <= UNITS[unit] / 200


@given(AMOUNTS)
def test_english_amount_is_the_rounded_value(value):
    text = format_amount(value, language="en")
    assert re.fullmatch(r"-?\d{1,3}(,\d{3})*\.\d{2}", text), text
    assert abs(Decimal(text.replace(",", "")) - value) <= Decimal("0.005")


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张伟", "张*"), ("欧阳娜娜", "欧***"), ("李", "李"), ("John Smith", "J*** S****"), ("", "")],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_mask_examples_from_the_design():
    assert mask_id_number("11010519491231002X") == "110***********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+8613812345678") == "+86138****5678"
    assert mask_email("zhang.wei@example.com") == "z***@example.com"
    assert mask_account("6222021234567890123") == "****0123"
    assert mask_id_number("") == mask_phone("") == mask_account("") == ""
    assert mask_id_number("12345") == "*****"
    assert mask_email("not-an-email") == "not*****mail"


@given(st.from_regex(r"[1-9]\d{16}[\dX]", fullmatch=True))
def test_mask_id_keeps_only_first_three_and_last_four(value):
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    assert masked[:3] == value[:3] and masked[-4:] == value[-4:]
    assert set(masked[3:-4]) == {"*"}


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_mask_phone_hides_the_middle_four(value):
    masked = mask_phone(value)
    assert masked == value[:3] + "****" + value[-4:]


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1))
def test_mask_chinese_name_keeps_the_surname_only(name):
    masked = mask_name(name)
    assert masked[0] == name[0]
    assert len(masked) == len(name)
    assert set(masked[1:]) <= {"*"}


def test_template_filters():
    template = Template(
        "{% load fiducia %}{{ a|amount }}|{{ d|ymd }}|{{ none|ymd }}|{{ p|mask_phone }}|"
        "{{ n|mask_name }}|{{ i|mask_id }}|{{ e|mask_email }}"
    )
    context = Context(
        {
            "a": Decimal("5000000"),
            "d": datetime.date(2025, 9, 20),
            "none": None,
            "p": "13912345678",
            "n": "王芳",
            "i": "11010519491231002X",
            "e": "wf@example.com",
        }
    )
    with translation.override("zh-hans"):
        out = template.render(context)
    assert out == "500.00万|2025-09-20|—|139****5678|王*|110***********002X|w***@example.com"
    with translation.override("en"):
        assert template.render(context).startswith("5,000,000.00|2025-09-20|")
