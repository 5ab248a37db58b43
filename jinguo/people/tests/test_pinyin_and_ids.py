"""Pinyin initials with surname readings, and the fictitious ID numbers."""

from __future__ import annotations

import datetime as dt

import pytest

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
