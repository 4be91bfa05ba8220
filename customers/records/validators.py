"""Identity numbers and phone numbers (DESIGN §5.1), used by forms, admin and import.

Each validator raises Django's ValidationError with a message in the user's language (the
messages are translated in customers/locale) and returns the normalised value, so callers can
store exactly what was checked.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.identifiers import (  # noqa: F401  (the check digits live with the recogniser)
    ID_CHECK,
    ID_WEIGHTS,
    USCC_ALPHABET,
    USCC_WEIGHTS,
    resident_id_check_digit,
    uscc_check_char,
)

_ID_RE = re.compile(r"^\d{17}[\dX]$")
_USCC_RE = re.compile(rf"^[{USCC_ALPHABET}]{{18}}$")
_MOBILE_RE = re.compile(r"^(?:(?:\+|00)86)?1[3-9]\d{9}$")


def normalise_resident_id(value: str) -> str:
    return (value or "").strip().upper()


def validate_resident_id(value: str) -> str:
    """GB 11643 resident ID: 18 characters, real birth date not in the future, check digit."""
    number = normalise_resident_id(value)
    if not _ID_RE.match(number):
        raise ValidationError(
            _("A resident ID number has 17 digits followed by a digit or X (18 characters)."),
            code="id_format",
        )
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date inside this resident ID number is not a real date."),
            code="id_birth_date",
        ) from None
    if birth > timezone.localdate() or birth.year < 1900:
        raise ValidationError(
            _("The birth date inside this resident ID number is not possible."),
            code="id_birth_date",
        )
    if resident_id_check_digit(number[:17]) != number[17]:
        raise ValidationError(
            _("The check digit of this resident ID number is wrong; please check for a typo."),
            code="id_check_digit",
        )
    return number


def birth_date_from_resident_id(number: str) -> datetime.date:
    return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def validate_uscc(value: str) -> str:
    """GB 32100 unified social credit code: 18 characters from the code alphabet, check char."""
    code = (value or "").strip().upper()
    if not _USCC_RE.match(code):
        raise ValidationError(
            _(
                "A unified social credit code has 18 characters: digits and capital letters "
                "except I, O, S, V and Z."
            ),
            code="uscc_format",
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong."),
            code="uscc_check",
        )
    return code


def validate_cn_mobile(value: str) -> str:
    """Mainland mobile number, optionally with +86 or 0086; spaces and dashes are ignored."""
    number = re.sub(r"[\s-]", "", value or "")
    if not _MOBILE_RE.match(number):
        raise ValidationError(
            _("Enter a mainland China mobile number: 11 digits starting with 13–19."),
            code="mobile",
        )
    return number
