"""One cell of a ledger to a Python value, by the column's type, with a Chinese reason when it
cannot be read. Cells arrive as python-calamine gives them (str, float, int, bool, date,
datetime) or as CSV text; each parser accepts every form a cadre's spreadsheet produces.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from jinguo.core.errors import ActionError
from jinguo.core.excel import FORMULA_PREFIXES

if TYPE_CHECKING:
    from .registry import Column

EXCEL_EPOCH = dt.date(1899, 12, 30)
# Below this a number is not taken for a date serial (10000 is 1927-05-18): a 4-digit year typed
# alone must not become a day of 1905.
MIN_SERIAL = 10000
MAX_SERIAL = 2958465  # 9999-12-31
MASK_MARK = "***"
NEUTRALISED = tuple("'" + p for p in FORMULA_PREFIXES)
LIST_SEPARATORS = re.compile(r"[、,,;;/\s]+")

_CJK = r"\u2e80-\u9fff\uf900-\ufaff"
_SPACE_IN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")


class CellError(Exception):
    """A cell that cannot be read; `message` names the problem and how to fix it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Masked(str):
    """A value exported masked (110105********1234): it can only stand for the value already
    held, never be written."""


def text(value: Any) -> str:
    """Full-width to half-width (NFKC), stray spaces away, none between two Chinese characters
    ("张 丽" is 张丽, spaced out to line up in a table)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    parts = unicodedata.normalize("NFKC", str(value)).split()
    if len(parts) == 1:  # most cells: no space inside, none to remove
        return parts[0]
    return _SPACE_IN_CJK.sub("", " ".join(parts))


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- the types -------------------------------------------------------------------------------------


def parse_text(value: Any, column: Column) -> str:
    out = text(value)
    if column.max_length and len(out) > column.max_length:
        raise CellError(f"{column.header}不能超过{column.max_length}个字")
    return out


_DATE_PATTERNS = (
    re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
_MONTH_ONLY = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*月?")


def serial_to_date(number: float) -> dt.date:
    return EXCEL_EPOCH + dt.timedelta(days=int(number))


def parse_date(value: Any, column: Column) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise CellError(f"{column.header}“{text(value)}”无法识别,请填写如 2015-03-02 的日期")
    if isinstance(value, (int, float)):
        if float(value).is_integer() and 19000101 <= value <= 99991231:
            return _ymd(str(int(value)), column)
        if MIN_SERIAL <= value <= MAX_SERIAL:
            return serial_to_date(value)
        raise CellError(f"{column.header}“{text(value)}”无法识别,请填写如 2015-03-02 的日期")
    raw = text(value)
    if re.fullmatch(r"\d{5}(\.0+)?", raw) and MIN_SERIAL <= float(raw) <= MAX_SERIAL:
        return serial_to_date(float(raw))
    return _ymd(raw, column)


def _ymd(raw: str, column: Column) -> dt.date:
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(raw)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError as exc:
                raise CellError(f"{column.header}“{raw}”不是有效的日期") from exc
    if _MONTH_ONLY.fullmatch(raw):
        raise CellError(f"{column.header}“{raw}”缺少日,请填写完整的年月日,如 2015-03-02")
    raise CellError(f"{column.header}“{raw}”无法识别,请填写如 2015-03-02 的日期")


GENDERS = {
    "女": "F",
    "女性": "F",
    "f": "F",
    "female": "F",
    "男": "M",
    "男性": "M",
    "m": "M",
    "male": "M",
}


def parse_gender(value: Any, column: Column) -> str:
    raw = text(value)
    gender = GENDERS.get(raw.lower())
    if gender is None:
        raise CellError(f"{column.header}应填“男”或“女”,而不是“{raw}”")
    return gender


YES = {"是", "y", "yes", "true", "1", "√", "✓", "有", "已辍学", "辍学"}
NO = {"否", "n", "no", "false", "0", "×", "✗", "无", "未辍学", "在读", "/"}


def parse_bool(value: Any, column: Column) -> bool:
    if isinstance(value, bool):
        return value
    raw = text(value)
    if raw.lower() in YES:
        return True
    if raw.lower() in NO:
        return False
    raise CellError(f"{column.header}应填“是”或“否”,而不是“{raw}”")


def parse_int(value: Any, column: Column) -> int:
    if isinstance(value, bool):
        raise CellError(f"{column.header}应为整数,而不是“{text(value)}”")
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(f"{column.header}应为整数,而不是“{text(value)}”")
        number = int(value)
    elif isinstance(value, int):
        number = value
    else:
        raw = text(value)
        unit = column.unit_word
        bare = raw.removesuffix(unit).strip() if unit else raw
        if not re.fullmatch(r"-?\d+", bare):
            raise CellError(f"{column.header}应为整数{f'({unit})' if unit else ''},而不是“{raw}”")
        number = int(bare)
    low, high = column.bounds
    if (low is not None and number < low) or (high is not None and number > high):
        raise CellError(f"{column.header}应在{low}到{high}之间,而不是{number}")
    return number


def parse_choice(value: Any, column: Column) -> str:
    raw = text(value)
    found = column.choice_lookup().get(_choice_key(raw))
    if found is None:
        labels = "、".join(label for _, label in column.choices)
        raise CellError(f"{column.header}“{raw}”无法识别,可填:{labels}")
    return found


def _choice_key(raw: str) -> str:
    return raw.replace(" ", "").lower()


def parse_list(value: Any, column: Column) -> list[str]:
    """Several names in one cell, separated by 、 , ; or spaces; resolved by the register."""
    out: list[str] = []
    raw = value if isinstance(value, str) else text(value)
    for part in LIST_SEPARATORS.split(unicodedata.normalize("NFKC", raw)):
        part = text(part)
        if part and part not in out:
            out.append(part)
    return out


def parse_id_number(value: Any, column: Column) -> str:
    """An ID number as text. A number cell means Excel has already rounded it to 15 significant
    digits: it is given to the column's validators as Excel shows it (1.10105E+17), and the
    register's ID number check refuses it with the message that says why and how to fix it."""
    if isinstance(value, bool):
        return text(value)
    if isinstance(value, (int, float)):
        if abs(value) >= 1e15:
            return f"{float(value):.5E}"
        return text(value)
    return text(value).replace(" ", "").upper()


def parse_phone(value: Any, column: Column) -> str:
    """Digits of a phone number (a number cell loses nothing: 11 digits fit); the register's
    validators check it."""
    return text(value)


PARSERS: dict[str, Callable[[Any, Column], Any]] = {
    "text": parse_text,
    "date": parse_date,
    "gender": parse_gender,
    "bool": parse_bool,
    "int": parse_int,
    "choice": parse_choice,
    "list": parse_list,
    "id_number": parse_id_number,
    "phone": parse_phone,
}


def parse_cell(value: Any, column: Column) -> Any:
    """The cell's value for `column`: None for a blank cell, a `Masked` text for a masked
    sensitive value, else the parsed value; CellError when it cannot be read."""
    if is_blank(value):
        return None
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value.startswith(NEUTRALISED):
        value = value[1:]  # a cell our own export neutralised ('=…): the value it stands for
    if column.sensitive and isinstance(value, str) and MASK_MARK in value:
        return Masked(text(value))
    parsed = PARSERS[column.type](value, column)
    for validator in column.validators:
        try:
            parsed = validator(parsed)
        except ActionError as exc:
            raise CellError(exc.message) from exc
    if parsed in ("", []):
        return None
    return parsed
