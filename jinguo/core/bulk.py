"""Inserting many rows of a model at once, for the writers that do (a ledger import).

On PostgreSQL the rows go in with COPY: their ids are taken from the table's sequence first (one
query), so every object has its pk afterwards, as with bulk_create. Django's bulk_create on
PostgreSQL passes each column as an array, and psycopg escapes every element of a text array with
a regular expression: for 100,000 persons that alone took longer than the whole COPY. Elsewhere
(SQLite) it is bulk_create.

Rows come as model objects (`insert`) or as mappings of attribute names to values
(`insert_rows`): a writer of 100,000 rows need not build 100,000 model objects, which took a fifth
of an import's commit. Values are what save() would write: each field's default for what a row
leaves out, the moment of writing for auto_now(_add), get_db_prep_save (encryption of the
encrypted fields). For the field types whose database value on PostgreSQL is the attribute itself
(text, numbers, booleans, dates, foreign keys) the value is taken as it is; `tests/test_bulk.py`
proves the rows equal those of save(). No signals are sent, as with bulk_create: callers write the
audit rows themselves (core.audit.record_created, record_created_rows).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

from django.db import connection, connections, models
from django.utils import timezone

BATCH = 1000

# Field classes whose get_db_prep_save on PostgreSQL returns the attribute unchanged (for values of
# the attribute's own type, which is what the models hold after their actions have cleaned them).
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.DateField,  # DateTimeField too: psycopg adapts aware datetimes itself
    models.ForeignKey,
    models.AutoField,
)


def insert(objs: Sequence[models.Model]) -> None:
    """Insert the objects (all of one model, none saved yet) and set their primary keys."""
    if not objs:
        return
    model = objs[0]._meta.model
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=BATCH)
        return
    _copy(model, [(vars(obj), obj) for obj in objs])  # an object's attributes are its __dict__
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def insert_rows(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> list[Any]:
    """Insert rows of `model`, each {attribute name: value} as the model's objects would hold them
    (`unit_id`, not `unit`), and return their primary keys in order. Each row is completed in
    place with what saving an object would have given it: the defaults of the fields it leaves
    out, the moment of writing for auto_now(_add) fields, its primary key."""
    if not rows:
        return []
    for row in rows:
        _complete(model, row)
    if connection.vendor != "postgresql":
        objs = [model(**row) for row in rows]
        model._default_manager.bulk_create(objs, batch_size=BATCH)
        pk = _pk_attname(model)
        for row, obj in zip(rows, objs, strict=True):
            for attname in _stamped(model):
                row[attname] = getattr(obj, attname)
            row[pk] = obj.pk
        return [obj.pk for obj in objs]
    return _copy(model, [(row, _RowView(row)) for row in rows])


class _RowView:
    """A row seen as an object, for the fields whose pre_save reads or sets attributes."""

    __slots__ = ("_row",)

    def __init__(self, row: dict[str, Any]) -> None:
        object.__setattr__(self, "_row", row)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._row[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._row[name] = value


def _complete(model: type[models.Model], row: dict[str, Any]) -> None:
    for attname, default in _defaults(model):
        if attname not in row:
            row[attname] = default()


@cache
def _defaults(model: type[models.Model]) -> list[tuple[str, Callable[[], Any]]]:
    pk = model._meta.pk
    return [(f.attname, f.get_default) for f in model._meta.concrete_fields if f is not pk]


def _pk_attname(model: type[models.Model]) -> str:
    pk = model._meta.pk
    assert pk is not None
    return pk.attname


@cache
def _stamped(model: type[models.Model]) -> list[str]:
    return [
        f.attname
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]


def _copy(model: type[models.Model], rows: Sequence[tuple[dict[str, Any], Any]]) -> list[Any]:
    """COPY the rows (PostgreSQL), each (its attributes, the object they belong to or a view of
    them), their primary keys taken from the table's sequence first and set in each row; returns
    the keys."""
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    ops = connection.ops
    table = ops.quote_name(meta.db_table)
    columns = ", ".join(ops.quote_name(str(f.column)) for f in meta.concrete_fields)
    getters = _getters(model)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(rows)],
        )
        keys = [value for (value,) in cursor.fetchall()]
        for (row, _), key in zip(rows, keys, strict=True):
            row[pk.attname] = key
        real = connections[connection.alias]  # not the proxy: each field asks it for its ops
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row, obj in rows:
                copy.write_row([get(row, obj, real, now) for get in getters])
    return keys


Getter = Callable[[dict[str, Any], Any, Any, Any], Any]  # (attributes, object, connection, now)


@cache
def _getters(model: type[models.Model]) -> list[Getter]:
    return [_getter(f) for f in model._meta.concrete_fields]


# pre_save of these returns the attribute unchanged (when not auto_now): the value is enough
_PRE_SAVE_PLAIN = {models.Field.pre_save, models.DateField.pre_save, models.DateTimeField.pre_save}


def _getter(field: Any) -> Getter:
    attname = field.attname
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):

        def stamped(row: dict[str, Any], obj: Any, conn: Any, now: Any) -> Any:
            # as pre_save(add=True): the moment of writing, one for the whole insert
            value = now if isinstance(field, models.DateTimeField) else timezone.localdate(now)
            row[attname] = value
            return value

        return stamped
    if type(field).pre_save not in _PRE_SAVE_PLAIN:  # it reads or sets the object's attributes
        return lambda row, obj, conn, now: field.get_db_prep_save(field.pre_save(obj, True), conn)
    if type(field).get_db_prep_save is models.Field.get_db_prep_save and type(field).get_prep_value in {
        c.get_prep_value for c in _PLAIN
    }:
        return lambda row, obj, conn, now: row[attname]
    return lambda row, obj, conn, now: field.get_db_prep_save(row[attname], conn)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cycle collector paused while a large import builds its objects. Its full
    collections walk every live object, and an import of 100,000 rows keeps a few million alive:
    measured, a fifth of the commit went to them. The objects have few cycles; what they do have
    is collected when the collector resumes."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
