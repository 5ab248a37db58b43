"""Ledger files out: text columns stay text (an ID number typed there later is not rounded by
Excel), widths are kept, values are written as the ledger writes them."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from jinguo.core.excel import write_xlsx
from jinguo.core.ledger.export import display
from jinguo.core.ledger.registry import Column


def test_text_columns_are_formatted_as_text_for_what_is_typed_later():
    data = write_xlsx(
        ["姓名", "身份证号", "出生日期"],
        [["张晓燕", "330122201503029966", dt.date(2015, 3, 2)]],
        text_columns=[1],
        widths=[10, 21, 12],
    )
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet.column_dimensions["B"].number_format == "@"
    assert sheet.column_dimensions["A"].number_format == "General"
    assert (sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width) == (10, 21)
    assert [c.number_format for c in sheet[2]] == ["General", "@", "yyyy-mm-dd"]
    assert sheet["B2"].value == "330122201503029966"
    assert sheet["B2"].data_type == "s"


def test_values_are_written_as_the_ledger_writes_them():
    choice = Column("education", "文化程度", "choice", choices=(("primary", "小学"),))
    assert display(choice, "primary") == "小学"
    assert display(choice, "") == ""
    assert display(Column("g", "性别", "gender"), "M") == "男"
    assert display(Column("b", "是否辍学", "bool"), False) == "否"
    assert display(Column("b", "是否辍学", "bool"), True) == "是"
    assert display(Column("c", "人员类别", "list"), ["留守儿童", "困难儿童"]) == "留守儿童、困难儿童"
    assert display(Column("d", "出生日期", "date"), dt.date(2015, 3, 2)) == dt.date(2015, 3, 2)
    assert display(Column("n", "居住年限", "int"), 3) == 3
    assert display(Column("n", "居住年限", "int"), None) == ""


def test_a_sensitive_column_masks_by_its_kind():
    assert (
        Column("id", "身份证号", "id_number", sensitive="id_number").mask("330122201503029966") == "330122********9966"
    )
    assert Column("p", "电话", "phone", sensitive="phone").mask("13800138000") == "138****8000"
    assert Column("a", "住址", sensitive="address").mask("浙江省杭州市示范区幸福路") == "浙江省杭州市****"
    assert Column("n", "备注", sensitive="text").mask("家中有重病老人") == "******"
    assert Column("n", "备注", sensitive="text").mask("") == ""
    assert Column("s", "学校").mask("实验小学") == "实验小学"
