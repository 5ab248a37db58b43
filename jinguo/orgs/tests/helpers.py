"""Small readers for what the pages and files hand back, used by the unit-tree tests."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from openpyxl import Workbook, load_workbook

from jinguo.core.models import AuditEntry
from jinguo.orgs.models import Unit


def unit_snapshot() -> list[tuple[Any, ...]]:
    """Every unit as (pk, path, parent path, name, kind, code, established, closed, numchild)."""
    return [
        (u.pk, u.path, u.path[: -Unit.steplen], u.name, u.kind, u.division_code, u.federation_established,
         u.is_closed, u.numchild)
        for u in Unit.objects.order_by("pk")
    ]  # fmt: skip


def parent_of(unit: Unit) -> Unit | None:
    return Unit.objects.get_parent(Unit.objects.get(pk=unit.pk))


def flash(response: HttpResponse) -> list[tuple[str, str]]:
    """The flash messages added while serving this request (not older unread ones), as (level, text)."""
    storage: Any = get_messages(response.wsgi_request)  # type: ignore[attr-defined]
    return [(m.level_tag, str(m)) for m in storage._queued_messages]


def _body(page: HttpResponse | str) -> str:
    return page if isinstance(page, str) else page.content.decode()


def field_errors(page: HttpResponse | str) -> list[str]:
    """The errors shown under the form fields, in field order."""
    return re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', _body(page))


def alerts(page: HttpResponse | str) -> list[str]:
    """The text of every alert box (flash messages, form-wide errors)."""
    body = _body(page)
    return [re.sub(r"<[^>]+>", "", a).strip() for a in re.findall(r'role="alert">(.*?)</div>\s*(?:</div>|<)', body)]


def nodes(page: HttpResponse | str) -> list[tuple[int, str]]:
    """The units of a tree level (_nodes.html): (pk, name) in the order shown."""
    body = _body(page)
    found = re.findall(r'<li id="node-(\d+)">.*?<a href="/units/\d+/"[^>]*>(.*?)</a>', body, re.S)
    return [(int(pk), name) for pk, name in found]


def search_hits(page: HttpResponse | str) -> list[tuple[str, str]]:
    """Search results as (name, trail of ancestors)."""
    body = _body(page)
    items = re.findall(r'<a class="list-group-item list-group-item-action" href="/units/\d+/">(.*?)</a>', body, re.S)
    out = []
    for item in items:
        name = re.match(r"\s*<div>(.*?) <span", item, re.S)
        trail = re.search(r'<div class="small text-muted">(.*?)</div>', item)
        out.append((name.group(1) if name else "", trail.group(1) if trail else ""))
    return out


def audit_rows(event: str, **filters: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(event=event, **filters).order_by("pk"))


def model_of(entry: AuditEntry) -> str:
    """The model an audit row is about ('unit', 'unitimport' …), '' for none."""
    return entry.content_type.model if entry.content_type else ""


def unit_audit(event: str, unit: Unit) -> list[AuditEntry]:
    """Audit rows of one event about one unit."""
    return audit_rows(event, content_type__model="unit", object_pk=str(unit.pk))


def xlsx_file(rows: Sequence[Sequence[Any]], name: str = "名单.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    buf = io.BytesIO()
    book.save(buf)
    return SimpleUploadedFile(name, buf.getvalue())


def read_xlsx(content: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def coverage_sentence(page: HttpResponse | str) -> str:
    found = re.search(r'<p id="coverage-sentence">(.*?)</p>', _body(page), re.S)
    return found.group(1) if found else ""


def coverage_table(page: HttpResponse | str) -> list[tuple[str, ...]]:
    """Rows of the coverage table (kind, total, established, share), the 合计 row last."""
    found = re.search(r'<table class="table table-sm mb-0" id="coverage-table">(.*?)</table>', _body(page), re.S)
    assert found is not None
    body = found.group(1).split("</thead>", 1)[1]
    return [tuple(re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)) for row in re.findall(r"<tr>(.*?)</tr>", body)]


def children_list(page: HttpResponse | str) -> list[tuple[str, str, str]]:
    """The 下级单位 list of a unit page: (name, kind, federation badge); closed ones as '~name~'."""
    found = re.search(r'<div class="list-group list-group-flush" id="children">(.*?)\n      </div>', _body(page), re.S)
    assert found is not None
    out = []
    for closed, name, kind, badge in re.findall(
        r'<span( class="text-muted text-decoration-line-through")?>(.*?) <span class="badge text-bg-light">(.*?)</span>'
        r'</span>\s*<span><span class="badge text-bg-\w+">(.*?)</span>',
        found.group(1),
    ):
        out.append((f"~{name}~" if closed else name, kind, badge))
    return out


def preview_counts(page: HttpResponse | str) -> str:
    found = re.search(r'<p id="import-counts">(.*?)</p>', _body(page), re.S)
    assert found is not None
    return re.sub(r"<[^>]+>", "", found.group(1))


def preview_rows(page: HttpResponse | str) -> list[tuple[int, str, str]]:
    """The rows of an import preview as (row number, name, result)."""
    found = re.search(r'<table class="table table-sm table-bordered" id="import-rows">(.*?)</table>', _body(page), re.S)
    assert found is not None
    rows = []
    for row in re.findall(r"<tr[^>]*>\s*(<td>.*?)</tr>", found.group(1), re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        rows.append((int(cells[0]), cells[1], cells[5]))
    return rows
