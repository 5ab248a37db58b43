"""Inserting many rows of a model at once, for the writers that do (a ledger import).

On PostgreSQL the rows go in with COPY: their ids are taken from the table's sequence first (one
query), so every object has its pk afterwards, as with bulk_create. Django's bulk_create on
PostgreSQL passes each column as an array, and psycopg escapes every element of a text array with
a regular expression: for 100,000 persons that alone took longer than the whole COPY. Elsewhere
(SQLite) it is bulk_create.

Values are what save() would write: each field's pre_save (auto_now_add, defaults) and
get_db_prep_save (encryption of the encrypted fields). For the field types whose database value on
PostgreSQL is the attribute itself (text, numbers, booleans, dates, foreign keys) the attribute is
taken as it is; `tests/test_bulk.py` proves the rows equal those of save(). No signals are sent,
as with bulk_create: callers write the audit rows themselves (core.audit.record_created).
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
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    ops = connection.ops
    fields = list(meta.concrete_fields)
    table = ops.quote_name(meta.db_table)
    columns = ", ".join(ops.quote_name(str(f.column)) for f in fields)
    getters = _getters(model)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(objs)],
        )
        for obj, (value,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = value
        real = connections[connection.alias]  # not the proxy: each field asks it for its ops
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([get(obj, real, now) for get in getters])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


Getter = Callable[[models.Model, Any, Any], Any]


@cache
def _getters(model: type[models.Model]) -> list[Getter]:
    return [_getter(f) for f in model._meta.concrete_fields]


def _getter(field: Any) -> Getter:
    attname = field.attname
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):

        def stamped(obj: models.Model, conn: Any, now: Any) -> Any:
            # as pre_save(add=True): the moment of writing, one for the whole insert
            value = now if isinstance(field, models.DateTimeField) else timezone.localdate(now)
            setattr(obj, attname, value)
            return value

        return stamped
    if type(field).get_db_prep_save is models.Field.get_db_prep_save and type(field).get_prep_value in {
        c.get_prep_value for c in _PLAIN
    }:
        return lambda obj, conn, now: getattr(obj, attname)
    return lambda obj, conn, now: field.get_db_prep_save(field.pre_save(obj, True), conn)


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
