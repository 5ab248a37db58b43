"""Writing the audit log: one function for every event that is not a model change.

Model changes are written by django-auditlog into the same table (core.AuditEntry).
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .context import current_request_info
from .models import AuditEntry, AuditEvent, AuditResult


def record(
    event: AuditEvent | str,
    *,
    user: Any = None,
    obj: models.Model | None = None,
    model: type[models.Model] | None = None,
    object_pk: str | int | None = None,
    result: AuditResult | str = AuditResult.SUCCESS,
    username: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one row to the audit log, with the IP and path of the request being served."""
    info = current_request_info()
    actor = user if user is not None and getattr(user, "is_authenticated", False) else None
    if obj is not None:
        # _meta, not type(): obj may be request.user, a SimpleLazyObject around the user.
        model = obj._meta.model
        object_pk = obj.pk
    content_type = ContentType.objects.get_for_model(model) if model is not None else None
    entry = AuditEntry(
        event=str(event),
        result=str(result),
        actor=actor,
        username=username or (actor.get_username() if actor else ""),
        content_type=content_type,
        object_pk="" if object_pk is None else str(object_pk),
        object_id=int(str(object_pk)) if str(object_pk or "").isdigit() else None,
        object_repr=str(obj)[:500] if obj is not None else "",
        remote_addr=info.ip if info else None,
        path=info.path[:500] if info else "",
        additional_data=detail or None,
    )
    entry.save()
    return entry
