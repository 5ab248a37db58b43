"""ID numbers (居民身份证号码) and phone numbers, with messages a cadre understands."""

from __future__ import annotations

import datetime as dt
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
    if not re.fullmatch(r"\d{17}[\dX]", text):
        raise ActionError("身份证号只能由数字和末位的 X 组成", field="id_number")
    try:
        ric.validate(text)
    except stdnum_exceptions.InvalidChecksum as exc:
        raise ActionError("身份证号校验位不正确,请核对号码", field="id_number") from exc
    except stdnum_exceptions.InvalidComponent as exc:
        raise ActionError("身份证号中的出生日期或地区代码无效", field="id_number") from exc
    except stdnum_exceptions.ValidationError as exc:
        raise ActionError("身份证号格式不正确", field="id_number") from exc
    return text


def birth_date_of(id_number: str) -> dt.date:
    return ric.get_birth_date(id_number)


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
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ActionError("电话号码格式不正确", field="phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ActionError("电话号码无效:手机号应为11位,固定电话请带区号", field="phone")
    national = str(number.national_number)
    return national if national.startswith("1") else "0" + national
