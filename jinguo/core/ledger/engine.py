"""The import flow of every register: upload → dry run (an ImportJob with counts and every
refused row) → commit on confirmation, as a background task, all rows or none.

The dry run and the commit run the same analysis; the commit runs it again inside its
transaction and refuses to go on if the outcome differs from the preview the cadre confirmed
(someone changed the records in between). Each row is then written through the register's
`write`, i.e. the app's actions, which check everything once more; any refusal rolls the whole
import back and the job says which row stopped it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
import unicodedata
from collections.abc import Hashable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from operator import attrgetter
from typing import Any

from auditlog.context import set_actor
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.utils import timezone

from jinguo.accounts.scoping import scope_paths
from jinguo.core import bulk
from jinguo.core.audit import record
from jinguo.core.errors import ActionError
from jinguo.core.models import AuditEvent, AuditResult, ImportJob

from . import parallel
from .normalisers import CellError, Masked, parse_cell, text
from .plan import PlanWriter, decode_block, encode_block, open_plan, read_head, read_rows
from .reader import Header, Sheet, is_note_of, read_ledger
from .registry import ChangedSincePreview, Register, get_register, header_key

NEW, UPDATED, UNCHANGED, REFUSED = "new", "updated", "unchanged", "refused"
PREVIEW_UPDATES = 200
COMMIT_CHUNK = 10_000  # rows looked up at a time by the commit
FIRST_COMMIT_CHUNK = 2_000  # the first chunk: nothing is written until it is looked up
ROLLED_BACK = "导入已全部撤销,未写入任何数据"


@dataclass(slots=True)  # a commit holds every row of the file: 100,000 of them
class Row:
    number: int  # the sheet's row number, as Excel shows it
    cells: list[Any]  # the row as read (the reader's own list), for the refused-rows sheet
    values: dict[str, Any] = field(default_factory=dict)  # parsed, by column key (columns in the file)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column key, reason)
    refs: dict[str, Any] = field(default_factory=dict)  # what the register resolved (unit, codes …)
    target: Any = None  # the existing record this row is about
    changes: dict[str, Any] = field(default_factory=dict)
    status: str = NEW
    derived: dict[str, Any] | None = None  # what Register.derive gave in the dry run (the commit: from the plan)

    def refuse(self, key: str, reason: str) -> None:
        if (key, reason) not in self.errors:
            self.errors.append((key, reason))

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportContext:
    user: Any
    register: Register
    options: dict[str, Any]
    header: Header
    cache: dict[str, Any] = field(default_factory=dict)
    # the commit: what the preview promised each row, {row number: [status, id]}; None in the dry run
    promised: dict[int, list[Any]] | None = None
    today: dt.date = field(default_factory=timezone.localdate)

    def promised_new(self, number: int) -> bool:
        """The commit: the preview promised row `number` as a new record."""
        return self.promised is not None and self.promised.get(number, ("",))[0] == NEW

    def present(self, key: str) -> bool:
        return key in self.header.columns

    def label(self, key: str) -> str:
        """The column as the file names it (the declared header when the file has no such column)."""
        col = self.header.columns.get(key)
        if col is not None and col < len(self.header.labels) and self.header.labels[col]:
            return self.header.labels[col]
        if not key:
            return ""
        return self.register.column(key).header


@dataclass
class Analysis:
    ctx: ImportContext
    sheet_name: str
    rows: list[Row]
    plan: bytes = b""  # sealed: see plan.py

    def counts(self) -> dict[str, int]:
        out = {"total": len(self.rows), NEW: 0, UPDATED: 0, UNCHANGED: 0, REFUSED: 0}
        for r in self.rows:
            out[r.status] += 1
        return out

    def outcomes(self) -> dict[int, list[Any]]:
        """What the commit will do: {row number: [new or updated, id of the record it updates]}."""
        return outcomes(self.rows)


def outcomes(rows: Sequence[Row]) -> dict[int, list[Any]]:
    return {r.number: [r.status, getattr(r.target, "pk", None)] for r in rows if r.status in (NEW, UPDATED)}


# --- the analysis ----------------------------------------------------------------------------------


def _json_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def analyse(register: Register, user: Any, file_name: str, data: bytes, options: dict[str, Any]) -> Analysis:
    """The dry run: read the file, parse, check and derive every row (`_analyse_chunks`), then look
    up what it is about. A chunk of rows is looked up as soon as it is checked and written to the
    plan. For a register whose checks use no database (`look_up_aside`), the look-ups run in a
    thread of their own, on the same connection, and the chunks of a large file are parsed and
    checked in helper processes (core.ledger.parallel), two at once: PostgreSQL answers the
    look-ups while both cores check."""
    sheet, header = read_ledger(file_name, data, register)
    for column in register.columns:
        if column.required and column.key not in header.columns:  # pragma: no cover - the header needs them
            raise ActionError(f"表格中缺少“{column.header}”列")
    ctx = ImportContext(user=user, register=register, options=dict(options), header=header)
    first = header.index + 1
    helpers = parallel.helper_count(len(sheet.rows) - first) if register.look_up_aside else 0
    chunks = [(lo, min(len(sheet.rows), lo + LOOK_UP_CHUNK)) for lo in range(first, len(sheet.rows), LOOK_UP_CHUNK)]
    done: dict[int, tuple[list[Row], bytes]] = {}
    work = partial(_analyse_chunks, ctx, sheet, header)
    with parallel.Spread(work, chunks, helpers=helpers) as spread, _Aside(ctx, register.look_up_aside) as aside:
        for index, (rows, block) in spread:
            if helpers:  # the rows that passed, from the plan's block; those refused, as they came
                rows = [Row(number=n, cells=[], values=v, derived=d) for n, v, d in decode_block(block)] + [
                    Row(number=n, cells=[], values=v, errors=e) for n, v, e in rows
                ]
                rows.sort(key=attrgetter("number"))
            done[index] = (rows, block)
            aside.prepare([r for r in rows if r.ok])
    writer = PlanWriter()
    rows = []
    for index in sorted(done):  # file order
        chunk, block = done[index]
        rows += chunk
        writer.add_block(block)
    if not rows:
        raise ActionError("表格中没有数据行")
    _look_up(ctx, rows, prepared=True)
    # the cells of the refused rows, for the sheet to fix and import again (the rows of helpers came without)
    bare = [r for r in rows if r.status == REFUSED and not r.cells]
    cells = sheet.cells_of(r.number - 1 for r in bare)
    for row in bare:
        row.cells = cells[row.number - 1]
    return Analysis(ctx=ctx, sheet_name=sheet.name, rows=rows, plan=writer.finish(header, outcomes(rows)))


def _analyse_chunks(
    ctx: ImportContext, sheet: Sheet, header: Header, chunks: Iterator[parallel.Chunk], remote: bool
) -> Iterator[tuple[int, tuple[Any, bytes]]]:
    """The rows of each chunk (index, start, stop) of sheet rows, the chunks in increasing order:
    parsed, checked (every row: a cadre learns all that is wrong with it at once) and derived;
    for each chunk its rows and the plan's block of those that passed, as they are before the
    look-ups resolve references. The sheet is read forward once, from the first chunk. In a
    helper process (`remote`) only the refused rows go beside the block, as (number, values,
    errors): the caller takes the others from the block, and has the cells."""
    register = ctx.register
    lines: Iterator[tuple[int, list[Any]]] | None = None
    at = 0  # the index of the next line `lines` gives
    for index, start, stop in chunks:
        if lines is None:
            lines, at = enumerate(sheet.window(start, len(sheet.rows)), start=start), start
        if start > at:  # chunks another helper claimed
            next(itertools.islice(lines, start - at - 1, None), None)
        rows = _parse_rows(ctx, itertools.islice(lines, stop - start), header)
        at = stop
        passed = []
        for row in rows:
            register.check_row(ctx, row)
            if row.ok:
                row.derived = register.derive(ctx, row)
                if row.ok:
                    passed.append((row.number, row.values, row.derived))
        block = encode_block(passed)
        yield index, ([(r.number, r.values, r.errors) for r in rows if not r.ok] if remote else rows, block)


LOOK_UP_CHUNK = 5000  # rows the dry run hands to the look-ups at a time


class _Aside:
    """register.prepare of the dry run's chunks: here, or in a worker thread that shares this
    thread's database connection (Django's thread sharing, as its live-server tests do). The
    thread that hands the chunks over touches neither the database nor a row it has handed over
    until the block ends, which waits for every chunk and raises the first error."""

    def __init__(self, ctx: ImportContext, aside: bool) -> None:
        self.ctx = ctx
        self.pool: ThreadPoolExecutor | None = None
        self.futures: list[Future[None]] = []
        if aside:
            self.connection = connections[DEFAULT_DB_ALIAS]
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger-look-up")

    def __enter__(self) -> _Aside:
        if self.pool is not None:
            self.connection.inc_thread_sharing()
        return self

    def prepare(self, chunk: list[Row]) -> None:
        if not chunk:
            return
        if self.pool is None:
            self._look_up(chunk)
        else:
            self.futures.append(self.pool.submit(self._prepare, chunk))

    def _prepare(self, chunk: list[Row]) -> None:
        connections[DEFAULT_DB_ALIAS] = self.connection  # this thread's alias: the caller's connection
        self._look_up(chunk)

    def _look_up(self, chunk: list[Row]) -> None:
        self.ctx.register.prepare(self.ctx, chunk)
        for row in chunk:  # in the plan already, and the look-ups have used it: not kept for 100,000 rows
            row.derived = None

    def __exit__(self, *exc: object) -> None:
        if self.pool is None:
            return
        try:
            for future in self.futures:
                future.result()  # in order: the first error is raised
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.connection.dec_thread_sharing()


def _look_up(ctx: ImportContext, rows: list[Row], *, prepared: bool = False) -> None:
    """Resolve references, find each row's record (unless `prepared` already), refuse
    duplicates, and say what each row does."""
    register = ctx.register
    if not prepared:
        register.prepare(ctx, [r for r in rows if r.ok])
    _refuse_duplicates(register, rows)
    for row in rows:
        if row.ok and row.target is not None:
            row.changes = register.changes(ctx, row)
        elif row.ok:
            for key, value in row.values.items():
                if isinstance(value, Masked):  # a new record cannot be written from a masked value
                    row.refuse(key, f"{register.column(key).header}是脱敏后的值,无法导入,请填写完整内容")
        if not row.ok:
            row.status = REFUSED
        elif row.target is None:
            row.status = NEW
        else:
            row.status = UPDATED if row.changes else UNCHANGED


def _parse_rows(ctx: ImportContext, lines: Iterable[tuple[int, list[Any]]], header: Header) -> list[Row]:
    """Sheet rows, (index, cells) each, parsed, but blank rows, notes and the header repeated."""
    register = ctx.register
    columns = [(register.column(key), col) for key, col in header.columns.items()]
    first = columns[0][1]  # a header repeated on each printed page starts like the header
    header_keys = {col: header_key(header.labels[col]) for _, col in columns}
    rows: list[Row] = []
    leads = {header_keys[first][:1], header_keys[first][:1].upper()}
    for index, cells in lines:
        filled = [c for c in cells if c is not None and not (isinstance(c, str) and not c.strip())]  # is_blank
        if not filled or (len(filled) <= 2 and is_note_of(filled)):
            continue
        if _repeats_header(cells, first, header_keys, leads):
            continue
        row = Row(number=index + 1, cells=cells)
        values = row.values
        width = len(cells)
        for column, col in columns:
            raw = cells[col] if col < width else None
            if raw is None or raw == "":  # a blank cell, without a call (a ledger has many)
                value = None
            else:
                try:
                    value = parse_cell(raw, column)
                except CellError as exc:
                    row.refuse(column.key, exc.message)
                    continue
            if value is None and column.required:
                row.refuse(column.key, f"请填写{column.header}")
            values[column.key] = value
        rows.append(row)
    return rows


def _repeats_header(cells: list[Any], first: int, header_keys: dict[int, str], leads: set[str]) -> bool:
    """A header repeated on each printed page: its first known column names that column, and
    at least one more does too. `leads`: the first character of that column's key, in both
    cases: header_key only takes characters away and lowers the case, so a cell already in
    normal form without it is not the header (most cells: a name), told without header_key."""
    if first >= len(cells) or not isinstance(cells[first], str):
        return False
    cell = cells[first]
    if unicodedata.is_normalized("NFKC", cell) and not any(lead in cell for lead in leads):
        return False
    if header_key(cell) != header_keys[first]:
        return False
    return sum(1 for col, key in header_keys.items() if col < len(cells) and header_key(text(cells[col])) == key) >= 2


def _refuse_duplicates(register: Register, rows: Sequence[Row]) -> None:
    """Two rows about the same record: both refused, with both row numbers."""
    groups: dict[Hashable, list[Row]] = {}
    keys: dict[Hashable, str] = {}
    for row in rows:
        ident = register.identity(row)
        if ident is not None:
            key_column, key = ident
            groups.setdefault(key, []).append(row)
            keys[key] = key_column
    for key, group in groups.items():
        if len(group) > 1:
            numbers = "、".join(str(r.number) for r in group)
            for r in group:
                r.refuse(keys[key], register.duplicate_reason(keys[key], numbers))
    by_target: dict[Any, list[Row]] = {}
    for row in rows:
        if row.ok and row.target is not None:
            by_target.setdefault(row.target.pk, []).append(row)
    for group in by_target.values():
        if len(group) > 1:
            numbers = "、".join(str(r.number) for r in group)
            for r in group:
                r.refuse("", f"与文件中其他行是同一条记录(第{numbers}行)")


# --- what a job keeps -------------------------------------------------------------------------------


def _detail(analysis: Analysis) -> dict[str, Any]:
    ctx = analysis.ctx
    width = max([len(ctx.header.labels), *(len(r.cells) for r in analysis.rows if r.status == REFUSED)], default=0)
    labels = ctx.header.labels + [""] * (width - len(ctx.header.labels))
    refused = [
        {
            "number": r.number,
            "cells": [_json_cell(c) for c in r.cells] + [""] * (width - len(r.cells)),
            "name": text(r.values.get(_name_key(ctx)) or ""),
            "errors": [[ctx.label(k), reason] for k, reason in r.errors],
        }
        for r in analysis.rows
        if r.status == REFUSED
    ]
    updates = [
        {
            "number": r.number,
            "name": text(r.values.get(_name_key(ctx)) or ""),
            "columns": [ctx.label(k) for k in r.changes],
        }
        for r in analysis.rows
        if r.status == UPDATED
    ][:PREVIEW_UPDATES]
    missing = [c.header for c in ctx.register.columns if c.key not in ctx.header.columns]
    return {
        "sheet": analysis.sheet_name,
        "header_row": ctx.header.index + 1,
        "headers": labels,
        "ignored": ctx.header.ignored,
        "missing": missing,
        "refused": refused,
        "updates": updates,
    }


def _name_key(ctx: ImportContext) -> str:
    return ctx.register.name_column or ctx.register.columns[0].key


def job_detail(job: ImportJob) -> dict[str, Any]:
    return json.loads(job.detail) if job.detail else {}


def job_plan(job: ImportJob) -> bytes:
    """The rows the commit will write (see Analysis.plan), read from the database in binary (a
    job is loaded without them: Django would read 16 MB as hex text) and opened."""
    stored = bulk.read_bytes(ImportJob, job.pk, "plan_data")
    if not stored:
        raise ActionError("导入数据已不再保存,请重新上传文件")
    return open_plan(bytes(stored))


def refused_rows(job: ImportJob) -> list[dict[str, Any]]:
    """Every reason of every refused row: row number, column (as the file names it), reason."""
    return [
        {"row": r["number"], "column": column, "reason": reason}
        for r in job_detail(job).get("refused", [])
        for column, reason in r["errors"]
    ]


# --- actions ---------------------------------------------------------------------------------------


def can_import(user: Any, register: Register) -> bool:
    return bool(scope_paths(user, perm=register.import_perm))


def _check_options(user: Any, register: Register, options: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    unit_id = options.get("unit")
    if unit_id not in (None, ""):
        from jinguo.orgs.models import Unit

        unit = (
            Unit.objects.for_user(user, perm=register.import_perm).filter(pk=int(unit_id)).first()
            if str(unit_id).isdigit()
            else None
        )
        if unit is None or unit.is_closed:
            raise ActionError("默认所属单位不存在或不在您的管理范围内", field="unit")
        out["unit"] = unit.pk
    return out


@transaction.atomic
def do_preview_import(
    *, actor: Any, register: Register, file_name: str, data: bytes, options: dict[str, Any] | None = None
) -> ImportJob:
    """The dry run: read and check every row, write nothing but the job."""
    if not can_import(actor, register):
        raise ActionError("您无权导入该台账")
    clean_options = _check_options(actor, register, options or {})
    expire_previews()
    with bulk.gc_paused():  # till the rows are dropped: a collection would walk millions of objects
        analysis = analyse(register, actor, file_name, data, clean_options)
        counts = analysis.counts()
        job = ImportJob.objects.create(
            user=actor,
            register=register.slug,
            file_name=file_name[:200],
            file_size=len(data),
            options=clean_options,
            total_count=counts["total"],
            new_count=counts[NEW],
            updated_count=counts[UPDATED],
            unchanged_count=counts[UNCHANGED],
            refused_count=counts[REFUSED],
            detail=json.dumps(_detail(analysis), ensure_ascii=False),
        )
        plan = analysis.plan  # sealed (plan.py)
        del analysis
        bulk.write_bytes(ImportJob, job.pk, "plan_data", plan)
    job.plan_data = plan
    return job


def preview_days() -> int:
    return int(getattr(settings, "LEDGER_PREVIEW_DAYS", 7))


def expire_previews() -> int:
    """Previews nobody confirmed within LEDGER_PREVIEW_DAYS are cancelled and their file dropped:
    an uploaded ledger is not kept longer than it is needed."""
    cutoff = timezone.now() - dt.timedelta(days=preview_days())
    return ImportJob.objects.filter(
        status__in=[ImportJob.Status.PREVIEW, ImportJob.Status.FAILED], created_at__lt=cutoff
    ).update(
        status=ImportJob.Status.CANCELLED,
        plan_data=None,
        message=f"超过{preview_days()}天未确认,已自动取消",
        finished_at=timezone.now(),
    )


@transaction.atomic
def do_commit_import(*, actor: Any, job: ImportJob) -> ImportJob:
    """Queue the commit of a previewed import; the task starts once this transaction commits."""
    from .tasks import commit_import

    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.user_id != actor.pk:  # pragma: no cover - views fetch jobs through the owner's queryset
        raise ActionError("只能提交自己上传的导入")
    if not job.can_commit:
        if job.status == ImportJob.Status.COMMITTED:
            raise ActionError("该导入已完成,不能重复提交")
        if job.is_active:
            raise ActionError("该导入正在进行中")
        if job.status == ImportJob.Status.CANCELLED:
            raise ActionError("该导入已取消")
        raise ActionError("没有可导入的行:所有行都无变化或被拒绝")
    job.status = ImportJob.Status.QUEUED
    job.message = ""
    job.progress_done = 0
    job.progress_total = job.new_count + job.updated_count
    job.save(update_fields=["status", "message", "progress_done", "progress_total", "updated_at"])
    job_id = job.pk

    def enqueue() -> None:
        result = commit_import.enqueue(job_id)
        ImportJob.objects.filter(pk=job_id, task_id="").update(task_id=str(result.id)[:64])

    transaction.on_commit(enqueue)
    return job


@transaction.atomic
def do_cancel_import(*, actor: Any, job: ImportJob) -> ImportJob:
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not job.can_cancel:
        raise ActionError("该导入已完成或正在进行,不能取消")
    job.status = ImportJob.Status.CANCELLED
    job.plan_data = None
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "plan_data", "finished_at", "updated_at"])
    return job


# --- the commit (run by the task) --------------------------------------------------------------------


class Progress:
    """Writes the rows done to the job row while the import's transaction is open, through a
    connection of its own (autocommit) so that the page polling it sees the bar move. SQLite has
    one writer at a time: there the bar goes from 0 to 100 when the transaction commits."""

    def __init__(self, job_id: int, total: int) -> None:
        self.job_id, self.total = job_id, total
        self.step = max(1, total // 100)
        self.last = time.monotonic()
        self.side = None if connection.vendor == "sqlite" else connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, done: int) -> None:
        if self.side is None or (done % self.step and time.monotonic() - self.last < 1.0):
            return
        self.last = time.monotonic()
        table = self.side.ops.quote_name(ImportJob._meta.db_table)
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET progress_done = %s, updated_at = %s WHERE id = %s",  # noqa: S608 - names are ours
                [done, timezone.now(), self.job_id],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def run_commit(job_id: int) -> None:
    """Write every row the preview promised, in one transaction, or nothing."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now(), progress_done=0, updated_at=timezone.now()
    )
    if not claimed:
        return  # taken by another worker, or cancelled
    job = ImportJob.objects.select_related("user").defer("plan_data").get(pk=job_id)  # job_plan reads it
    register = get_register(job.register)
    try:
        if register is None:  # pragma: no cover - a register removed from the code
            raise ActionError("该台账已不存在")
        with set_actor(job.user), bulk.gc_paused(), transaction.atomic():
            written = _write_plan(register, job)
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.COMMITTED,
                progress_done=written,
                progress_total=written,
                finished_at=timezone.now(),
                updated_at=timezone.now(),
                plan_data=None,
            )
            record(
                AuditEvent.IMPORT,
                user=job.user,
                obj=job,
                detail={"register": job.register, "file": job.file_name, **job.counts},
            )
    except (ActionError, DatabaseError) as exc:
        reason = exc.message if isinstance(exc, ActionError) else "数据库写入失败"
        _fail(job, reason if isinstance(exc, ChangedSincePreview) else f"{reason}。{ROLLED_BACK}")
    except Exception:
        _fail(job, f"导入时发生内部错误。{ROLLED_BACK},请联系管理员")
        raise


