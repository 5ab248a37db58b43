"""Reading a ledger file: the cells as python-calamine gives them (a number stays a number, so
that an ID number Excel has rounded can be told apart), merged cells filled with their value,
and the header row found by itself below title rows, in the first sheet that has one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

from django.conf import settings
from python_calamine import CalamineError, CalamineWorkbook

from jinguo.core.errors import ActionError
from jinguo.core.excel import check_upload

from .normalisers import is_blank, text
from .registry import header_key

if TYPE_CHECKING:
    from .registry import Register

HEADER_SCAN_ROWS = 20
NOTE_WORDS = ("填表", "制表", "填报", "审核", "负责人", "注:", "注:", "说明", "合计", "总计", "备注:", "备注:")


@dataclass
class Sheet:
    """A sheet's rows (every row from the sheet's first, each from its first column, merged
    cells filled), a list or `SheetRows`; `window` and `cells_of` read them without making the
    whole sheet into Python objects."""

    name: str
    rows: Sequence[list[Any]]

    def window(self, start: int, stop: int) -> Iterator[list[Any]]:
        """Rows [start, stop), in order."""
        if isinstance(self.rows, SheetRows):
            return self.rows.window(start, stop)
        return iter(self.rows[start:stop])

    def cells_of(self, indices: Iterable[int]) -> dict[int, list[Any]]:
        """The rows at these indices (those that exist), in one pass."""
        wanted = sorted(set(indices))
        if not wanted:
            return {}
        if isinstance(self.rows, SheetRows):
            found: dict[int, list[Any]] = {}
            targets = set(wanted)
            for index, row in enumerate(self.rows.window(0, wanted[-1] + 1)):
                if index in targets:
                    found[index] = row
            return found
        return {i: self.rows[i] for i in wanted if i < len(self.rows)}


class SheetRows(Sequence[list[Any]]):
    """The rows of a python-calamine sheet as to_python(skip_empty_area=False) gives them
    (columns before the data padded with ""), made into Python lists only as they are read. A
    merged range carries its value in its first cell: every blank cell of the range gets it (a
    unit written once for ten rows belongs to all ten), within the cells that exist.

    python-calamine holds the parsed sheet in Rust memory; to_python made all of it Python
    objects at once (84 MB for a ledger of 100,000 rows), and the dry run's helper processes,
    forked from the web process, copied every page of them they touched. Each helper now makes
    the rows of its part of the file, a chunk at a time.

    Reading goes forward from the sheet's first row: `window` and `Sheet.cells_of` read many
    rows in one pass; an index past the first rows (the header's) reads up to it again."""

    def __init__(self, sheet: Any, merged: Sequence[Any]) -> None:
        self._sheet = sheet
        start, end = sheet.start, sheet.end
        self._pad = [""] * (start[1] if start else 0)
        self._len = end[0] + 1 if end else 0
        # merged ranges ((r0, c0), (r1, c1)) whose first cell is in the sheet
        self._merged = [((r0, c0), (r1, c1)) for (r0, c0), (r1, c1) in merged if r0 < self._len]
        self._head = list(self.window(0, min(self._len, HEADER_SCAN_ROWS + 1)))

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> list[Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[list[Any]]: ...
    def __getitem__(self, index: int | slice) -> list[Any] | list[list[Any]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._len))]
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError(index)
        if index < len(self._head):
            return self._head[index]
        return next(self.window(index, index + 1))  # reads the sheet from its start: use window()

    def window(self, start: int, stop: int) -> Iterator[list[Any]]:
        stop = min(stop, self._len)
        if start >= stop:
            return
        spans = [m for m in self._merged if m[0][0] < stop and m[1][0] >= start]  # reach into the window
        anchors = {m[0][0] for m in spans}
        values: dict[tuple[int, int], Any] = {}
        pad = self._pad
        for index, cells in enumerate(self._sheet.iter_rows()):  # from the sheet's first row
            if index >= stop:
                return
            if index < start and index not in anchors:
                continue
            row = pad + cells if pad else cells
            if index in anchors:
                for (r0, c0), _ in spans:
                    if r0 == index and c0 < len(row):
                        values[(r0, c0)] = row[c0]
            if index < start:
                continue
            for (r0, c0), (r1, c1) in spans:
                if r0 <= index <= r1 and (r0, c0) in values:
                    for c in range(c0, min(c1, len(row) - 1) + 1):
                        if (index, c) != (r0, c0) and is_blank(row[c]):
                            row[c] = values[(r0, c0)]
            yield row


