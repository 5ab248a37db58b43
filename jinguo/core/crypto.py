"""Sensitive fields: encrypted at rest (MultiFernet, keys from the environment, newest first),
a keyed blind index (HMAC-SHA256) for look-up and de-duplication, and masking for display.

Rotation: put a new key first in FIELD_ENCRYPTION_KEYS; old values still decrypt with the older
keys, and `rotate()` re-encrypts a value under the newest key.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a wrong or missing key: never show ciphertext as data
        raise ValueError("encrypted value cannot be decrypted with the configured keys") from exc


def rotate(token: str) -> str:
    return fernet().rotate(token.encode()).decode()


def normalise_for_index(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().upper().replace(" ", "")


def blind_index(value: str | None, *, purpose: str) -> str | None:
    """A keyed hash of `value` for exact look-up; None for no value. `purpose` separates the
    indexes of different fields so that equal values in two fields do not match."""
    if not value:
        return None
    key = settings.BLIND_INDEX_KEY.encode()
    message = f"{purpose}:{normalise_for_index(value)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:40]


class EncryptedTextField(models.TextField):
    """A text column whose value is stored encrypted; it can be read and written, never searched
    (search goes through a blind index column beside it)."""

    description = "Encrypted text"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))


# --- masking -------------------------------------------------------------------------------------


def mask_id_number(value: str | None) -> str:
    """110105199001011234 -> 110105********1234."""
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 2, 0)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """13812345678 -> 138****5678; a landline keeps its first 3 and last 4 digits."""
    if not value:
        return ""
    if len(value) <= 7:
        return value[:1] + "*" * (len(value) - 1)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_address(value: str | None) -> str:
    """Keeps the first 6 characters (the area), hides the rest."""
    if not value:
        return ""
    return value[:6] + "****" if len(value) > 6 else value[:2] + "****"


def mask_text(value: str | None) -> str:
    return "******" if value else ""
