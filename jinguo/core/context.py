"""The request that is being served, for the audit log and the access helpers.

Set by RequestContextMiddleware; empty in management commands and tasks, where the audit rows
carry no IP address.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING


@dataclass(frozen=True)
class RequestInfo:
    ip: str | None
    path: str
    method: str


_current: ContextVar[RequestInfo | None] = ContextVar("jinguo_request", default=None)


def set_request_info(info: RequestInfo | None):
    return _current.set(info)


def reset_request_info(token) -> None:
    _current.reset(token)


def current_request_info() -> RequestInfo | None:
    return _current.get()


def client_ip(request) -> str | None:
    """The client address. Behind a proxy, the proxy must set X-Real-IP (docs/deploy.md)."""
    from django.conf import settings

    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        real = request.META.get("HTTP_X_REAL_IP")
        if real:
            return real.strip()
    return request.META.get("REMOTE_ADDR")


if TYPE_CHECKING:
    from django.http import HttpRequest

    from jinguo.accounts.models import User

    class AuthedHttpRequest(HttpRequest):
        """A request whose user is logged in (views behind login_required, API behind auth)."""

        user: User
        auth: User
else:
    from django.http import HttpRequest as AuthedHttpRequest  # noqa: F401
