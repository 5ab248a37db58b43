"""Login events into the audit log. Django and axes announce them only as signals, so these
receivers do one thing: append the audit row."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from jinguo.core.audit import record
from jinguo.core.models import AuditEvent, AuditResult


@receiver(user_logged_in, dispatch_uid="jinguo_audit_login")
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(AuditEvent.LOGIN, user=user, obj=user)


@receiver(user_logged_out, dispatch_uid="jinguo_audit_logout")
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        reason = getattr(request, "jinguo_logout_reason", "")
        record(AuditEvent.LOGOUT, user=user, obj=user, detail={"reason": reason} if reason else None)


@receiver(user_login_failed, dispatch_uid="jinguo_audit_login_failed")
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    record(AuditEvent.LOGIN_FAILED, username=str(credentials.get("username", ""))[:150], result=AuditResult.FAILURE)


@receiver(user_locked_out, dispatch_uid="jinguo_audit_lockout")
def _locked_out(sender: Any, request: Any = None, username: str | None = None, **kwargs: Any) -> None:
    record(AuditEvent.LOCKOUT, username=(username or "")[:150], result=AuditResult.DENIED)
