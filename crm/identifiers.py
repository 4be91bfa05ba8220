"""Clear identifiers in free text: resident ID numbers, credit codes (USCC), mobiles, e-mail
addresses and bank-account-like numbers (DESIGN §5.1, issue 15).

A search term that holds one must never persist in clear (URLs, saved filters, approval
payloads, audit rows, logs). `find_identifier` recognises one, `search_token` turns it into a
keyed-hash token (`k:<kind>:<hmac>`) that the look-up columns can be matched against, and
`mask_identifiers` masks every one in a log line.

The patterns are deliberately wider than the validators (no check digit): a mistyped ID number
is personal data too, and it must not reach a log because its check digit is wrong.
"""

import datetime
import re

from crm import crypto
from crm.ui.formatting import mask_account, mask_email, mask_id_number, mask_phone

ID_NUMBER = "id"
USCC = "uscc"
MOBILE = "mobile"
EMAIL = "email"
ACCOUNT = "account"

_EDGE_L = r"(?<![0-9A-Za-z])"
_EDGE_R = r"(?![0-9A-Za-z])"
# Kinds in the order they are tried: an 18-digit ID number is also account-like.
_PATTERNS = (
    (ID_NUMBER, re.compile(rf"{_EDGE_L}\d{{17}}[\dXx]{_EDGE_R}")),
    # Registration authority, organisation type, six-digit region, then ten code characters.
    (
        USCC,
        re.compile(rf"{_EDGE_L}[0-9A-HJ-NPQRTUWXY]\d{{7}}[0-9A-HJ-NPQRTUWXY]{{10}}{_EDGE_R}", re.I),
    ),
    (
        MOBILE,
        re.compile(r"(?<![0-9A-Za-z+])(?:(?:\+|00)86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)"),
    ),
    (EMAIL, re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    # Bank cards and account numbers: 12 to 30 digits, optionally grouped by spaces or dashes.
    (ACCOUNT, re.compile(r"(?<![0-9A-Za-z-])\d{4}(?:[\s-]?\d){8,26}(?!\d)")),
)
_MASKS = {
    ID_NUMBER: mask_id_number,
    USCC: mask_id_number,
    MOBILE: mask_phone,
    EMAIL: mask_email,
    ACCOUNT: mask_account,
}
TOKEN_RE = re.compile(r"^k:(id|uscc|mobile|email|account):([0-9a-f]{64})$")


ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def resident_id_check_digit(body: str) -> str:
    """GB 11643 check digit of the first 17 digits."""
    return ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def uscc_check_char(body: str) -> str:
    """GB 32100 check character of the first 17 characters."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def _kind_of_18_digits(value: str) -> str:
    """18 digits are an ID number or a credit code: the check characters (and the ID number's
    birth date) decide; a number that passes neither counts as a (mistyped) ID number."""
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
        is_id = resident_id_check_digit(value[:17]) == value[17]
    except ValueError:
        is_id = False
    if not is_id and uscc_check_char(value[:17]) == value[17]:
        return USCC
    return ID_NUMBER


def normalise(kind: str, value: str) -> str:
    """The form of an identifier that is hashed: what the look-up columns were hashed from."""
    if kind == MOBILE:
        return re.sub(r"\D", "", value)[-11:]
    if kind == ACCOUNT:
        return re.sub(r"\D", "", value)
    if kind == EMAIL:
        return value.strip().lower()
    return value.strip().upper()


def find_identifier(text: str) -> tuple[str, str] | None:
    """The first identifier in `text` as (kind, normalised value), or None for free text."""
    for kind, pattern in _PATTERNS:
        match = pattern.search(text or "")
        if match:
            value = normalise(kind, match.group(0))
            if kind == ID_NUMBER and value.isdigit():
                kind = _kind_of_18_digits(value)
            return kind, value
    return None


def search_token(kind: str, value: str) -> str:
    """`k:<kind>:<hmac>`: stands for the identifier wherever a search is kept or shown."""
    return f"k:{kind}:{crypto.lookup_hash(normalise(kind, value))}"


def parse_token(token: str) -> tuple[str, str] | None:
    """(kind, keyed hash) of a token, or None if it is not one."""
    match = TOKEN_RE.match((token or "").strip())
    return (match.group(1), match.group(2)) if match else None


def mask_identifiers(text: str) -> str:
    """`text` with every identifier replaced by its masked form."""
    for kind, pattern in _PATTERNS:
        text = pattern.sub(lambda m, kind=kind: _MASKS[kind](m.group(0)), text)
    return text


def contact_key(value: str) -> str:
    """The form of a free-text contact (a phone, an e-mail, an address) that is hashed for exact
    matching: a mobile by its national digits, anything else with its spacing collapsed."""
    value = " ".join((value or "").split())
    found = find_identifier(value)
    if found and found[0] in (MOBILE, EMAIL) and len(value) <= len(found[1]) + 6:
        return found[1]  # the whole contact is one mobile or e-mail ("+86 138…", "ZW@…")
    return value.lower()


def mask_contact(value: str) -> str:
    """A free-text contact for display: identifiers masked; other text (an address) keeps only
    its first four characters, enough to recognise it."""
    value = " ".join((value or "").split())
    masked = mask_identifiers(value)
    if masked != value or len(value) <= 4:
        return masked if masked != value else "*" * len(value)
    return value[:4] + "*" * min(len(value) - 4, 8)


def contact_hash(value: str) -> str:
    """Keyed hash of a free-text contact for exact matching ("" for none)."""
    key = contact_key(value)
    return crypto.lookup_hash(key) if key else ""


def protect_contact(value: str) -> tuple[str, str, str]:
    """(ciphertext, keyed hash, masked copy) of a free-text contact; empty strings if none."""
    value = (value or "").strip()
    return crypto.encrypt(value), contact_hash(value), mask_contact(value)


class protected(property):  # noqa: N801 (used like `property`)
    """A model attribute kept only encrypted: reading decrypts `<name>_encrypted`; setting stores
    the ciphertext, the masked copy `<name>_masked` and the keyed hashes `hashes(value)` names
    (`{"hash": …}` sets `<name>_hash`). A property, so model constructors and factories take it
    like a field."""

    def __init__(self, mask, hashes=None):
        self.mask, self.hashes = mask, hashes
        super().__init__(self._read, self._write)

    def __set_name__(self, owner, name):
        self.name = name

    def _read(self, obj) -> str:
        return crypto.decrypt(getattr(obj, f"{self.name}_encrypted"))

    def _write(self, obj, value: str) -> None:
        value = (value or "").strip()
        setattr(obj, f"{self.name}_encrypted", crypto.encrypt(value))
        setattr(obj, f"{self.name}_masked", self.mask(value))
        for suffix, digest in (self.hashes(value) if self.hashes else {}).items():
            setattr(obj, f"{self.name}_{suffix}", digest)
