"""Personal data at rest: Fernet encryption plus a keyed hash (HMAC) for exact look-up.

FIELD_ENCRYPTION_KEY may list several comma-separated Fernet keys: the first encrypts, all
decrypt (key rotation). The look-up hash is keyed by the first key.
"""

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(keys: str) -> MultiFernet:
    return MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])


def encrypt(value: str) -> str:
    if not value:
        return ""
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: wrong FIELD_ENCRYPTION_KEY") from exc


def encrypt_bytes(data: bytes) -> bytes:
    """A file at rest (an export built ahead of its download)."""
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token)
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: wrong FIELD_ENCRYPTION_KEY") from exc


def lookup_hash(value: str) -> str:
    """Deterministic keyed hash of a normalised value, for unique constraints and exact search."""
    key = settings.FIELD_ENCRYPTION_KEY.split(",")[0].strip().encode()
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()
