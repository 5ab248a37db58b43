"""Spreadsheets in and out, safely. Issue 3 grows this into the ledger engine; the unit tree
import and the audit export use it already.

In: the file is checked before it is read (size, that it is what its extension says, archive
bounds, no XML entity declarations), then read with python-calamine. Out: openpyxl in
write-only mode, every text cell that a spreadsheet would take for a formula neutralised.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from typing import IO, Any
from xml.parsers import expat

from django.conf import settings
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from python_calamine import CalamineError, CalamineWorkbook

from .errors import ActionError

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_ZIP_ENTRIES = 2000
MAX_UNCOMPRESSED = 300 * 1024 * 1024
MAX_RATIO = 200
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _size(n: int, *, exact: bool = False) -> str:
    """A byte count as a cadre reads it: '20 MB', '1.5 MB', '500 KB' ('20.0 MB' when exact)."""
    if n >= 1024 * 1024:
        text = f"{n / 1048576:.1f}"
        return (text if exact else text.removesuffix(".0")) + " MB"
    return f"{max(n, 1) / 1024:.0f} KB"


def _limit() -> int:
    return int(getattr(settings, "UPLOAD_MAX_BYTES", 20 * 1024 * 1024))


def check_size(size: int) -> None:
    """Refuse a file over the limit (settings.UPLOAD_MAX_BYTES) before it is even read."""
    limit = _limit()
    if size > limit:
        raise ActionError(f"文件过大({_size(size, exact=True)}),上限为 {_size(limit)}")


def check_upload(name: str, data: bytes) -> str:
    """Refuse a file before reading it; returns its kind: 'xlsx', 'xls' or 'csv'."""
    check_size(len(data))
    if not data:
        raise ActionError("文件是空的")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext == "xlsx":
        if not data.startswith(XLSX_MAGIC):
            raise ActionError("文件内容不是 .xlsx 格式,与扩展名不符,请用 Excel 另存为 .xlsx 后再上传")
        check_archive(data)
        return "xlsx"
    if ext == "xls":
        if not data.startswith(XLS_MAGIC):
            raise ActionError("文件内容不是 .xls 格式,与扩展名不符,请用 Excel 另存为 .xlsx 后再上传")
        return "xls"
    if ext == "csv":
        if data.startswith((XLSX_MAGIC, XLS_MAGIC)) or b"\x00" in data[:4096]:
            raise ActionError("文件内容不是文本 CSV,与扩展名不符")
        return "csv"
    raise ActionError("只支持 .xlsx、.xls 和 .csv 文件")


def check_archive(data: bytes) -> None:
    """An OOXML file (xlsx, docx) as a zip: bounded entries and size, no XML entity declarations."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ActionError("文件已损坏,无法打开") from exc
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ActionError("文件结构异常(压缩包内文件过多),已拒绝")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED or total > MAX_RATIO * max(len(data), 1) + 10 * 1024 * 1024:
        raise ActionError("文件解压后体积异常,已拒绝")
    for info in infos:
        if info.filename.endswith((".xml", ".rels")):
            with archive.open(info) as fh:
                if _declares_doctype(fh):
                    raise ActionError("文件包含不允许的 XML 实体声明,已拒绝")


class _PrologEnd(Exception):
    pass


def _declares_doctype(fh: IO[bytes]) -> bool:
    """Whether an XML part has a DOCTYPE, the only place entities can be declared. The whole prolog
    is read, however long the comments or spaces in it (a fixed-size head can be padded past), and
    nothing after it: the parse stops at the first element."""
    parser = expat.ParserCreate()
    found: list[bool] = []

    def doctype(*_args: Any) -> None:
        found.append(True)
        raise _PrologEnd

    def element(*_args: Any) -> None:
        raise _PrologEnd

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = element
    try:
        while chunk := fh.read(65536):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _PrologEnd:
        pass
    except expat.ExpatError as exc:
        raise ActionError("文件已损坏,无法打开") from exc
    return bool(found)


def normalise(value: Any) -> Any:
    """Full-width to half-width, stray spaces away, integral floats to their digits."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return str(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        return value
    text = unicodedata.normalize("NFKC", str(value))
    return " ".join(text.split())


def read_rows(name: str, data: bytes) -> list[list[Any]]:
    """The first sheet as rows of normalised cells (the row index + 1 is the Excel row number)."""
    kind = check_upload(name, data)
    if kind == "csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes any byte string
            raise ActionError("无法识别 CSV 文件的编码,请另存为 UTF-8 或 GBK")
        return [[normalise(c) for c in row] for row in csv.reader(io.StringIO(text))]
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError, RuntimeError) as exc:
        raise ActionError("文件已损坏或格式不受支持,无法读取") from exc
    return [[normalise(c) for c in row] for row in rows]


def neutralise(value: Any) -> Any:
    """A text cell that starts like a formula is prefixed with an apostrophe-like quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_xlsx(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str = "Sheet1",
    text_columns: Sequence[int] = (),
    widths: Sequence[int] = (),
) -> bytes:
    """Rows to .xlsx (write-only, streamed). `text_columns` (0-based) are formatted as text, so
    that what is typed there later stays text (an ID number Excel would round); `widths` in
    characters."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    as_text = set(text_columns)
    for index, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    for index in as_text:
        sheet.column_dimensions[get_column_letter(index + 1)].number_format = "@"
    bold = Font(bold=True)
    header_cells = []
    for h in headers:
        cell = WriteOnlyCell(sheet, value=neutralise(h))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        out = []
        for index, value in enumerate(row):
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                value = timezone.localtime(value).replace(tzinfo=None)
            cell = WriteOnlyCell(sheet, value=neutralise(value))
            if isinstance(value, str):
                cell.data_type = "s"
            if index in as_text:
                cell.number_format = "@"
            elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                cell.number_format = "yyyy-mm-dd"
            out.append(cell)
        sheet.append(out)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
