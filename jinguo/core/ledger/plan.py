"""The plan of an import: what the dry run read, checked and promised, kept (encrypted, in the
ImportJob) for the commit, which writes from it without reading the file again.

    head   the plan's format and key mark, the header as the file named it, and the outcome
           promised for each row to write: {row number: [status, id of the record it updates or null]}
    rows   each row that passed the checks as (row number, values, derived), derived being what
           the register derived from the row (Register.derive) or None, in file order

The rows come in blocks, each compressed on its own with its length in front: the dry run's
helper processes compress the blocks of their part of the file (engine.analyse), and the commit
reads the blocks back one at a time and works through them in chunks.

What the job keeps is the plan sealed a piece at a time (the head, each block): encrypted and
authenticated with the field keys (Fernet), so that sealing 100,000 rows never holds several
copies of the whole plan at once (`PlanWriter.finish`, `open_plan`).

A plan is written and read by the same code: one written by another format, or derived under
another blind-index key (a derived row holds blind indexes), is refused (`PlanOutdated`).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import pickle
import zlib
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, ClassVar

from cryptography.fernet import InvalidToken

from jinguo.core import crypto
from jinguo.core.crypto import blind_index
from jinguo.core.errors import ActionError

from .normalisers import Masked
from .reader import Header

# 2: blocks compressed on their own, rows with what the register derived from them (2026-12-07)
FORMAT = 2
LENGTH = 8  # bytes of the head's length at the start of a plan
BLOCK_LENGTH = 4  # bytes of a block's length in front of it
SEALED = b"JGP2"  # what a sealed plan of this format starts with (the first format's: a Fernet token, b"gAAAA")


class PlanOutdated(ActionError):
    def __init__(self) -> None:
        super().__init__("系统升级后,上传时生成的预览已不能使用,请重新上传文件")


class PlanDamaged(ActionError):
    """A sealed piece that does not open with the field keys: changed where it is kept."""

    def __init__(self) -> None:
        super().__init__("保存的导入数据已损坏,请重新上传文件")


class _Unpickler(pickle.Unpickler):
    """Unpickles what a plan holds (rows of text, numbers, dates, lists and masked values) and
    nothing else: no other class is found, whatever the bytes say. A plan is authenticated too
    (the job keeps it encrypted with Fernet), so this is the second line."""

    _ALLOWED: ClassVar[dict[tuple[str, str], Any]] = {
        ("datetime", "date"): dt.date,
        ("datetime", "datetime"): dt.datetime,
        ("datetime", "time"): dt.time,
        ("decimal", "Decimal"): Decimal,
        ("builtins", "str"): str,  # _Pickler's plain text and numbers
        ("builtins", "int"): int,
        (Masked.__module__, Masked.__qualname__): Masked,
    }

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self._ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"a plan holds no {module}.{name}") from None


# level 1, not 6: level 6 was 1.4 s of the 100,000-row bench ledger's dry run; the plan is kept
# for a day and read back once, by the commit, so a few more bytes cost nothing
_LEVEL = 1


class _Pickler(pickle.Pickler):
    """Values as plain values: text and numbers of a subclass (a model's TextChoices member a
    validator returned) as their str or int, as JSON would have kept them; a masked value stays
    masked. Called only for what is not plain text, a number, a list or a dict."""

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        if kind is Masked or kind is dt.date:
            return NotImplemented
        if isinstance(obj, str):
            return str, (str.__str__(obj),)
        if isinstance(obj, int) and not isinstance(obj, bool):
            return int, (int.__index__(obj),)
        return NotImplemented


def encode_block(rows: Iterable[tuple[int, dict[str, Any], dict[str, Any] | None]]) -> bytes:
    """One block of the plan's rows, (row number, values, derived or None) each: pickled (with
    the C pickler: JSON with its tags for dates took three times as long to write and to read),
    compressed, with the block's length in front. b"" for no rows."""
    rows = list(rows)
    if not rows:
        return b""
    out = io.BytesIO()
    _Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(rows)
    packed = zlib.compress(out.getbuffer(), _LEVEL)
    return len(packed).to_bytes(BLOCK_LENGTH, "big") + packed


def decode_block(block: bytes | memoryview) -> list[tuple[int, dict[str, Any], dict[str, Any] | None]]:
    """The rows of one block of encode_block (b"": none)."""
    if not block:
        return []
    rows: list[tuple[int, dict[str, Any], dict[str, Any] | None]]
    rows = _Unpickler(io.BytesIO(zlib.decompress(memoryview(block)[BLOCK_LENGTH:]))).load()
    return rows


def key_mark() -> str:
    """Names the blind-index key without showing it: a plan derived under another key is refused."""
    return (blind_index("plan", purpose="ledger.plan") or "")[:12]


def _seal(piece: bytes) -> bytes:
    token = base64.urlsafe_b64decode(crypto.fernet().encrypt(piece))  # kept as bytes, not base64
    return len(token).to_bytes(BLOCK_LENGTH, "big") + token


class PlanWriter:
    """Blocks in, a sealed plan out (SEALED, then the head and each block sealed)."""

    def __init__(self) -> None:
        self._sealed: list[bytes] = []

    def add_block(self, block: bytes) -> None:
        if block:
            self._sealed.append(_seal(block))

    def finish(self, header: Header, outcomes: dict[int, list[Any]]) -> bytes:
        head = {
            "format": FORMAT,
            "key": key_mark(),
            "header": {"index": header.index, "columns": header.columns, "labels": header.labels, "ignored": []},
            "outcomes": outcomes,
        }
        packed = zlib.compress(json.dumps(head, ensure_ascii=False).encode(), 6)
        return SEALED + _seal(len(packed).to_bytes(LENGTH, "big") + packed) + b"".join(self._sealed)


def open_plan(sealed: bytes) -> bytes:
    """The plan (head, then blocks) of a sealed plan; PlanOutdated for one of another format."""
    if not sealed.startswith(SEALED):
        raise PlanOutdated()
    view = memoryview(sealed)
    at, pieces = len(SEALED), []
    while at < len(sealed):
        size = int.from_bytes(view[at : at + BLOCK_LENGTH], "big")
        at += BLOCK_LENGTH
        try:
            pieces.append(crypto.fernet().decrypt(base64.urlsafe_b64encode(view[at : at + size])))
        except InvalidToken as exc:
            raise PlanDamaged() from exc
        at += size
    return b"".join(pieces)


def _head(plan: bytes) -> tuple[dict[str, Any], int]:
    size = int.from_bytes(plan[:LENGTH], "big")
    head = json.loads(zlib.decompress(plan[LENGTH : LENGTH + size]))
    if head.get("format") != FORMAT or head.get("key") != key_mark():
        raise PlanOutdated()
    return head, LENGTH + size


def read_head(plan: bytes) -> tuple[Header, dict[int, list[Any]]]:
    head, _ = _head(plan)
    header = Header(**head["header"])
    return header, {int(number): outcome for number, outcome in head["outcomes"].items()}


def read_rows(plan: bytes) -> Iterator[tuple[int, dict[str, Any], dict[str, Any] | None]]:
    """(row number, values, derived or None) of every row that passed the checks, a block
    decompressed at a time."""
    _, at = _head(plan)
    view = memoryview(plan)
    while at < len(plan):
        size = int.from_bytes(view[at : at + BLOCK_LENGTH], "big")
        yield from decode_block(view[at : at + BLOCK_LENGTH + size])
        at += BLOCK_LENGTH + size
