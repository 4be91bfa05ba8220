"""Formatting for people: amounts in 万/亿 (Chinese) or with separators (English), masking."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import get_language

WAN = Decimal(10_000)
YI = Decimal(100_000_000)


def _q(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_amount(value, *, language: str | None = None) -> str:
    """1234567.8 → "123.46万" in Chinese, "1,234,567.80" in English. None → "—"."""
    if value is None or value == "":
        return "—"
    value = Decimal(str(value))
    language = language or get_language() or "zh-hans"
    if not language.startswith("zh"):
        return f"{_q(value, 2) + 0:,}"  # + 0 turns -0.00 into 0.00
    sign, magnitude = ("-" if value < 0 else ""), abs(value)
    # A value that rounds up to the next unit takes it: 99,999,999.999 is 1.00亿, not 10,000.00万.
    if magnitude >= YI or _q(magnitude / WAN, 2) >= WAN:
        return f"{sign}{_q(magnitude / YI, 2):,}亿"
    if magnitude >= WAN or _q(magnitude, 2) >= WAN:
        return f"{sign}{_q(magnitude / WAN, 2):,}万"
    shown = _q(magnitude, 2)
    return f"{'' if shown == 0 else sign}{shown:,}"


def mask_name(name: str) -> str:
    """张伟 → 张*, 欧阳娜娜 → 欧***; Latin names keep the first letter of each word."""
    if not name:
        return ""
    if name.isascii():
        return " ".join(w[0] + "*" * (len(w) - 1) for w in name.split())
    return name[0] + "*" * (len(name) - 1)


def mask_id_number(value: str) -> str:
    """110105194912310021 → 110***********0021."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str) -> str:
    """13812345678 → 138****5678 (keeps a +86 prefix if present)."""
    if not value:
        return ""
    digits = value[-11:]
    prefix = value[:-11]
    if len(digits) < 7:
        return "*" * len(value)
    return f"{prefix}{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_email(value: str) -> str:
    """zhang.wei@example.com → z***@example.com."""
    if not value or "@" not in value:
        return mask_id_number(value)
    local, domain = value.split("@", 1)
    return f"{local[0]}***@{domain}"


def mask_account(value: str) -> str:
    """6222021234567890123 → ****0123."""
    if not value:
        return ""
    return "****" + value[-4:]