@dataclass
class Header:
    index: int  # 0-based row index of the header row (its Excel row number is index + 1)
    columns: dict[str, int]  # column key -> 0-based column index
    labels: list[str]  # one label per column of the header row, as the file names it
    ignored: list[str]  # headers the register does not know


def max_rows() -> int:
    return int(getattr(settings, "LEDGER_MAX_ROWS", 200_000))


def decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ActionError("无法识别 CSV 文件的编码,请另存为 UTF-8 或 GBK")  # pragma: no cover - gb18030 takes any bytes


def sheets(name: str, data: bytes) -> Iterator[Sheet]:
    """The sheets of the file, checked before anything is read (core.excel.check_upload)."""
    kind = check_upload(name, data)
    if kind == "csv":
        yield Sheet(name, [list(r) for r in csv.reader(io.StringIO(decode_csv(data)))])
        return
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(book.sheet_names)
    except (CalamineError, ValueError, OSError, RuntimeError) as exc:
        raise ActionError("文件已损坏或格式不受支持,无法读取") from exc
    for sheet_name in names:
        try:
            sheet = book.get_sheet_by_name(sheet_name)  # parsed in Rust, the GIL released
            merged = getattr(sheet, "merged_cell_ranges", None) or []
            rows = SheetRows(sheet, merged)
        except (CalamineError, ValueError, OSError, RuntimeError) as exc:
            raise ActionError("文件已损坏或格式不受支持,无法读取") from exc
        yield Sheet(sheet_name, rows)


def _lookup(register: Register) -> dict[str, str]:
    out: dict[str, str] = {}
    for column in register.columns:
        for h in column.all_headers():
            out[header_key(h)] = column.key
    return out


def _match_row(rows: Sequence[list[Any]], index: int, lookup: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    """Columns named by row `index`, reading a two-level header too: a group header above
    ("监护人" over "姓名 关系 电话") is tried first with the cell below it ("监护人姓名")."""
    row = rows[index]
    above = rows[index - 1] if index > 0 else []
    found: dict[str, int] = {}
    labels: list[str] = []
    for col, cell in enumerate(row):
        own = text(cell)
        up = text(above[col]) if col < len(above) else ""
        candidates = []
        if up and own and up != own:
            candidates.append(up + own)
        if own:
            candidates.append(own)
        elif up:
            candidates.append(up)
        label = candidates[-1] if candidates else ""
        for candidate in candidates:
            key = lookup.get(header_key(candidate))
            if key is not None and key not in found:
                found[key] = col
                label = candidate
                break
        labels.append(label)
    return found, labels


def find_header(sheet: Sheet, register: Register) -> Header | None:
    lookup = _lookup(register)
    need = min(register.min_header_matches, len(register.columns))
    required = {c.key for c in register.columns if c.required}
    best: Header | None = None
    for index in range(min(HEADER_SCAN_ROWS, len(sheet.rows))):
        found, labels = _match_row(sheet.rows, index, lookup)
        if len(found) < need or not required <= set(found):
            continue
        if best is None or len(found) >= len(best.columns):
            used = set(found.values())
            ignored = [lab for col, lab in enumerate(labels) if col not in used and lab]
            best = Header(index=index, columns=found, labels=labels, ignored=ignored)
    return best


def is_note(cells: list[Any]) -> bool:
    """A line under the table such as 填表人:… 审核人:… or 合计, not a record."""
    return is_note_of([c for c in cells if not is_blank(c)])


def is_note_of(filled: list[Any]) -> bool:
    """is_note of a line given by its cells that are not blank."""
    if not filled or len(filled) > 2 or not isinstance(filled[0], str):
        return False
    return text(filled[0]).startswith(NOTE_WORDS)


def read_ledger(name: str, data: bytes, register: Register) -> tuple[Sheet, Header]:
    """The first sheet with a header row the register recognises."""
    for sheet in sheets(name, data):
        header = find_header(sheet, register)
        if header is not None:
            if len(sheet.rows) - header.index - 1 > max_rows():
                raise ActionError(f"文件超过 {max_rows()} 行,请分成几个文件导入")
            return sheet, header
    required = [c.header for c in register.columns if c.required]
    names = "、".join(f"“{h}”" for h in required)
    raise ActionError(
        f"找不到表头:表格中需要有{names}等列(至少 {register.min_header_matches} 个可识别的列名)。"
        "请下载模板,对照模板的列名修改表头"
    )
