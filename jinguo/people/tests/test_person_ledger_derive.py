"""What the person ledger's dry run derives for the commit (PersonLedger.derive), and the promise
it rests on: a row that passes the ledger's parsers, validators and check_row holds exactly what
do_create_person's cleaning would make of it, so that the commit may write the dry run's
derived columns without cleaning the row again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from jinguo.core.errors import ActionError
from jinguo.core.ledger.engine import ImportContext, Row
from jinguo.core.ledger.normalisers import CellError, parse_cell
from jinguo.core.ledger.reader import Header
from jinguo.people import actions
from jinguo.people.fake import make_id_number
from jinguo.people.ledgers import PersonLedger, _fields

TODAY = dt.date(2026, 12, 7)
LEDGER = PersonLedger()

HAN = "张王李赵陈曾单解欧阳上官晓燕丽秀英美兰芳静敏红雪华长重乐"
names = st.text(alphabet=HAN + " \u3000·AbC", min_size=0, max_size=55)
births = st.dates(dt.date(1900, 1, 1), dt.date(2030, 12, 31))
id_numbers = st.one_of(
    st.builds(make_id_number, births, st.integers(0, 30)),
    st.builds(
        lambda d, n: make_id_number(d, n).translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")),
        births,
        st.integers(0, 9),
    ),
    st.builds(lambda d, n: make_id_number(d, n)[:-1] + "0", births, st.integers(0, 9)),  # often a bad check digit
    st.from_regex(r"\d{15,19}X?", fullmatch=True),
    st.integers(10**14, 10**18),  # a number cell
)
phones = st.one_of(
    st.from_regex(r"1[3-9]\d{9}", fullmatch=True),
    st.from_regex(r"0571-?8\d{7}", fullmatch=True),
    st.from_regex(r"\+86 ?1[3-9]\d{9}", fullmatch=True),
    st.integers(10**10, 2 * 10**10),
    st.text(alphabet="0123456789- ()", max_size=14),
)
words = st.text(alphabet=HAN + "路号 ,\"'\\\t", max_size=30)
blank = st.sampled_from([None, "", "  "])


def cell(strategy: Any) -> Any:
    return st.one_of(blank, strategy)


def _agree(cells: dict[str, Any]) -> dict[str, Any]:
    """A row a cadre would type: with an ID number, the gender and birth date it gives (or
    blank); without one, both filled in."""
    id_number = cells["id_number"]
    if id_number is not None and str(id_number).strip():
        number = str(id_number).strip().translate(str.maketrans("０１２３４５６７８９Ｘ", "0123456789X"))
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        cells["birth_date"] = born if cells["birth_date"] is not None else None
        cells["gender"] = ("男" if int(number[16]) % 2 else "女") if cells["gender"] is not None else None
    else:
        cells["birth_date"] = cells["birth_date"] or dt.date(2001, 2, 3)
        cells["gender"] = cells["gender"] or "女"
    return cells


rows = st.fixed_dictionaries(
    {
        "name": cell(names),
        "gender": cell(st.sampled_from(["女", "男", "女性", "男性", "F", "m", "Female", "未知", 1])),
        "birth_date": cell(
            st.one_of(
                births,
                st.integers(10000, 60000),
                st.sampled_from(["2010年7月15日", "2015-3-2", "2015/13/40", "2015年3月"]),
            )
        ),
        "id_number": cell(id_numbers),
        "phone": cell(phones),
        "address": cell(words),
        "ethnicity": cell(
            st.sampled_from(
                ["汉", "汉族", "维吾尔", "其他", "回族人民", "满族满族满族满族满族满族满族满族满族满族满族"]
            )
        ),
        "education": cell(st.sampled_from(["小学", "大学本科", "文盲", "primary", "博士后", "中专"])),
        "employment": cell(st.sampled_from(["在业", "下岗", "学生", "个体", "无业游民"])),
        "guardian_name": cell(names),
        "guardian_relation": cell(st.sampled_from(["母亲", "奶奶", "外婆", "亲属", "邻居"])),
        "guardian_phone": cell(phones),
        "school": cell(words),
        "grade": cell(st.sampled_from(["五年级", "初二", "高三(2)班", "x" * 25])),
        "dropped_out": cell(st.sampled_from(["是", "否", "在读", True, False, "不知道"])),
        "residence_years": cell(st.one_of(st.integers(-3, 130), st.sampled_from(["3年", "三年", "10"]))),
        "notes": cell(words),
    }
)


# rows as a cadre types them: every cell in a form the ledger accepts (spaces, full-width digits,
# +86, landlines, 汉 for 汉族, 3年 …), blank where a cell may be: most of them pass the checks
past = st.dates(dt.date(1920, 1, 1), TODAY)
valid_ids = st.one_of(
    st.builds(make_id_number, past, st.integers(0, 30)),
    st.builds(
        lambda d, n: " " + make_id_number(d, n).translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")),
        past,
        st.integers(0, 30),
    ),
)
valid_phones = st.one_of(
    st.from_regex(r"1[3-9]\d{9}", fullmatch=True),
    st.from_regex(r"1[3-9]\d \d{4} \d{4}", fullmatch=True),
    st.from_regex(r"\+861[3-9]\d{9}", fullmatch=True),
    st.from_regex(r"0571-8\d{7}", fullmatch=True),
    st.from_regex(r"(010)6\d{7}", fullmatch=True),
    st.integers(13000000000, 19999999999),
)
valid_rows = st.fixed_dictionaries(
    {
        "name": st.text(alphabet=HAN, min_size=1, max_size=4).map(lambda n: f" {n[0]} {n[1:]}\u3000"),
        "gender": cell(st.sampled_from(["女", "男", "女性", "男性", "F", "m"])),
        "birth_date": cell(st.one_of(past, past.map(lambda d: f"{d.year}年{d.month}月{d.day}日"))),
        "id_number": cell(valid_ids),
        "phone": cell(valid_phones),
        "address": cell(words),
        "ethnicity": cell(st.sampled_from(["汉", "汉族", "维吾尔", "其他", "回族"])),
        "education": cell(st.sampled_from(["小学", "大学本科", "文盲", "primary", "中专"])),
        "employment": cell(st.sampled_from(["在业", "下岗", "学生", "个体"])),
        "guardian_name": cell(st.text(alphabet=HAN + " ", min_size=1, max_size=6)),
        "guardian_relation": cell(st.sampled_from(["母亲", "奶奶", "外婆", "亲属"])),
        "guardian_phone": cell(valid_phones),
        "school": cell(words),
        "grade": cell(st.sampled_from(["五年级", "初二", "高三(2)班"])),
        "dropped_out": cell(st.sampled_from(["是", "否", "在读", True, False])),
        "residence_years": cell(st.one_of(st.integers(0, 120), st.sampled_from(["3年", "10"]))),
        "notes": cell(words),
    }
).map(_agree)


def checked(cells: dict[str, Any]) -> Row | None:
    """The row as the dry run parses and checks it; None when it is refused."""
    ctx = ImportContext(user=None, register=LEDGER, options={}, header=Header(0, {}, [], []), today=TODAY)
    row = Row(number=2, cells=list(cells.values()))
    for key, raw in cells.items():
        column = LEDGER.column(key)
        try:
            value = parse_cell(raw, column)
        except CellError as exc:
            row.refuse(key, exc.message)
            continue
        if value is None and column.required:
            row.refuse(key, f"请填写{column.header}")
        row.values[key] = value
    LEDGER.check_row(ctx, row)
    return row if row.ok else None


@settings(max_examples=300, deadline=None)
@given(st.one_of(valid_rows, rows))
def test_a_row_the_ledger_passes_is_what_the_actions_cleaning_makes_of_it(cells):
    row = checked(cells)
    if row is None:
        return
    fields = _fields(row.values)
    try:
        cleaned = actions._clean(None, fields, look_up_duplicates=False, today=TODAY)
    except ActionError as exc:  # the commit would have refused a row the preview passed
        raise AssertionError(f"{fields} passed the ledger's checks but not the action's: {exc.message}") from exc
    assert cleaned == fields
    assert actions.prepare_person(None, fields, cleaned=True) == actions.prepare_person(None, fields, today=TODAY)


@settings(max_examples=200, deadline=None)
@given(valid_rows)
def test_the_plans_difference_gives_the_prepared_person_back(cells):
    row = checked(cells)
    if row is None:
        return
    fields = _fields(row.values)
    prepared = actions.prepare_person(None, fields, cleaned=True)
    difference = actions.prepared_difference(fields, prepared)
    assert actions.prepared_from(fields, difference) == prepared
    assert set(difference) <= {"name_initials", "name_pinyin", "id_hash", "id_last4", "phone_hash"}


def test_what_derive_gives_for_a_child_with_a_guardian():
    cells = {
        "name": "曾 小燕",
        "gender": "女",
        "birth_date": None,
        "id_number": make_id_number(dt.date(2015, 3, 2), 0),
        "phone": None,
        "guardian_name": "单丽",
        "guardian_relation": "母亲",
        "guardian_phone": "139 0013 9001",
    }
    row = checked(cells)
    assert row is not None
    ctx = ImportContext(user=None, register=LEDGER, options={}, header=Header(0, {}, [], []), today=TODAY)
    derived = LEDGER.derive(ctx, row)
    from jinguo.core.crypto import blind_index
    from jinguo.people.models import ID_PURPOSE

    assert derived == {
        "name_initials": "zxy",
        "name_pinyin": "zengxiaoyan",
        "id_hash": blind_index(str(cells["id_number"]), purpose=ID_PURPOSE),
        "id_last4": str(cells["id_number"])[-4:],
        "phone_hash": None,
    }
    assert row.values["guardian_phone"] == "13900139001"


def test_a_row_with_a_masked_value_derives_nothing():
    row = checked({"name": "张晓燕", "gender": "女", "birth_date": dt.date(2015, 3, 2), "phone": "138****5678"})
    assert row is not None
    ctx = ImportContext(user=None, register=LEDGER, options={}, header=Header(0, {}, [], []), today=TODAY)
    assert LEDGER.derive(ctx, row) is None


def test_an_id_number_born_after_today_is_refused_in_the_preview():
    row = Row(number=5, cells=[])
    row.values = {"name": "未来", "id_number": make_id_number(TODAY + dt.timedelta(days=1), 0), "gender": None}
    ctx = ImportContext(user=None, register=LEDGER, options={}, header=Header(0, {}, [], []), today=TODAY)
    LEDGER.check_row(ctx, row)
    assert row.errors == [("id_number", "身份证号中的出生日期晚于今天,请核对号码")]
