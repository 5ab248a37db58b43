"""A register's list out as .xlsx: the ledger's own headers (so that the file can be edited and
imported again), the rows in the user's scope and on screen, sensitive values masked unless the
user may reveal them at the record's unit, every formula-like cell neutralised, and the export
written to the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone

from jinguo.accounts.scoping import scope_paths
from jinguo.core.audit import record
from jinguo.core.errors import ActionError
from jinguo.core.excel import XLSX_CONTENT_TYPE, write_xlsx
from jinguo.core.models import AuditEvent

from .registry import Column, Register

GENDER_LABELS = {"F": "女", "M": "男"}


def display(column: Column, value: Any) -> Any:
    """A value as the ledger writes it: labels for codes, 是/否, lists joined with 、."""
    if value is None:
        return ""
    if column.type == "choice":
        return column.label_of(value)
    if column.type == "gender":
        return GENDER_LABELS.get(value, value)
    if column.type == "bool":
        return "是" if value else "否"
    if column.type == "list":
        return "、".join(str(v) for v in value)
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)):
        return value
    return str(value)


def can_export(user: Any, register: Register) -> bool:
    return bool(scope_paths(user, perm=register.export_perm))


def _rows(register: Register, user: Any, objects: Iterable[Any], tally: dict[str, int]) -> Iterator[list[Any]]:
    reveal = scope_paths(user, perm=register.reveal_perm)
    sensitive = any(c.sensitive for c in register.columns)
    for obj in objects:
        values = register.export_values(obj)
        whole = sensitive and any(register.unit_path_of(obj).startswith(p) for p in reveal)
        tally["rows"] += 1
        tally["revealed"] += int(whole)
        yield [
            display(c, values.get(c.key) if whole or not c.sensitive else c.mask(values.get(c.key)))
            for c in register.columns
        ]


def export_xlsx(register: Register, user: Any, params: Mapping[str, Any]) -> tuple[bytes, int]:
    """The file and its row count; audited (AuditEvent.EXPORT with the filters and the count)."""
    if not can_export(user, register):
        raise ActionError("您无权导出该台账")
    queryset, filters = register.export_queryset(user, params)
    objects = queryset.iterator(chunk_size=2000) if hasattr(queryset, "iterator") else queryset
    tally = {"rows": 0, "revealed": 0}
    content = write_xlsx(
        register.headers,
        _rows(register, user, objects, tally),
        title=register.title,
        text_columns=[i for i, c in enumerate(register.columns) if c.as_text],
        widths=[c.width for c in register.columns],
    )
    record(
        AuditEvent.EXPORT,
        user=user,
        model=register.model,
        detail={
            "register": register.slug,
            "filters": filters,
            "rows": tally["rows"],
            "revealed": tally["revealed"],
        },
    )
    return content, tally["rows"]


def template_xlsx(register: Register, user: Any) -> bytes:
    """An empty ledger with one example row of fictitious values."""
    rows = [[display(c, ex.get(c.key)) for c in register.columns] for ex in register.example_rows(user)]
    return write_xlsx(
        register.headers,
        rows,
        title=register.title,
        text_columns=[i for i, c in enumerate(register.columns) if c.as_text],
        widths=[c.width for c in register.columns],
    )


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def export_filename(register: Register) -> str:
    return f"{register.title}-{timezone.localdate():%Y%m%d}.xlsx"
