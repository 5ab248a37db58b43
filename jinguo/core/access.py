"""The one way to fetch a single scoped object: 404 for 'missing' and 'not yours' alike, and
every denial in the audit log."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.http import Http404

from .audit import record
from .errors import NOT_FOUND_MESSAGE
from .models import AuditEvent, AuditResult

M = TypeVar("M", bound=models.Model)


def get_scoped_or_404(queryset: models.QuerySet[M], user: Any, pk: Any) -> M:
    """`queryset` is already scoped to `user` (for_user). A miss is recorded as a denied access."""
    model = queryset.model
    try:
        key = int(pk)
    except (TypeError, ValueError):
        key = None
    obj = queryset.filter(pk=key).first() if key is not None else None
    if obj is None:
        record(
            AuditEvent.DENIED,
            user=user,
            model=model,
            object_pk=pk if pk is not None else "",
            result=AuditResult.DENIED,
        )
        raise Http404(NOT_FOUND_MESSAGE)
    return obj


def deny(user: Any, *, model: type[models.Model] | None = None, object_pk: Any = None, reason: str = "") -> Http404:
    """Record a refused action on an object the user may see but not change, and return the 404
    to raise (the same answer as for an object she cannot see)."""
    record(
        AuditEvent.DENIED,
        user=user,
        model=model,
        object_pk=object_pk,
        result=AuditResult.DENIED,
        detail={"reason": reason} if reason else None,
    )
    return Http404(NOT_FOUND_MESSAGE)
