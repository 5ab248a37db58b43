"""Errors that actions raise, with a message a cadre can read (Chinese)."""

from __future__ import annotations


class ActionError(Exception):
    """A write was refused for a reason the user can fix; `message` is shown as is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFoundOrDenied(Exception):
    """Raised by access helpers for 'missing' and 'not yours' alike; becomes a 404."""


NOT_FOUND_MESSAGE = "未找到该记录,或您无权访问"
