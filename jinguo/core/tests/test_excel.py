"""Spreadsheets out with formula cells neutralised; spreadsheets in refused before they are read."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from openpyxl import load_workbook

from jinguo.core.errors import ActionError
from jinguo.core.excel import check_upload, neutralise, read_rows, write_xlsx

SHANGHAI = ZoneInfo("Asia/Shanghai")


def read_back(data: bytes) -> tuple[str, list[tuple]]:
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    return sheet.title, [tuple(row) for row in sheet.iter_rows(values_only=True)]


def refusal(name: str, data: bytes) -> str:
    with pytest.raises(ActionError) as info:
        check_upload(name, data)
    return info.value.message


def rezip(data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    """The workbook `data` with some parts replaced or added."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, (replace or {}).get(name, source.read(name)))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def good_workbook() -> bytes:
    return write_xlsx(["姓名", "电话"], [["张丽", "13800138000"]], title="花名册")


def sheet_xml(data: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")


# --- out ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ('=HYPERLINK("http://x.example","点我")', '\'=HYPERLINK("http://x.example","点我")'),
        ("+8613800138000", "'+8613800138000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("张丽", "张丽"),
        ("a=1", "a=1"),
        ("", ""),
        (-5, -5),
        (3.5, 3.5),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_write_xlsx_neutralises_formula_cells_and_keeps_everything_else():
    rows: list[list[Any]] = [
        ["=1+2", "+86 138", "-1", "@x", "\tx", "\rx"],
        ["张丽", 42, 3.5, None, dt.datetime(2026, 3, 8, 1, 30, tzinfo=dt.UTC), dt.date(2026, 3, 8)],
    ]
    title, cells = read_back(write_xlsx(["=头", "列2", "列3", "列4", "列5", "列6"], rows, title="审计日志"))
    assert title == "审计日志"
    assert cells == [
        ("'=头", "列2", "列3", "列4", "列5", "列6"),
        ("'=1+2", "'+86 138", "'-1", "'@x", "'\tx", "'\rx"),
        ("张丽", 42, 3.5, None, dt.datetime(2026, 3, 8, 9, 30), dt.datetime(2026, 3, 8, 0, 0)),
    ]


def test_write_xlsx_stores_text_as_text_never_as_a_formula():
    xml = sheet_xml(write_xlsx(["a"], [["=1+2"], ["SUM(A1)"]]))
    assert b"<f>" not in xml
    assert xml.count(b't="inlineStr"') == 3


def test_write_xlsx_cuts_a_long_sheet_title_to_excels_31_characters():
    title, _ = read_back(write_xlsx(["a"], [], title="很" * 40))
    assert title == "很" * 31


# --- in -----------------------------------------------------------------------------------------


def test_good_files_pass_the_check():
    assert check_upload("花名册.xlsx", good_workbook()) == "xlsx"
    assert check_upload("花名册.XLSX", good_workbook()) == "xlsx"
    assert check_upload("花名册.csv", "姓名,电话\n张丽,13800138000\n".encode()) == "csv"
    assert check_upload("花名册.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100) == "xls"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("花名册.xlsx", b"name,phone\n", "文件内容不是 .xlsx 格式,与扩展名不符,请用 Excel 另存为 .xlsx 后再上传"),
        (
            "花名册.xlsx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            "文件内容不是 .xlsx 格式,与扩展名不符,请用 Excel 另存为 .xlsx 后再上传",
        ),
        ("花名册.xls", b"PK\x03\x04rest", "文件内容不是 .xls 格式,与扩展名不符,请用 Excel 另存为 .xlsx 后再上传"),
        ("花名册.csv", b"PK\x03\x04rest", "文件内容不是文本 CSV,与扩展名不符"),
        ("花名册.csv", b"a,b\x00c", "文件内容不是文本 CSV,与扩展名不符"),
        ("花名册.docx", b"PK\x03\x04rest", "只支持 .xlsx、.xls 和 .csv 文件"),
        ("花名册", b"a,b", "只支持 .xlsx、.xls 和 .csv 文件"),
        ("花名册.xlsx", b"", "文件是空的"),
        ("花名册.xlsx", b"PK\x03\x04" + b"\x00" * 100, "文件已损坏,无法打开"),
    ],
)
def test_files_that_are_not_what_they_say_are_refused(name, data, message):
    assert refusal(name, data) == message


@override_settings(UPLOAD_MAX_BYTES=1024 * 1024)
def test_oversize_file_is_refused_before_anything_else():
    assert refusal("花名册.xlsx", b"x" * (1024 * 1024 * 3 // 2)) == "文件过大(1.5 MB),上限为 1 MB"
    assert check_upload("花名册.csv", b"x" * (1024 * 1024)) == "csv"


def test_default_upload_limit_is_20_mb():
    assert refusal("花名册.csv", b"x" * (20 * 1024 * 1024 + 1)) == "文件过大(20.0 MB),上限为 20 MB"


def test_workbook_with_an_entity_declaration_is_refused():
    lol = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
    data = rezip(good_workbook(), replace={"xl/worksheets/sheet1.xml": lol + sheet_xml(good_workbook())})
    assert refusal("花名册.xlsx", data) == "文件包含不允许的 XML 实体声明,已拒绝"


@pytest.mark.parametrize("padding", [b" " * 5000, b"<!--" + b"x" * 5000 + b"-->", b"<?pi " + b"y" * 9000 + b"?>"])
def test_entity_declaration_hidden_behind_a_long_prolog_is_refused_too(padding):
    doctype = b'<!DOCTYPE worksheet [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    part = b'<?xml version="1.0"?>' + padding + doctype + sheet_xml(good_workbook())
    data = rezip(good_workbook(), replace={"xl/worksheets/sheet1.xml": part})
    assert refusal("花名册.xlsx", data) == "文件包含不允许的 XML 实体声明,已拒绝"


def test_entity_declaration_in_a_relationship_part_is_refused():
    rels = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "y">]><Relationships/>'
    data = rezip(good_workbook(), replace={"_rels/.rels": rels})
    assert refusal("花名册.xlsx", data) == "文件包含不允许的 XML 实体声明,已拒绝"


def test_archive_with_too_many_parts_is_refused():
    data = rezip(good_workbook(), add={f"xl/media/{i}.bin": b"" for i in range(2000)})
    assert refusal("花名册.xlsx", data) == "文件结构异常(压缩包内文件过多),已拒绝"


def test_archive_that_would_unpack_to_a_huge_size_is_refused():
    data = rezip(good_workbook(), add={"xl/media/zeros.bin": b"\x00" * (40 * 1024 * 1024)})
    assert len(data) < 100 * 1024
    assert refusal("花名册.xlsx", data) == "文件解压后体积异常,已拒绝"


def test_workbook_with_a_broken_sheet_is_refused_with_a_message_not_an_error():
    broken = rezip(good_workbook(), replace={"xl/worksheets/sheet1.xml": sheet_xml(good_workbook())[:200]})
    with pytest.raises(ActionError) as info:
        read_rows("花名册.xlsx", broken)
    assert info.value.message == "文件已损坏或格式不受支持,无法读取"


def test_read_rows_reads_back_what_write_xlsx_wrote():
    data = write_xlsx(["姓名", "电话", "人数"], [["张丽", "13800138000", 3], ["=1+2", "", 4.5]])
    assert read_rows("花名册.xlsx", data) == [
        ["姓名", "电话", "人数"],
        ["张丽", "13800138000", "3"],
        ["'=1+2", "", "4.5"],
    ]


def test_read_rows_reads_gbk_csv():
    assert read_rows("花名册.csv", "姓名,电话\n张丽,１３８\n".encode("gb18030")) == [["姓名", "电话"], ["张丽", "138"]]
