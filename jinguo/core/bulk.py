"""Inserting many rows of a model at once, for the writers that do (a ledger import).

On PostgreSQL the rows go in with COPY, its text formatted here a column at a time (`_column`):
their ids are taken from the table's sequence first (one query; none when the rows carry ids from
`reserve_keys`, or when nobody needs them, keys=False), so every object has its pk afterwards, as
with bulk_create. Inside `pipelined()` a writer thread runs the COPYs while the caller prepares
the next batch. Django's bulk_create on PostgreSQL passes each column as an array, and psycopg
escapes every element of a text array with a regular expression: for 100,000 persons that alone
took longer than the whole COPY. Elsewhere (SQLite) it is bulk_create.

Rows come as model objects (`insert`) or as mappings of attribute names to values
(`insert_rows`): a writer of 100,000 rows need not build 100,000 model objects, which took a fifth
of an import's commit. Values are what save() would write: each field's default for what a row
leaves out, the moment of writing for auto_now(_add), get_db_prep_save, the encrypted fields
encrypted (a column in one crypto.encrypt_many). For the field types whose database value on
PostgreSQL is the attribute itself (text, numbers, booleans, dates, foreign keys) the value is
taken as it is; `tests/test_bulk.py` proves the rows equal those of save(). No signals are sent,
as with bulk_create: callers write the audit rows themselves (core.audit.record_created,
record_created_rows). `insert_select` writes rows made by a query (on PostgreSQL an import's audit
rows are made from the persons it has just written), the other columns filled as here.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import gc
import ipaddress
import json
import queue
import re
import sys
import threading
import uuid
from collections.abc import Callable, Container, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import DatabaseError, connection, connections, models
from django.utils import timezone

from . import crypto
from .crypto import EncryptedTextField

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


def insert_rows(
    model: type[models.Model],
    rows: Sequence[dict[str, Any]],
    *,
    keys: bool = True,
    shared: Mapping[str, Any] | None = None,
) -> list[Any]:
    """Insert rows of `model`, each {attribute name: value} as the model's objects would hold them
    (`unit_id`, not `unit`), and return their primary keys in order. Each row is completed in
    place with what saving an object would have given it: the defaults of the fields it leaves
    out, the moment of writing for auto_now(_add) fields, its primary key (kept when the row has
    one already, see reserve_keys). With keys=False nobody needs the keys: on PostgreSQL the
    table's default gives them and the rows are not told (an audit row, a category row).

    `shared` holds the values every row has (an audit row's actor, event, request …), and the
    defaults of the fields neither it nor the first row names join it: they are formatted once
    for the whole batch and not copied into the rows."""
    if not rows:
        return []
    common = _with_defaults(model, shared, rows[0]) if shared is not None else {}
    missing = [(a, d) for a, d in _defaults(model) if a not in common]
    for row in rows:
        for attname, default in missing:
            if attname not in row:
                row[attname] = default()
    if connection.vendor != "postgresql":
        objs = [
            model(**{k: json.loads(v) if type(v) is JsonText else v for k, v in (common | row).items()}) for row in rows
        ]
        model._default_manager.bulk_create(objs, batch_size=BATCH)
        pk = _pk_attname(model)
        for row, obj in zip(rows, objs, strict=True):
            for attname in _stamped(model):
                row[attname] = getattr(obj, attname)
            row[pk] = obj.pk
        return [obj.pk for obj in objs]
    return _copy(model, [(row, _RowView(row, common)) for row in rows], keys=keys, shared=common)


class _RowView:
    """A row (and the values it shares with its batch) seen as an object, for the fields whose
    pre_save reads or sets attributes."""

    __slots__ = ("_row", "_shared")

    def __init__(self, row: dict[str, Any], shared: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_row", row)
        object.__setattr__(self, "_shared", shared)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._row[name]
        except KeyError:
            pass
        try:
            return self._shared[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._row[name] = value


def _with_defaults(model: type[models.Model], shared: Mapping[str, Any], given: Container[str]) -> dict[str, Any]:
    """A batch's shared values with the defaults of the fields that neither they nor `given` (a
    row's own attributes, the columns a query makes) name."""
    return {a: d() for a, d in _defaults(model) if a not in shared and a not in given} | dict(shared)


@cache
def _defaults(model: type[models.Model]) -> list[tuple[str, Callable[[], Any]]]:
    pk = model._meta.pk
    return [(f.attname, f.get_default) for f in model._meta.concrete_fields if f is not pk]


def _pk_attname(model: type[models.Model]) -> str:
    pk = model._meta.pk
    assert pk is not None
    return pk.attname


def _is_stamp(field: Any) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


@cache
def _stamped(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if _is_stamp(f)]


def reserve_keys(model: type[models.Model], count: int) -> list[Any] | None:
    """`count` primary keys taken from the table's sequence in one query (PostgreSQL), for a writer
    that sets them in its rows beforehand (insert_rows then asks for none); None elsewhere."""
    if connection.vendor != "postgresql" or count <= 0:
        return None
    meta = model._meta
    assert meta.pk is not None
    with connection.cursor() as cursor:
        # the sequence found once (OFFSET 0 keeps the planner from calling pg_get_serial_sequence,
        # a catalog look-up, for every key: 0.3-0.5 s of 100,000 keys against 0.08-0.13 s)
        cursor.execute(
            "SELECT nextval(s.seq) FROM (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq OFFSET 0) s, "
            "generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        return [value for (value,) in cursor.fetchall()]


def _copy(
    model: type[models.Model],
    rows: Sequence[tuple[dict[str, Any], Any]],
    *,
    keys: bool = True,
    shared: Mapping[str, Any] | None = None,
) -> list[Any]:
    """COPY the rows (PostgreSQL), each (its attributes, the object they belong to or a view of
    them). With `keys`, the rows without a primary key get one from the table's sequence first
    and every row's key is returned; without, the key column is left to its default.

    The COPY data is formatted here, column by column (core.bulk's own text format, see
    `_column`): the encrypted fields of the whole batch in one `crypto.encrypt_many`. Inside
    `pipelined()` the statement is handed to the writer thread instead of run here."""
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    ops = connection.ops
    fields = [f for f in meta.concrete_fields if keys or f is not pk]
    if keys:
        missing = [row for row, _ in rows if row.get(pk.attname) is None]
        if missing:
            for row, key in zip(missing, reserve_keys(model, len(missing)) or [], strict=True):
                row[pk.attname] = key
    table = ops.quote_name(meta.db_table)
    names = ", ".join(ops.quote_name(str(f.column)) for f in fields)
    real = connections[connection.alias]  # not the proxy: each field asks it for its ops
    now = timezone.now()
    columns = [
        _column(f, get, rows, real, now, shared or {}) for f, get in zip(fields, _getters(model, keys), strict=True)
    ]
    payload = "".join(["\t".join(line) + "\n" for line in zip(*columns, strict=True)]).encode()
    sql = f"COPY {table} ({names}) FROM STDIN"
    pipe = _PIPE.get()
    if pipe is not None:
        pipe.put(sql, payload)
    else:
        with connection.cursor() as cursor, connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            copy.write(payload)  # psycopg's errors raised as Django's, as inside pipelined()
    return [row[pk.attname] for row, _ in rows] if keys else []


Getter = Callable[[dict[str, Any], Any, Any, Any], Any]  # (attributes, object, connection, now)


@cache
def _getters(model: type[models.Model], keys: bool = True) -> list[Getter]:
    pk = model._meta.pk
    return [_getter(f) for f in model._meta.concrete_fields if keys or f is not pk]


class _Attribute:
    """The getter of a field whose value is the attribute itself; `_column` reads `attname`."""

    __slots__ = ("attname",)

    def __init__(self, attname: str) -> None:
        self.attname = attname

    def __call__(self, row: dict[str, Any], obj: Any, conn: Any, now: Any) -> Any:
        return row[self.attname]


# pre_save of these returns the attribute unchanged (when not auto_now): the value is enough
_PRE_SAVE_PLAIN = {models.Field.pre_save, models.DateField.pre_save, models.DateTimeField.pre_save}


def _getter(field: Any) -> Getter:
    attname = field.attname
    if _is_stamp(field):

        def stamped(row: dict[str, Any], obj: Any, conn: Any, now: Any) -> Any:
            # as pre_save(add=True): the moment of writing, one for the whole insert
            value = now if isinstance(field, models.DateTimeField) else timezone.localdate(now)
            row[attname] = value
            return value

        return stamped
    if type(field).pre_save not in _PRE_SAVE_PLAIN:  # it reads or sets the object's attributes
        if isinstance(field, models.GenericIPAddressField):  # the address as text, not an ip_address
            return lambda row, obj, conn, now: field.get_prep_value(field.pre_save(obj, True))
        return lambda row, obj, conn, now: field.get_db_prep_save(field.pre_save(obj, True), conn)
    if (
        isinstance(field, (EncryptedTextField, models.JSONField))  # _column encrypts or encodes those
        or (
            type(field).get_db_prep_save is models.Field.get_db_prep_save
            and type(field).get_prep_value in {c.get_prep_value for c in _PLAIN}
        )
        or (type(field) is models.ForeignKey and isinstance(field.target_field, models.AutoField))  # an id
    ):
        return _Attribute(attname)
    return lambda row, obj, conn, now: field.get_db_prep_save(getattr(obj, attname), conn)


def _column(
    field: Any, get: Getter, rows: Sequence[tuple[dict[str, Any], Any]], conn: Any, now: Any, shared: Mapping[str, Any]
) -> list[str]:
    """One column of the COPY data in PostgreSQL's text format: \\N for NULL, t/f, numbers, ISO
    dates and times (aware: with their offset), text with backslash, tab, newline and carriage
    return escaped; an encrypted field's values encrypted together (tokens need no escaping);
    a JSON field's value encoded with the field's encoder."""
    plain: str = getattr(get, "attname", "")  # most columns: the attribute, read without a call a row
    if plain in shared:  # a value of the batch (a row's own value wins)
        if not isinstance(field, EncryptedTextField) and not any(plain in row for row, _ in rows):
            return _column(field, get, [(dict(shared), None)], conn, now, {}) * len(rows)  # formatted once
        values = [row.get(plain, shared[plain]) for row, _ in rows]  # encrypted each with its own IV
    elif plain:
        values = [row[plain] for row, _ in rows]
    else:
        values = [get(row, obj, conn, now) for row, obj in rows]
    out = _texts(field, values)
    # escaping looked for in the whole column at once: ledgers hardly ever hold a tab or a backslash
    if _SPECIAL.search("".join([v for v in out if v is not None])):
        out = [None if v is None else v.translate(_ESCAPES) for v in out]
    return [NULL if v is None else v for v in out]


def _texts(field: Any, values: list[Any]) -> list[str | None]:
    """A column's values in PostgreSQL's text input form (not escaped for COPY), None for NULL."""
    if isinstance(field, EncryptedTextField):
        out = [_text(v) for v in values]  # None and "" are stored as they are
        full = [i for i, v in enumerate(values) if v is not None and v != ""]
        for i, token in zip(full, crypto.encrypt_many([str(values[i]) for i in full]), strict=True):
            out[i] = token  # url-safe base64: nothing to escape
    elif isinstance(field, models.JSONField):
        out = [v if v is None or type(v) is JsonText else json.dumps(v, cls=field.encoder) for v in values]
    else:
        out = [v if type(v) is str else _text(v) for v in values]  # text: no call
    return out


def insert_select(
    model: type[models.Model],
    *,
    shared: Mapping[str, Any],
    select: Mapping[str, tuple[str, Sequence[Any]]],
    source: str,
    params: Sequence[Any] = (),
) -> None:
    """PostgreSQL: INSERT INTO the model's table the rows of `SELECT … {source}`, where the columns
    of `select` ({attname: (SQL expression, its parameters)}) come from the query and every other
    column takes the value of `shared`, or its default, as insert_rows would write it (the
    moment of writing, a field's pre_save, encryption). Written by the writer thread inside
    pipelined(), after the statements handed to it before; run here otherwise. For rows made
    from rows just written (core.audit builds an import's audit rows from its persons)."""
    meta = model._meta
    real = connections[connection.alias]
    now = timezone.now()
    values = _with_defaults(model, shared, select)
    names: list[str] = []
    exprs: list[str] = []
    args: list[Any] = []
    for field, get in zip(meta.concrete_fields, _getters(model), strict=True):
        if field.attname in select:
            expr, expr_params = select[field.attname]
            exprs.append(expr)
            args.extend(expr_params)
        elif field is meta.pk:
            continue  # the table's default
        else:
            plain = getattr(get, "attname", "")
            value = values[plain] if plain else get(values, _RowView(values, {}), real, now)
            exprs.append(f"%s::{field.db_type(real)}")
            args.append(_texts(field, [value])[0])
        names.append(real.ops.quote_name(str(field.column)))
    sql = f"INSERT INTO {real.ops.quote_name(meta.db_table)} ({', '.join(names)}) SELECT {', '.join(exprs)} {source}"
    args.extend(params)
    pipe = _PIPE.get()
    if pipe is not None:
        pipe.put(sql, args)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, args)


def array_literal(values: Sequence[Any]) -> str:
    """A PostgreSQL array literal of the values ('{"a","b"}', '{1,2}'), all of one type (text,
    int or date, none of them None), to pass as one text parameter cast to an array type:
    psycopg's own list adaptation makes several Python calls per element, which for the 5,000
    keys of an import's look-up were most of the query's time. Text is quoted and escaped."""
    if not values:
        return "{}"
    kind = type(values[0])
    if kind is int:
        return "{" + ",".join(map(str, values)) + "}"
    if kind is dt.date:
        return "{" + ",".join(map(dt.date.isoformat, values)) + "}"
    texts = list(map(str, values))
    joined = "".join(texts)
    if "\\" in joined or '"' in joined:  # looked for once, in all of them
        texts = [t.replace("\\", "\\\\").replace('"', '\\"') for t in texts]
    return '{"' + '","'.join(texts) + '"}'


def write_bytes(model: type[models.Model], pk: Any, attname: str, data: bytes) -> None:
    """Set a binary column of one row to `data` (an import's plan: megabytes). On PostgreSQL the
    bytes go as a binary parameter: Django's client-side binding writes them into the statement
    as a hex literal, twice their size, which for a 16 MB plan took 0.4 s and 100 MB more memory
    (0.1 s and none this way)."""
    if connection.vendor != "postgresql":
        model._default_manager.filter(pk=pk).update(**{attname: data})
        return
    import psycopg

    table, column, key = _names(model, attname)
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %b WHERE {key} = %s", [data, pk])  # noqa: S608


def read_bytes(model: type[models.Model], pk: Any, attname: str) -> bytes | None:
    """A binary column of one row (write_bytes), on PostgreSQL read in binary."""
    if connection.vendor != "postgresql":
        value = model._default_manager.filter(pk=pk).values_list(attname, flat=True).first()
        return None if value is None else bytes(value)
    import psycopg

    table, column, key = _names(model, attname)
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {key} = %s", [pk], binary=True)  # noqa: S608
        found = cursor.fetchone()
    return None if found is None or found[0] is None else bytes(found[0])


def _names(model: type[models.Model], attname: str) -> tuple[str, str, str]:
    """The quoted table, column of `attname` and primary-key column of the model."""
    quote = connection.ops.quote_name
    field = next(f for f in model._meta.concrete_fields if f.attname == attname)
    pk = model._meta.pk
    assert pk is not None
    return quote(model._meta.db_table), quote(str(field.column)), quote(str(pk.column))


class JsonText(str):
    """A JSON field's value already encoded as JSON text (core.audit builds the changes of many
    rows this way), written as it is."""


NULL = "\\N"
_SPECIAL = re.compile(r"[\\\t\n\r]")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value: Any) -> str | None:
    """A value as COPY text, before escaping; None for NULL."""
    kind = type(value)
    if value is None:
        return None
    if kind is str:
        return value
    if kind is bool:
        return "t" if value else "f"
    if kind is int:
        return str(value)
    if kind is dt.datetime:
        if value.tzinfo is None:  # pragma: no cover - USE_TZ: every date-time is aware
            raise TypeError("naive datetime in a bulk write")
        return value.isoformat()
    if kind is dt.date:
        return value.isoformat()
    if isinstance(value, str):  # TextChoices and other str subclasses: their value
        return str.__str__(value)
    if isinstance(value, int):  # IntegerChoices
        return str(int(value))
    if isinstance(value, (float, Decimal, uuid.UUID, ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return str(value)
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):  # bytea in hex; its backslash escaped with the column's
        return "\\x" + bytes(value).hex()
    raise TypeError(f"core.bulk cannot write a {kind.__name__} value")


class _Pipe:
    """A thread of its own that runs the statements handed to it (a COPY with its data, or a
    statement with its parameters: insert_select), one after the other on the connection's
    psycopg connection, while the thread that formats them goes on with the next batch:
    PostgreSQL inserts and indexes one batch while Python prepares the next. Queries the
    preparing thread makes meanwhile (through Django) wait until the statements before them are
    done (`drain`, installed as an execute wrapper), so that they see their rows and two threads
    never use the connection at once. The first error stops the pipe and is raised there."""

    def __init__(self, raw: Any, depth: int = 3) -> None:
        self._raw = raw
        self._queue: queue.Queue[tuple[str, bytes | list[Any]] | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="bulk-copy", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                if self._error is None:
                    sql, data = item
                    with self._raw.cursor() as cursor:
                        if isinstance(data, bytes):  # a COPY and its data
                            with cursor.copy(sql) as copy:
                                copy.write(data)
                        else:  # a statement and its parameters
                            cursor.execute(sql, data)
            except BaseException as exc:  # noqa: BLE001 - handed to the other thread
                self._error = exc
            finally:
                self._queue.task_done()

    def put(self, sql: str, payload: bytes | list[Any]) -> None:
        self.check()
        self._queue.put((sql, payload))

    def drain(self) -> None:
        self._queue.join()
        self.check()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def check(self) -> None:
        """Raise the error of a statement that failed, once."""
        if self._error is not None:
            error, self._error = self._error, None
            with connection.wrap_database_errors:  # psycopg's errors as Django's (IntegrityError …)
                raise error


_PIPE: contextvars.ContextVar[_Pipe | None] = contextvars.ContextVar("bulk_pipe", default=None)


PIPE_SWITCH_INTERVAL = 0.0005  # seconds: sys.setswitchinterval inside pipelined()


@contextmanager
def pipelined() -> Iterator[None]:
    """Inside, insert/insert_rows hand their COPY to a writer thread (PostgreSQL; elsewhere
    nothing changes), and the foreign keys are checked as each statement ends (SET CONSTRAINTS
    ALL IMMEDIATE, inside the caller's transaction), by the writer, rather than all at the
    commit; they are deferred again on the way out. Everything is written when the block ends;
    an error of any statement is raised by the first query or write after it, or at the end."""
    if connection.vendor != "postgresql" or _PIPE.get() is not None:
        yield
        return
    if not connection.in_atomic_block:  # pragma: no cover - callers are actions, atomic
        raise RuntimeError("bulk.pipelined() needs a transaction")
    from psycopg.pq import TransactionStatus

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    pipe = _Pipe(connection.connection)
    token = _PIPE.set(pipe)
    # The writer needs the GIL for a moment each time the socket takes more of a COPY and each
    # time a statement ends; with Python's default 5 ms before a busy thread hands it over,
    # PostgreSQL waited for data or for its next statement: the commit took 7 % longer. Set back after.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, PIPE_SWITCH_INTERVAL))
    try:
        with connection.execute_wrapper(_drained(pipe)):
            yield
            pipe.drain()
    finally:
        sys.setswitchinterval(interval)
        _PIPE.reset(token)
        pipe.close()
        # every deferrable constraint of this schema is INITIALLY DEFERRED; an aborted transaction
        # takes no command (its rollback, to a savepoint or whole, restores the mode itself)
        if connection.connection.info.transaction_status != TransactionStatus.INERROR:
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _drained(pipe: _Pipe) -> Callable[..., Any]:
    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if not _UNDRAINED.get():
            pipe.drain()
            return execute(sql, params, many, context)
        pipe.check()
        try:  # between two of the writer's statements (psycopg lets one at a time use the connection)
            return execute(sql, params, many, context)
        except DatabaseError:
            pipe.check()  # a statement of the writer failed: that error, not "transaction aborted"
            raise

    return wrapper


_UNDRAINED: contextvars.ContextVar[bool] = contextvars.ContextVar("bulk_undrained", default=False)


@contextmanager
def undrained() -> Iterator[None]:
    """Inside pipelined(), queries that need not see what the writer has not written yet (an
    import's look-ups of rows it has not written, which leave its own rows out) run between the
    writer's statements instead of waiting for all of them. Elsewhere nothing changes."""
    token = _UNDRAINED.set(True)
    try:
        yield
    finally:
        _UNDRAINED.reset(token)


def flush() -> None:
    """Inside pipelined(): wait until everything handed to the writer is written, and raise its
    error if a statement failed. Elsewhere nothing to do."""
    pipe = _PIPE.get()
    if pipe is not None:
        pipe.drain()


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
