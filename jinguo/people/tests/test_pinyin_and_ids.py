"""Pinyin initials with surname readings, and the fictitious ID numbers."""

from __future__ import annotations

import datetime as dt

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from jinguo.core.errors import ActionError
from jinguo.people import pinyin
from jinguo.people.fake import make_id_number
from jinguo.people.validators import birth_date_of, clean_id_number, clean_phone, gender_of


@pytest.mark.parametrize(
    ("name", "initials", "full"),
    [
        ("张晓燕", "zxy", "zhangxiaoyan"),
        ("曾晓燕", "zxy", "zengxiaoyan"),
        ("单丽", "sl", "shanli"),
        ("解红", "xh", "xiehong"),
        ("欧阳娜娜", "oynn", "ouyangnana"),
        ("曾", "c", "ceng"),  # a lone character is no surname: common reading
    ],
)
def test_names_read_with_their_surname_readings(name, initials, full):
    assert pinyin.initials(name) == initials
    assert pinyin.full(name) == full


def test_fictitious_ids_pass_every_check_and_carry_the_birth_date_and_gender():
    for seq in range(20):
        for female in (True, False):
            number = make_id_number(dt.date(2012, 6, 1), seq, female=female)
            assert clean_id_number(number) == number
            assert birth_date_of(number) == dt.date(2012, 6, 1)
            assert gender_of(number) == ("F" if female else "M")
            assert number[14:17] in {"996", "997", "998", "999"}  # reserved for centenarians


NUMERIC_ID = "身份证号被 Excel 存成了数字(科学计数法),末几位已经丢失。请把该列设为“文本”格式后重新填写完整号码"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "1.10105E+17",
            "身份证号被 Excel 存成了数字(科学计数法),末几位已经丢失。请把该列设为“文本”格式后重新填写完整号码",
        ),
        ("11010519491231", "身份证号应为18位,当前为14位"),
        ("11010519491231002Y", "身份证号只能由数字和末位的 X 组成"),
        ("110105194912310021", "身份证号校验位不正确,请核对号码"),
    ],
)
def test_bad_id_numbers_are_explained(value, message):
    with pytest.raises(ActionError) as exc:
        clean_id_number(value)
    assert exc.value.message == message


def test_phone_numbers_are_normalised_or_explained():
    assert clean_phone("+86 138-1234-5678") == "13812345678"
    assert clean_phone("(0571) 8888 6666") == "057188886666"
    assert clean_phone("") == ""
    with pytest.raises(ActionError) as exc:
        clean_phone("12345")
    assert exc.value.message == "电话号码无效:手机号应为11位,固定电话请带区号"


def test_an_id_number_typed_in_full_width_digits_is_accepted():
    assert clean_id_number("３３０１２２２０１５０５０１９９６４") == "330122201505019964"


# --- the fast paths of the validators agree with stdnum and phonenumbers -------------------------

REGIONS = ["110105", "330122", "330127", "320102", "440305", "000000", "110199", "999999", "330100"]


def _with_check_digit(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


@settings(max_examples=400, deadline=None)
@given(
    region=st.sampled_from(REGIONS),
    year=st.integers(1890, 2030),
    month=st.integers(0, 13),
    day=st.integers(0, 32),
    seq=st.integers(0, 999),
    spoil=st.booleans(),
)
def test_id_numbers_are_judged_as_stdnum_judges_them(region, year, month, day, seq, spoil):
    number = _with_check_digit(f"{region}{year:04d}{month:02d}{day:02d}{seq:03d}")
    if spoil:  # a wrong check digit
        number = number[:-1] + ("0" if number[-1] != "0" else "1")
    try:
        ours = clean_id_number(number)
    except ActionError:
        ours = None
    assert (ours is not None) == _stdnum_valid(number)


def _stdnum_valid(number: str) -> bool:
    try:
        return ric.is_valid(number)
    except KeyError:  # stdnum fails so on a code it knows only as a prefecture (110199)
        return False


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.from_regex(r"1[0-9]{10}", fullmatch=True), st.from_regex(r"1(79|1|2)[0-9]{7,8}", fullmatch=True)))
def test_mobile_numbers_are_judged_as_phonenumbers_judges_them(number):
    try:
        ours = clean_phone(number) == number
    except ActionError:
        ours = False
    try:
        theirs = phonenumbers.is_valid_number(phonenumbers.parse(number, "CN"))
    except phonenumbers.NumberParseException:  # 11000002200: "110" taken for a carrier prefix
        theirs = False
    assert ours == theirs


def test_a_bad_birth_date_or_region_in_an_id_number_is_explained():
    for body in ("11010519491331002", "00000019491231002", "11019919900101002"):
        with pytest.raises(ActionError) as exc:
            clean_id_number(_with_check_digit(body))
        assert exc.value.message == "身份证号中的出生日期或地区代码无效"
