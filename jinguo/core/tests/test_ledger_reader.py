"""Finding the header row of a ledger by itself: below title rows, in merged and two-level
headers, under other names, in the first sheet that has one; and what the reader skips."""

from __future__ import annotations

import datetime as dt

import pytest

from jinguo.core.errors import ActionError
from jinguo.core.ledger.reader import Sheet, find_header, is_note, read_ledger
from jinguo.core.ledger.registry import get_register, header_key
from jinguo.core.ledger.testing import xlsx_bytes


@pytest.fixture
def persons():
    register = get_register("persons")
    assert register is not None
    return register


def test_the_header_is_found_below_title_rows(persons):
    sheet = Sheet("s", [["留守儿童台账"], [], ["填报单位:东一社区"], ["序号", "姓名", "性别", "出生日期", "所属单位"]])
    header = find_header(sheet, persons)
    assert header is not None
    assert (header.index, header.columns, header.ignored) == (
        3,
        {"name": 1, "gender": 2, "birth_date": 3, "unit": 4},
        ["序号"],
    )


def test_headers_are_matched_by_their_aliases_and_without_marks_spaces_or_notes(persons):
    sheet = Sheet(
        "s", [["*儿童姓名", "性 别", "出生日期(年月日)", "身份证号码", "手机号码", "居住年限(年)", "所在社区"]]
    )
    header = find_header(sheet, persons)
    assert header is not None
    assert header.columns == {
        "name": 0,
        "gender": 1,
        "birth_date": 2,
        "id_number": 3,
        "phone": 4,
        "residence_years": 5,
        "unit": 6,
    }


def test_a_two_level_merged_header_is_read_as_one(persons):
    data = xlsx_bytes(
        [
            ["人员台账"],
            ["姓名", "性别", "监护人", None, None, "备注"],
            [None, None, "姓名", "关系", "电话", None],
            ["张晓燕", "女", "张丽", "母亲", "13900139000", ""],
        ],
        merges=["A1:F1", "A2:A3", "B2:B3", "C2:E2", "F2:F3"],
    )
    sheet, header = read_ledger("台账.xlsx", data, persons)
    assert (header.index, header.labels) == (2, ["姓名", "性别", "监护人姓名", "监护人关系", "监护人电话", "备注"])
    assert header.columns == {
        "name": 0,
        "gender": 1,
        "guardian_name": 2,
        "guardian_relation": 3,
        "guardian_phone": 4,
        "notes": 5,
    }
    assert sheet.rows[3] == ["张晓燕", "女", "张丽", "母亲", "13900139000", ""]


def test_a_merged_unit_cell_belongs_to_every_row_it_covers(persons):
    data = xlsx_bytes(
        [["姓名", "性别", "出生日期", "所属单位"], ["甲", "女", dt.date(2015, 1, 1), "东一社区"],
         ["乙", "女", dt.date(2015, 1, 2), None], ["丙", "女", dt.date(2015, 1, 3), None]],
        merges=["D2:D4"],
    )  # fmt: skip
    sheet, _ = read_ledger("台账.xlsx", data, persons)
    assert [r[3] for r in sheet.rows[1:]] == ["东一社区", "东一社区", "东一社区"]


def test_the_first_sheet_with_a_header_is_read(persons):
    data = xlsx_bytes(
        [["姓名", "性别", "出生日期"], ["张晓燕", "女", "2015-03-02"]],
        sheet="花名册",
        before=[("封面", [["东一社区留守儿童台账"], ["2026年"]])],
    )
    sheet, header = read_ledger("台账.xlsx", data, persons)
    assert (sheet.name, header.index) == ("花名册", 0)


def test_a_sheet_with_too_few_known_headers_is_not_taken_for_a_ledger(persons):
    assert find_header(Sheet("s", [["姓名", "电话号码簿"]]), persons) is None
    assert find_header(Sheet("s", [["性别", "出生日期", "民族"]]), persons) is None  # 姓名 is required


def test_no_header_anywhere_is_refused(persons):
    with pytest.raises(ActionError) as info:
        read_ledger("台账.csv", "甲,乙,丙\n1,2,3\n".encode(), persons)
    assert info.value.message == (
        "找不到表头:表格中需要有“姓名”等列(至少 3 个可识别的列名)。请下载模板,对照模板的列名修改表头"
    )


def test_a_file_with_too_many_rows_is_refused(persons, settings):
    settings.LEDGER_MAX_ROWS = 2
    with pytest.raises(ActionError) as info:
        read_ledger(
            "台账.csv", "姓名,性别,出生日期\n甲,女,2015-01-01\n乙,女,2015-01-01\n丙,女,2015-01-01\n".encode(), persons
        )
    assert info.value.message == "文件超过 2 行,请分成几个文件导入"


@pytest.mark.parametrize(
    ("cells", "note"),
    [
        (["填表人:张三", None, None, "审核人:李四"], True),
        (["合计", "", "", ""], True),
        (["注:身份证号请填写18位"], True),
        (["张晓燕", "女"], False),
        (["填表人", "女", "2015-01-01"], False),
        ([None, None], False),
    ],
)
def test_lines_under_the_table_are_notes_not_records(cells, note):
    assert is_note(cells) is note


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("出生日期(年月日)", "出生日期"),
        ("*姓名", "姓名"),
        ("姓 名", "姓名"),
        ("居住年限(年)", "居住年限"),
        ("(备注)", "(备注)"),
    ],
)
def test_header_keys(text, key):
    assert header_key(text) == key


def test_a_sheet_is_read_a_window_at_a_time_as_it_would_be_whole():
    """The rows of a workbook whose data starts at B3, with a merged unit cell across rows and a
    merged title: made into Python rows only as they are read, the same from any window."""
    from jinguo.core.ledger.reader import SheetRows, sheets

    data = xlsx_bytes(
        [
            [],
            [],
            [None, "东一社区台账"],
            [None, "姓名", "性别", "所属单位"],
            [None, "甲", "女", "东一社区"],
            [None, "乙", dt.date(2015, 1, 2), None],
            [None, "丙", 3.5, None, "备注"],
            [None, "丁", True, "东二社区"],
        ],
        merges=["B3:E3", "D5:D7"],
    )
    sheet = next(sheets("台账.xlsx", data))
    assert isinstance(sheet.rows, SheetRows)
    whole = [
        ["", "", "", "", ""],
        ["", "", "", "", ""],
        ["", "东一社区台账", "东一社区台账", "东一社区台账", "东一社区台账"],
        ["", "姓名", "性别", "所属单位", ""],
        ["", "甲", "女", "东一社区", ""],
        ["", "乙", dt.date(2015, 1, 2), "东一社区", ""],
        ["", "丙", 3.5, "东一社区", "备注"],
        ["", "丁", True, "东二社区", ""],
    ]
    assert (len(sheet.rows), list(sheet.rows), sheet.rows[-1], sheet.rows[2:4]) == (8, whole, whole[-1], whole[2:4])
    assert [list(sheet.window(start, start + 2)) for start in range(0, 8, 2)] == [
        whole[i : i + 2] for i in range(0, 8, 2)
    ]
    assert list(sheet.window(6, 99)) == whole[6:]
    assert sheet.cells_of([6, 5, 99]) == {5: whole[5], 6: whole[6]}
    with pytest.raises(IndexError):
        sheet.rows[8]
