"""Helpers shared by the accounts and core tests: reading the audit log back, and TOTP codes."""

from __future__ import annotations

import re
from typing import Any

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from jinguo.core.models import AuditEntry


class AuditLog:
    """The audit rows written after a mark (the fixtures' own rows are left out)."""

    def __init__(self) -> None:
        self.mark = self._last_id()

    @staticmethod
    def _last_id() -> int:
        last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
        return last or 0

    def reset(self) -> None:
        self.mark = self._last_id()

    def entries(self, **filters: Any) -> list[AuditEntry]:
        return list(AuditEntry.objects.filter(id__gt=self.mark, **filters).order_by("id"))

    def rows(self, *fields: str, **filters: Any) -> list[tuple[Any, ...]]:
        fields = fields or ("event", "result", "username", "remote_addr")
        return list(AuditEntry.objects.filter(id__gt=self.mark, **filters).order_by("id").values_list(*fields))


def totp_code(device: TOTPDevice) -> str:
    """The code an authenticator app shows for `device` right now."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


_MESSAGE_RE = re.compile(r'<div class="alert alert-(\w+)[^"]*" role="alert">([^<]*)</div>')
_FIELD_ERROR_RE = re.compile(r'<div class="invalid-feedback[^"]*">([^<]*)</div>')


def flash_messages(response: Any) -> list[tuple[str, str]]:
    """The (level, text) of the messages shown at the top of a page."""
    return _MESSAGE_RE.findall(response.content.decode())


def field_errors(response: Any) -> list[str]:
    """The errors shown under the fields of a form, in page order."""
    return _FIELD_ERROR_RE.findall(response.content.decode())
