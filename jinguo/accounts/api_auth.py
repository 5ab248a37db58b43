"""API authentication: a session (with the second factor where required) or a personal token."""

from __future__ import annotations

from typing import Any

from auditlog.context import auditlog_value
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from jinguo.core.audit import record
from jinguo.core.models import AuditEvent, AuditResult

from .models import ApiToken
from .otp import needs_second_factor


def _name_the_actor(user: Any) -> None:
    """AuditlogMiddleware captured an anonymous actor before the API authenticated the token;
    name the token's user for the change rows this request writes."""
    try:
        context = auditlog_value.get()
    except LookupError:
        return
    context["actor"] = user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        row = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash(token), revoked_at=None, user__is_active=True)
            .first()
        )
        if row is None:
            record(
                AuditEvent.LOGIN_FAILED,
                username=f"token:{token[:10]}",
                result=AuditResult.FAILURE,
                detail={"via": "api_token"},
            )
            return None
        if row.last_used_at is None or (timezone.now() - row.last_used_at).total_seconds() > 60:
            row.touch()
        request.user = row.user
        request.jinguo_token_auth = True  # type: ignore[attr-defined]
        _name_the_actor(row.user)
        return row.user


class SessionAuth(APIKeyCookie):
    """Django's session, CSRF-checked, and only once the second factor is passed."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if needs_second_factor(user) and not user.is_verified():
            return None
        return user
