"""Writing the audit log: one function for every event that is not a model change.

Model changes are written by django-auditlog into the same table (core.AuditEntry).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.encoding import smart_str

from . import bulk
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


@cache
def _audited_fields(model: type[models.Model]) -> list[tuple[str, Callable[[models.Model], Any], bool]]:
    """(name, value as django-auditlog writes it, masked) for the concrete fields it records."""
    from auditlog.diff import get_field_value
    from auditlog.registry import auditlog

    spec = auditlog.get_model_fields(model)
    include, exclude, masked = spec["include_fields"], spec["exclude_fields"], spec["mask_fields"]
    out: list[tuple[str, Callable[[models.Model], Any], bool]] = []
    for f in model._meta.concrete_fields:
        if (include and f.name not in include) or f.name in exclude:
            continue
        read: Callable[[models.Model], Any]
        if isinstance(f, (models.DateTimeField, models.JSONField)) or (
            f.is_relation and getattr(settings, "AUDITLOG_USE_FK_STRING_REPRESENTATION", False)
        ):
            read = functools.partial(_generic, get_field_value, field=f)  # auditlog's own conversion
        else:  # its conversion of these fields: smart_str of the attribute (a foreign key's id)
            read = operator.attrgetter(f.attname)
        out.append((f.name, read, f.name in masked))
    return out


def _generic(get_field_value: Callable[..., Any], obj: models.Model, *, field: models.Field[Any, Any]) -> Any:
    return get_field_value(obj, field)


def created_changes(obj: models.Model) -> dict[str, list[str]]:
    """The changes django-auditlog records when `obj` is created, in its form ({field: ["None",
    value]}, masked fields masked), for writers that create rows in bulk."""
    out: dict[str, list[str]] = {}
    for name, read, masked in _audited_fields(obj._meta.model):
        value = smart_str(read(obj))
        if value != "None":
            out[name] = ["None", audit_mask(value) if masked else value]
    return out


def audit_mask(value: str) -> str:
    """How a sensitive field's value stands in the audit log (AUDITLOG_MASK_CALLABLE): that there was
    one, never any of its characters. django-auditlog's own mask keeps the second half of the value
    (9 digits of an ID number), which the audit admin, who may not read records, would see."""
    return value if value in ("", "None") else "******"


def record_created(
    objs: Sequence[models.Model],
    *,
    user: Any,
    detail: dict[str, Any] | None = None,
    extra: Mapping[Any, dict[str, list[str]]] | None = None,
) -> None:
    """One `create` row per object, as django-auditlog writes for a save(), for objects written
    in bulk (which sends no signals); `extra` adds changes to the rows of some objects (by pk)."""
    if not objs:
        return
    from auditlog.cid import get_cid

    info = current_request_info()
    model = objs[0]._meta.model
    content_type = ContentType.objects.get_for_model(model)
    actor = user if user is not None and getattr(user, "is_authenticated", False) else None
    username = actor.get_username() if actor else ""
    cid = get_cid()
    bulk.insert(
        [
            AuditEntry(
                event=AuditEvent.CREATE,
                action=AuditEntry.Action.CREATE,
                actor=actor,
                username=username,
                content_type=content_type,
                object_pk=str(obj.pk),
                object_id=obj.pk if isinstance(obj.pk, int) else None,
                object_repr=smart_str(obj)[:500],
                changes={**created_changes(obj), **(extra or {}).get(obj.pk, {})},
                cid=cid,
                remote_addr=info.ip if info else None,
                path=info.path[:500] if info else "",
                additional_data=detail or None,
            )
            for obj in objs
        ]
    )
