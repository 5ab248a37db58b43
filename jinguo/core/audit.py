"""Writing the audit log: one function for every event that is not a model change.

Model changes are written by django-auditlog into the same table (core.AuditEntry).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from json.encoder import encode_basestring
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.utils.encoding import smart_str

from . import bulk
from .context import current_request_info
from .crypto import EncryptedTextField
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
def _audited_fields(model: type[models.Model]) -> list[tuple[Any, Callable[[Mapping[str, Any]], Any] | None, bool]]:
    """(field, reader, masked) for the concrete fields django-auditlog records. The reader takes an
    object's attributes (its __dict__, or a row of core.bulk.insert_rows) and gives the value as
    auditlog writes it: the attribute itself (a foreign key's id); None where only auditlog's own
    conversion will do (date-times, JSON), which needs an object."""
    from auditlog.registry import auditlog

    spec = auditlog.get_model_fields(model)
    include, exclude, masked = spec["include_fields"], spec["exclude_fields"], spec["mask_fields"]
    out: list[tuple[Any, Callable[[Mapping[str, Any]], Any] | None, bool]] = []
    for f in model._meta.concrete_fields:
        if (include and f.name not in include) or f.name in exclude:
            continue
        generic = isinstance(f, (models.DateTimeField, models.JSONField)) or (
            f.is_relation and getattr(settings, "AUDITLOG_USE_FK_STRING_REPRESENTATION", False)
        )
        out.append((f, None if generic else operator.itemgetter(f.attname), f.name in masked))
    return out


def created_changes(obj: models.Model) -> dict[str, list[str]]:
    """The changes django-auditlog records when `obj` is created, in its form ({field: ["None",
    value]}, masked fields masked), for writers that create rows in bulk."""
    return _changes(obj._meta.model, vars(obj), obj)


def _changes(model: type[models.Model], attrs: Mapping[str, Any], obj: Any) -> dict[str, list[str]]:
    from auditlog.diff import get_field_value

    out: dict[str, list[str]] = {}
    for field, read, masked in _audited_fields(model):
        if read is not None:
            value = smart_str(read(attrs))
        else:
            if obj is None:  # a row: an object-like view of it for auditlog's conversion
                obj = SimpleNamespace(_meta=model._meta, **attrs)
            value = smart_str(get_field_value(obj, field))
        shown = _created_value(value, masked)
        if shown is not None:
            out[field.name] = ["None", shown]
    return out


def _created_value(value: str, masked: bool) -> str | None:
    """A created object's field as its audit row shows it (auditlog's string of it, masked for a
    sensitive field); None for no value, which the changes leave out."""
    if value == "None":
        return None
    return audit_mask(value) if masked else value


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
    model = objs[0]._meta.model
    _write_created(
        model,
        ((obj.pk, smart_str(obj), created_changes(obj)) for obj in objs),
        user=user,
        detail=detail,
        extra=extra,
    )


def record_created_rows(
    model: type[models.Model],
    rows: Sequence[Mapping[str, Any]],
    *,
    describe: Callable[[Mapping[str, Any]], str],
    user: Any,
    detail: dict[str, Any] | None = None,
    extra: Mapping[Any, dict[str, list[str]]] | None = None,
) -> None:
    """record_created for rows written by core.bulk.insert_rows (completed: with their primary
    keys, defaults and stamps); `describe(row)` is the object's str(), as the log shows it. The
    changes are built as JSON text, a field at a time for all rows (`_created_json`); on
    PostgreSQL, for the models whose audited fields all have an SQL form (`_changes_sql`), by
    the database from the rows just written, in one INSERT … SELECT a batch: the rows must be in
    the table already (inside bulk.pipelined() their COPY goes before it)."""
    if not rows:
        return
    pk = model._meta.pk
    assert pk is not None
    keys = [row[pk.attname] for row in rows]
    reprs = [describe(row) for row in rows]
    sql = _changes_sql(model) if connection.vendor == "postgresql" else None
    if sql is not None:
        _write_created_sql(model, sql, rows, keys, reprs, user=user, detail=detail, extra=extra)
        return
    _write_created(
        model,
        zip(keys, reprs, _created_json(model, rows, keys, extra or {}), strict=True),
        user=user,
        detail=detail,
        extra=None,
    )


def _created_json(
    model: type[models.Model],
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[Any],
    extra: Mapping[Any, dict[str, list[str]]],
) -> list[bulk.JsonText]:
    """What `_changes` gives for each row (and its `extra`), as JSON text, built a field at a
    time for all rows: each field's values converted once per distinct value (a batch shares its
    stamps, units, genders …) and encoded with json's own string encoder; each row's pieces joined
    (the loops over rows are map, zip and join)."""
    from auditlog.diff import get_field_value

    columns: list[list[str]] = []
    for field, read, masked in _audited_fields(model):
        prefix = f'{encode_basestring(field.name)}: ["None", '

        def piece(value: str, prefix: str = prefix, masked: bool = masked) -> str:
            shown = _created_value(value, masked)
            return "" if shown is None else prefix + encode_basestring(shown) + "]"  # "": left out

        if read is not None:
            raws = list(map(read, rows))
            table = {raw: piece(smart_str(raw)) for raw in set(raws)}
            columns.append(list(map(table.__getitem__, raws)))
            continue
        out: list[str] = []  # auditlog's own conversion, which wants an object
        memo: dict[Any, str] = {}
        for row in rows:
            raw = row.get(field.attname)
            hashable = not isinstance(raw, (dict, list))
            text = memo.get(raw) if hashable else None
            if text is None:
                text = piece(smart_str(get_field_value(SimpleNamespace(_meta=model._meta, **row), field)))
                if hashable:
                    memo[raw] = text
            out.append(text)
        columns.append(out)
    tails = [  # after: a later key wins, as in {**a, **b}
        ", ".join(
            f"{encode_basestring(name)}: {json.dumps(change, ensure_ascii=False)}"
            for name, change in extra.get(key, {}).items()
        )
        for key in keys
    ]
    columns.append(tails)
    return [bulk.JsonText("{" + ", ".join(filter(None, pieces)) + "}") for pieces in zip(*columns, strict=True)]


@cache
def _changes_sql(model: type[models.Model]) -> tuple[str, tuple[str, ...]] | None:
    """What `_changes` gives for a row, as an SQL expression of the row (alias t, its key r.pk)
    that PostgreSQL evaluates to the same JSON: {field: ["None", value]} for the fields with a
    value, masked fields as "******" (or "" for an empty one). Its parameters, in order, are one
    array of keys per masked field (the rows whose value is the text "None", which auditlog
    counts as no value and the database cannot see in the ciphertext), then the `extra` object
    {key: changes}. The attnames of the masked fields come with it. None when a field has no SQL
    form here (a JSON field, a decimal, an encrypted field that is not masked …): the caller
    builds the changes in Python then."""
    pk = model._meta.pk
    if not isinstance(pk, models.IntegerField) or not settings.USE_TZ:
        return None
    pieces: list[str] = []
    masked_names: list[str] = []
    for field, read, masked in _audited_fields(model):
        col = f"t.{connection.ops.quote_name(field.column)}"
        key = _sql_text(json.dumps(field.name) + ': ["None", ')  # '"name": ["None", '
        if masked:  # one parameter: the keys of the rows whose value is "None"
            shown = f"""CASE WHEN {col} = '' THEN '""' ELSE {_sql_text(json.dumps(audit_mask("x")))} END"""
            pieces.append(
                f"CASE WHEN {col} IS NULL OR r.pk = ANY(%s::bigint[]) THEN NULL ELSE {key} || {shown} || ']' END"
            )
            masked_names.append(field.attname)
            continue
        if isinstance(field, EncryptedTextField):
            return None
        # text that needs no JSON escaping (digits, dates, True/False) is quoted as it is; other
        # text goes through to_json (a call a value: a fifth of the import's audit rows' time)
        plain = True
        if isinstance(field, models.DateTimeField):  # str() of the naive date-time in UTC
            utc = f"({col} AT TIME ZONE 'UTC')"
            value = (
                f"to_char({utc}, 'YYYY-MM-DD HH24:MI:SS') "
                f"|| CASE WHEN to_char({utc}, 'US') = '000000' THEN '' ELSE to_char({utc}, '.US') END"
            )
        elif read is None:  # a JSON field, a related object's str()
            return None
        elif isinstance(field, models.BooleanField):
            value = f"CASE WHEN {col} THEN 'True' WHEN NOT {col} THEN 'False' END"
        elif isinstance(field, models.DateField):
            value = f"to_char({col}, 'YYYY-MM-DD')"
        elif isinstance(field, models.IntegerField) or (
            field.is_relation and isinstance(getattr(field, "target_field", None), models.IntegerField)
        ):
            value = f"{col}::text"
        elif isinstance(field, (models.CharField, models.TextField)):
            value, plain = f"NULLIF({col}, 'None')", False
        else:
            return None
        quoted = f"""'"' || {value} || '"'""" if plain else f"to_json({value})::text"
        pieces.append(f"{key} || {quoted} || ']'")  # NULL (left out) for no value
    if len(pieces) > 99:  # PostgreSQL's functions take at most 100 arguments
        return None
    # JSON text, parsed once by the cast: jsonb_build_object took twice as long in PostgreSQL
    expression = (
        f"('{{' || concat_ws(', ', {', '.join(pieces)}) || '}}')::jsonb "
        "|| COALESCE(%s::jsonb -> r.pk::text, '{}'::jsonb)"
    )
    return expression, tuple(masked_names)


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _write_created_sql(
    model: type[models.Model],
    sql: tuple[str, tuple[str, ...]],
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[int],
    reprs: Sequence[str],
    *,
    user: Any,
    detail: dict[str, Any] | None,
    extra: Mapping[Any, dict[str, list[str]]] | None,
) -> None:
    """The audit rows of rows written just before, built by PostgreSQL from `sql`, the changes'
    expression and the masked fields of `_changes_sql`."""
    expression, masked = sql
    nones = [[key for key, row in zip(keys, rows, strict=True) if row.get(name) == "None"] for name in masked]
    extras = json.dumps({str(key): changes for key, changes in (extra or {}).items()}, ensure_ascii=False)
    table = connection.ops.quote_name(model._meta.db_table)
    pk_field = model._meta.pk
    assert pk_field is not None
    pk = connection.ops.quote_name(str(pk_field.column))
    bulk.insert_select(
        AuditEntry,
        shared=_created_common(model, user, detail),
        select={
            "object_pk": ("r.pk::text", ()),
            "object_id": ("r.pk", ()),
            "object_repr": ("left(r.repr, 500)", ()),
            "changes": (expression, [*nones, extras]),
        },
        source=(
            "FROM unnest(%s::bigint[], %s::text[]) WITH ORDINALITY AS r(pk, repr, n) "
            f"JOIN {table} t ON t.{pk} = r.pk ORDER BY r.n"
        ),
        params=[list(keys), list(reprs)],
    )


def _write_created(
    model: type[models.Model],
    items: Iterable[tuple[Any, str, Any]],  # (pk, str(obj), changes: a dict or its JSON text)
    *,
    user: Any,
    detail: dict[str, Any] | None,
    extra: Mapping[Any, dict[str, list[str]]] | None,
) -> None:
    common = _created_common(model, user, detail)
    bulk.insert_rows(
        AuditEntry,
        [
            {
                "object_pk": str(pk),
                "object_id": pk if isinstance(pk, int) else None,
                "object_repr": text[:500],
                "changes": changes if extra is None else {**changes, **extra.get(pk, {})},
            }
            for pk, text, changes in items
        ],
        keys=False,
        shared=common,
    )


def _created_common(model: type[models.Model], user: Any, detail: dict[str, Any] | None) -> dict[str, Any]:
    """The values every `create` row of a bulk write shares: the event, the actor, the request."""
    from auditlog.cid import get_cid

    info = current_request_info()
    actor = user if user is not None and getattr(user, "is_authenticated", False) else None
    return {
        "event": AuditEvent.CREATE,
        "action": AuditEntry.Action.CREATE,
        "actor_id": actor.pk if actor else None,
        "username": actor.get_username() if actor else "",
        "content_type_id": ContentType.objects.get_for_model(model).pk,
        "cid": get_cid(),
        "remote_addr": info.ip if info else None,
        "path": info.path[:500] if info else "",
        "additional_data": detail or None,
    }
