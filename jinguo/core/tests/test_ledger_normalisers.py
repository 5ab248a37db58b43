"""One cell to one value, by the column's type: every form a cadre's spreadsheet produces is read,
anything else is refused with a reason that says what to write instead."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jinguo.core.errors import ActionError
from jinguo.core.ledger.normalisers import CellError, Masked, parse_cell, text
from jinguo.core.ledger.registry import Column

DATE = Column("birth_date", "出生日期", "date")
GENDER = Column("gender", "性别", "gender")
BOOL = Column("dropped_out", "是否辍学", "bool")
YEARS = Column("years", "居住年限", "int", bounds=(0, 120), unit_word="年")
COUNT = Column("count", "人数", "int")
NAME = Column("name", "姓名", max_length=4)
LIST = Column("categories", "人员类别", "list")
CHOICE = Column(
    "education",
    "文化程度",
    "choice",
    choices=(("none", "未上学"), ("senior", "高中/中专"), ("bachelor", "本科")),
    choice_aliases={"大学本科": "bachelor"},
)
ID = Column("id_number", "身份证号", "id_number", sensitive="id_number")
PHONE = Column("phone", "联系电话", "phone", sensitive="phone")


def refused(value: Any, column: Column) -> str:
    with pytest.raises(CellError) as info:
        parse_cell(value, column)
    return info.value.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2015, 3, 2), dt.date(2015, 3, 2)),
        (dt.datetime(2015, 3, 2, 0, 0), dt.date(2015, 3, 2)),
        (42065.0, dt.date(2015, 3, 2)),  # an Excel date serial in a cell without a date format
        (42065, dt.date(2015, 3, 2)),
        ("42065", dt.date(2015, 3, 2)),  # the same serial in a CSV
        ("2015-03-02", dt.date(2015, 3, 2)),
        ("2015-3-2", dt.date(2015, 3, 2)),
        ("2015/3/2", dt.date(2015, 3, 2)),
        ("2015.3.2", dt.date(2015, 3, 2)),
        ("2015年3月2日", dt.date(2015, 3, 2)),
        ("2015年03月02日", dt.date(2015, 3, 2)),
        ("2015 年 3 月 2 日", dt.date(2015, 3, 2)),
        ("２０１５年３月２日", dt.date(2015, 3, 2)),  # full-width digits
        ("20150302", dt.date(2015, 3, 2)),
        (20150302, dt.date(2015, 3, 2)),
        ("2015-03-02 00:00:00", dt.date(2015, 3, 2)),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_dates_in_every_form_a_ledger_holds(value, expected):
    assert parse_cell(value, DATE) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2015年3月", "出生日期“2015年3月”缺少日,请填写完整的年月日,如 2015-03-02"),
        ("2015-02-30", "出生日期“2015-02-30”不是有效的日期"),
        ("去年", "出生日期“去年”无法识别,请填写如 2015-03-02 的日期"),
        (2015, "出生日期“2015”无法识别,请填写如 2015-03-02 的日期"),  # a year alone is not a serial
        (True, "出生日期“是”无法识别,请填写如 2015-03-02 的日期"),
    ],
)
def test_dates_that_cannot_be_read_are_refused_with_an_example(value, message):
    assert refused(value, DATE) == message


@pytest.mark.parametrize(
    ("value", "expected"),
    [("女", "F"), ("女性", "F"), ("男", "M"), ("男性", "M"), (" 女 ", "F"), ("F", "F"), ("m", "M"), ("Female", "F")],
)
def test_genders(value, expected):
    assert parse_cell(value, GENDER) == expected


def test_an_unknown_gender_is_refused():
    assert refused("未知", GENDER) == "性别应填“男”或“女”,而不是“未知”"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("是", True), ("否", False), ("√", True), ("×", False), ("Y", True), ("n", False), (True, True), (1.0, True),
     (0, False), ("已辍学", True), ("在读", False)],
)  # fmt: skip
def test_yes_and_no(value, expected):
    assert parse_cell(value, BOOL) is expected


def test_a_word_that_is_neither_yes_nor_no_is_refused():
    assert refused("不知道", BOOL) == "是否辍学应填“是”或“否”,而不是“不知道”"


@pytest.mark.parametrize(("value", "expected"), [("3", 3), ("3年", 3), ("３ 年", 3), (3.0, 3), (7, 7), ("0", 0)])
def test_whole_numbers(value, expected):
    assert parse_cell(value, YEARS) == expected


@pytest.mark.parametrize(
    ("value", "column", "message"),
    [
        ("三年", YEARS, "居住年限应为整数(年),而不是“三年”"),
        (3.5, YEARS, "居住年限应为整数,而不是“3.5”"),
        ("121", YEARS, "居住年限应在0到120之间,而不是121"),
        ("-1", YEARS, "居住年限应在0到120之间,而不是-1"),
        ("几个", COUNT, "人数应为整数,而不是“几个”"),
    ],
)
def test_numbers_that_are_not_whole_or_out_of_bounds_are_refused(value, column, message):
    assert refused(value, column) == message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("张 丽", "张丽"),  # spaced out to line up two-character names
        ("  张丽  ", "张丽"),
        ("Ｌｉｓａ　Ｗａｎｇ", "Lisa Wang"),  # full-width letters and an ideographic space
        ("东一社区 幸福路 8号", "东一社区幸福路 8号"),
        ("'=1+2", "=1+2"),  # a cell our own export neutralised stands for its value
    ],
)
def test_text_is_half_width_without_stray_spaces(value, expected):
    assert parse_cell(value, Column("address", "住址")) == expected


def test_text_over_the_length_limit_is_refused():
    assert refused("欧阳娜娜丽", NAME) == "姓名不能超过4个字"


def test_lists_split_on_every_separator_a_cadre_uses():
    assert parse_cell("留守儿童、困难儿童,低保;残疾 留守儿童", LIST) == ["留守儿童", "困难儿童", "低保", "残疾"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("本科", "bachelor"), ("高中/中专", "senior"), ("中专", "senior"), ("高中", "senior"), ("大学本科", "bachelor"),
     ("未上学", "none"), ("bachelor", "bachelor")],
)  # fmt: skip
def test_choices_by_label_part_or_alias(value, expected):
    assert parse_cell(value, CHOICE) == expected


def test_an_unknown_choice_lists_the_labels():
    assert refused("硕士", CHOICE) == "文化程度“硕士”无法识别,可填:未上学、高中/中专、本科"


def test_an_id_number_stored_as_a_number_reaches_the_validator_as_excel_shows_it():
    assert parse_cell(3.3012219900808995e17, ID) == "3.30122E+17"
    assert parse_cell(330122199008089961, ID) == "3.30122E+17"
    assert parse_cell("３３０１２２ １９９００８０８９９６ｘ", ID) == "33012219900808996X"


def test_an_id_number_column_refuses_a_number_with_the_validators_message():
    from jinguo.people.validators import clean_id_number

    column = Column("id_number", "身份证号", "id_number", validators=(clean_id_number,))
    assert refused(3.3012219900808995e17, column) == (
        "身份证号被 Excel 存成了数字(科学计数法),末几位已经丢失。请把该列设为“文本”格式后重新填写完整号码"
    )


def test_a_phone_number_cell_loses_nothing():
    assert parse_cell(13800138000.0, PHONE) == "13800138000"


def test_a_masked_sensitive_value_is_kept_apart():
    value = parse_cell("330122********9961", ID)
    assert isinstance(value, Masked) and value == "330122********9961"
    assert parse_cell("138****8000", PHONE) == Masked("138****8000")
    assert not isinstance(parse_cell("a***b", Column("name", "姓名")), Masked)  # only sensitive columns


def test_validators_refuse_with_their_own_message():
    def no_dots(value: str) -> str:
        if "." in value:
            raise ActionError("不能有点")
        return value

    assert refused("a.b", Column("code", "代码", validators=(no_dots,))) == "不能有点"


def test_text_of_every_kind_of_cell():
    assert [text(v) for v in (None, True, 3.0, 3.25, dt.date(2015, 3, 2), dt.datetime(2015, 3, 2, 8, 30))] == [
        "",
        "是",
        "3",
        "3.25",
        "2015-03-02",
        "2015-03-02 08:30:00",
    ]
