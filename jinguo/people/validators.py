"""ID numbers (居民身份证号码) and phone numbers, with messages a cadre understands."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata

import phonenumbers
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric

from jinguo.core.errors import ActionError


def clean_id_number(value: str | None) -> str | None:
    """The normalised 18-character ID number, or None for none; ActionError for a bad one."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "").upper()
    if not text:
        return None
    if re.fullmatch(r"\d(\.\d+)?E\+\d+", text):
        raise ActionError(
            "身份证号被 Excel 存成了数字(科学计数法),末几位已经丢失。请把该列设为“文本”格式后重新填写完整号码",
            field="id_number",
        )
    if len(text) != 18:
        raise ActionError(f"身份证号应为18位,当前为{len(text)}位", field="id_number")
    if not _ID_FORMAT.fullmatch(text):
        raise ActionError("身份证号只能由数字和末位的 X 组成", field="id_number")
    # The checks of stdnum's cn.ric.validate, in its order, with its check digit and its table of
    # county codes; validate() itself re-cleans the number five times and searches the table for
    # every row, which made a 100,000-row ledger spend seconds here.
    if text[-1] != ric.calc_check_digit(text):
        raise ActionError("身份证号校验位不正确,请核对号码", field="id_number")
    try:
        born = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError as exc:
        raise ActionError("身份证号中的出生日期或地区代码无效", field="id_number") from exc
    if not _known_place(text[:6], born.year):
        raise ActionError("身份证号中的出生日期或地区代码无效", field="id_number")
    return text


_ID_FORMAT = re.compile(r"\d{17}[\dX]")


@functools.lru_cache(maxsize=16384)
def _known_place(region: str, year: int) -> bool:
    """Whether stdnum knows the county code `region` as assigned in `year`. A code its table
    knows only as a prefecture (110199) makes stdnum fail with KeyError: not a county, refused."""
    try:
        ric.get_birth_place(f"{region}{year:04d}0101000")
    except (stdnum_exceptions.InvalidComponent, KeyError):
        return False
    return True


def birth_date_of(id_number: str) -> dt.date:
    """The birth date of a valid (clean_id_number) ID number."""
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def gender_of(id_number: str) -> str:
    """'F' or 'M' from the 17th digit (odd: male)."""
    return "M" if int(id_number[16]) % 2 else "F"


def clean_phone(value: str | None) -> str:
    """A mainland mobile (11 digits) or a landline with its area code; '' for none."""
    if value is None:
        return ""
    text = re.sub(r"[\s\-()()]", "", str(value))
    if not text:
        return ""
    text = text.removeprefix("+86").removeprefix("0086")
    if _MOBILE.fullmatch(text):
        if not _mobile_range_valid(text):
            raise ActionError("电话号码无效:手机号应为11位,固定电话请带区号", field="phone")
        return text
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ActionError("电话号码格式不正确", field="phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ActionError("电话号码无效:手机号应为11位,固定电话请带区号", field="phone")
    national = str(number.national_number)
    return national if national.startswith("1") else "0" + national


# 11 digits from 13 to 19, but not 179: phonenumbers takes 11xx, 12xx and 179xx for carrier
# prefixes (17951 …) and strips them, so for those the later digits matter; they go the long way.
_MOBILE = re.compile(r"1(?:[3-68-9]\d|7[0-8])\d{8}")
_MOBILE_RANGES: dict[str, bool] = {}


def _mobile_range_valid(number: str) -> bool:
    """Whether the mobile numbers of a 7-digit range (号段, e.g. 1380013) are valid, judged by
    phonenumbers on the first number seen of the range. Its mainland mobile patterns look at the
    first 5 digits at most, and ranges are allocated by 7 digits, so one number speaks for all."""
    prefix = number[:7]
    valid = _MOBILE_RANGES.get(prefix)
    if valid is None:
        if len(_MOBILE_RANGES) > 100_000:
            _MOBILE_RANGES.clear()
        valid = _MOBILE_RANGES[prefix] = phonenumbers.is_valid_number(phonenumbers.parse(number, "CN"))
    return valid
