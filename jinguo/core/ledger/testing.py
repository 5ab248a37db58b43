"""Helpers for the ledger tests of every app: spreadsheets built the way cadres build them (title
rows, merged cells, numbers where text belongs) and readers for what comes back."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from openpyxl import Workbook, load_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(
    rows: Sequence[Sequence[Any]],
    *,
    merges: Sequence[str] = (),
    sheet: str = "Sheet1",
    before: Sequence[tuple[str, Sequence[Sequence[Any]]]] = (),
) -> bytes:
    """A workbook whose sheet `sheet` holds `rows` (None for an empty cell) with the cell ranges in
    `merges` merged ("A1:S1"); `before` adds sheets in front of it (a cover sheet)."""
    book = Workbook()
    first = book.active
    assert first is not None
    for index, (title, content) in enumerate(before):
        ws = first if index == 0 else book.create_sheet()
        ws.title = title
        for row in content:
            ws.append(list(row))
    ws = book.create_sheet() if before else first
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    for cells in merges:
        ws.merge_cells(cells)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def upload_file(data: bytes, name: str = "台账.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=XLSX)


def read_xlsx(data: Any) -> list[tuple[Any, ...]]:
    """The first sheet's rows (of bytes or a response), as openpyxl reads the values back."""
    content = data if isinstance(data, bytes) else data.content
    book = load_workbook(io.BytesIO(content))
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def number_formats(data: Any, row: int) -> list[str]:
    content = data if isinstance(data, bytes) else data.content
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    return [c.number_format for c in sheet[row]]


def job_id_of(response: HttpResponse) -> int:
    """The job a redirect after upload points to (/ledgers/imports/<id>/)."""
    match = re.fullmatch(r"/ledgers/imports/(\d+)/", response["Location"])
    assert match, response["Location"]
    return int(match.group(1))


def counts_shown(page: HttpResponse) -> dict[str, int]:
    body = page.content.decode()
    return {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)<', body)}


def refused_shown(page: HttpResponse) -> list[tuple[str, str, str, str]]:
    """The refused-rows table of the preview: (row number, name, column, reason), one per reason;
    the row number and name are repeated for a row's second and later reasons."""
    body = page.content.decode()
    table = re.search(r'<table[^>]*id="refused-rows">(.*?)</table>', body, re.S)
    if table is None:
        return []
    out: list[tuple[str, str, str, str]] = []
    number = name = ""
    for tr in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        if not cells:
            continue
        if len(cells) == 4:
            number, name = cells[0], cells[1]
            cells = cells[2:]
        out.append((number, name, cells[0], cells[1]))
    return out


def count_helpers(monkeypatch: Any) -> list[int]:
    """A list that gets, for each dry run from now on, how many helper processes it forked
    (core.ledger.parallel.Spread): a test of the helpers proves they ran."""
    from .parallel import Spread

    forked: list[int] = []
    enter = Spread.__enter__

    def counted(self: Spread) -> Spread:
        out = enter(self)
        forked.append(len(self._processes))
        return out

    monkeypatch.setattr(Spread, "__enter__", counted)
    return forked
