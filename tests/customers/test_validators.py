import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from customers.records.validators import (
    ID_CHECK,
    USCC_ALPHABET,
    resident_id_check_digit,
    uscc_check_char,
    validate_cn_mobile,
    validate_resident_id,
    validate_uscc,
)

birth_dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2020, 12, 31))


@st.composite
def resident_ids(draw):
    region = draw(st.from_regex(r"[1-6][0-9]{5}", fullmatch=True))
    birth = draw(birth_dates)
    seq = draw(st.integers(0, 999))
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + resident_id_check_digit(body)


@st.composite
def usccs(draw):
    body = "".join(draw(st.lists(st.sampled_from(USCC_ALPHABET), min_size=17, max_size=17)))
    return body + uscc_check_char(body)


def test_known_good_numbers():
    assert validate_resident_id("11010519491231002X") == "11010519491231002X"
    assert validate_uscc("91350100M000100Y43") == "91350100M000100Y43"
    assert validate_cn_mobile("+86 138-1234-5678") == "+8613812345678"


def test_lowercase_x_is_normalised():
    assert validate_resident_id("11010519491231002x") == "11010519491231002X"


@given(resident_ids())
def test_generated_resident_ids_are_valid(number):
    assert validate_resident_id(number) == number


@given(resident_ids(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_character_change_of_a_resident_id_is_rejected(number, position, char):
    if number[position] == char or (position < 17 and char == "X"):
        return  # not a change, or not even the right alphabet (covered by the format rule)
    corrupted = number[:position] + char + number[position + 1 :]
    with pytest.raises(ValidationError):
        validate_resident_id(corrupted)


@given(usccs())
def test_generated_usccs_are_valid(code):
    assert validate_uscc(code) == code


@given(usccs(), st.integers(0, 17), st.sampled_from(USCC_ALPHABET + "IOSVZ"))
def test_any_single_character_change_of_a_uscc_is_rejected(code, position, char):
    if code[position] == char:
        return
    corrupted = code[:position] + char + code[position + 1 :]
    with pytest.raises(ValidationError):
        validate_uscc(corrupted)


@pytest.mark.parametrize(
    "number",
    [
        "110105194902301234",  # 30 February
        "110105194913011234",  # month 13
        "1101051949123100",  # too short
        "11010519491231002Y",  # bad last character
    ],
)
def test_impossible_resident_ids(number):
    with pytest.raises(ValidationError):
        validate_resident_id(number)


def test_valid_check_digit_with_future_birth_date_is_invalid():
    future = datetime.date.today() + datetime.timedelta(days=400)
    body = f"110105{future:%Y%m%d}123"
    with pytest.raises(ValidationError) as exc:
        validate_resident_id(body + resident_id_check_digit(body))
    assert exc.value.code == "id_birth_date"


def test_valid_check_digit_with_impossible_date_is_invalid():
    body = "11010520230230123"
    assert resident_id_check_digit(body) in ID_CHECK
    with pytest.raises(ValidationError) as exc:
        validate_resident_id(body + resident_id_check_digit(body))
    assert exc.value.code == "id_birth_date"


@pytest.mark.parametrize("code", ["91350100M000100Y4I", "91350100M000100Y4", "91350100M000100Y44"])
def test_bad_usccs(code):
    with pytest.raises(ValidationError):
        validate_uscc(code)


@pytest.mark.parametrize("number", ["12812345678", "1381234567", "+8513812345678", "abc"])
def test_bad_mobiles(number):
    with pytest.raises(ValidationError):
        validate_cn_mobile(number)


@given(st.from_regex(r"(\+86|0086)?1[3-9][0-9]{9}", fullmatch=True))
def test_generated_mobiles_are_valid(number):
    assert validate_cn_mobile(number) == number


def _message_in(language: str, value: str) -> str:
    # The messages are lazy: render them while the language is still active.
    with translation.override(language):
        with pytest.raises(ValidationError) as exc:
            validate_resident_id(value)
        return str(exc.value.messages[0])


def test_messages_are_translated():
    assert "身份证" in _message_in("zh-hans", "11010519491231002Y")
    assert "resident ID" in _message_in("en", "11010519491231002Y")