def _write_plan(register: Register, job: ImportJob) -> int:
    """Write the rows the dry run promised. Each chunk of rows is looked up again and must come
    out as promised (someone may have changed the records since). A streaming register
    (PostgreSQL: people) takes the rows as each chunk passes, inside one bulk pipeline, so that a
    chunk is looked up while the ones before it are written; any other gets them all once every
    chunk has passed."""
    plan = job_plan(job)
    header, promised = read_head(plan)
    ctx = ImportContext(user=job.user, register=register, options=dict(job.options), header=header, promised=promised)
    ctx.cache["job"] = job
    progress = Progress(job.pk, len(promised))
    passed = 0

    def checked() -> Iterator[Row]:
        nonlocal passed
        wanted = (Row(number=n, cells=[], values=v, derived=d) for n, v, d in read_rows(plan) if n in promised)
        for chunk in _chunks(wanted, COMMIT_CHUNK, first=FIRST_COMMIT_CHUNK):
            with bulk.undrained():  # they need not see this import's writes: the register leaves them out
                _look_up(ctx, chunk)
            if any(promised[r.number] != [r.status, getattr(r.target, "pk", None)] for r in chunk):
                raise ChangedSincePreview()
            passed += len(chunk)
            yield from chunk

    try:
        if register.streaming:
            with bulk.pipelined():
                register.write_rows(ctx, checked(), progress)
        else:
            register.write_rows(ctx, list(checked()), progress)
        if passed != len(promised):  # pragma: no cover - a plan is written whole or not at all
            raise ChangedSincePreview()
        return passed
    finally:
        progress.close()


def _chunks(rows: Iterator[Row], size: int, *, first: int | None = None) -> Iterator[list[Row]]:
    """Lists of `size` rows (the first of `first`), the last one shorter."""
    chunk: list[Row] = []
    wanted = first or size
    for row in rows:
        chunk.append(row)
        if len(chunk) == wanted:
            yield chunk
            chunk, wanted = [], size
    if chunk:
        yield chunk


def _fail(job: ImportJob, message: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED,
        message=message,
        progress_done=0,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    record(
        AuditEvent.IMPORT,
        user=job.user,
        obj=job,
        result=AuditResult.FAILURE,
        detail={"register": job.register, "file": job.file_name, "message": message},
    )


# --- the refused rows, as a sheet to fix and import again ----------------------------------------------

REASON_HEADER = "拒绝原因"
ROW_HEADER = "原行号"


def refused_sheet(job: ImportJob) -> tuple[list[str], list[list[Any]]]:
    detail = job_detail(job)
    headers = [*detail.get("headers", []), REASON_HEADER, ROW_HEADER]
    rows = []
    for r in detail.get("refused", []):
        reason = ";".join(f"{column}:{why}" if column else why for column, why in r["errors"])
        rows.append([*r["cells"], reason, r["number"]])
    return headers, rows
