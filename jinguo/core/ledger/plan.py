"""The plan of an import: what the dry run read, checked and promised, kept (encrypted, in the
ImportJob) for the commit, which writes from it without reading the file again.

    head   the header as the file named it, and the outcome promised for each row to write:
           {row number: [status, id of the record it updates or null]}
    rows   one JSON line per row that passed the checks, [row number, values], in file order

Each part is compressed on its own; the rows are compressed as the dry run checks them (a ledger
of 100,000 rows is not held twice in memory) and read back line by line by the commit, which
works through them in chunks.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Iterator
from typing import Any

from .normalisers import Masked
from .reader import Header

LENGTH = 8  # bytes of the head's length at the start of a plan
PIECE = 1 << 16


def _tag(value: Any) -> Any:
    if isinstance(value, Masked):
        return {"masked": str(value)}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    return value


def _untag(value: Any) -> Any:
    if isinstance(value, dict):
        if "masked" in value:
            return Masked(value["masked"])
        return dt.date.fromisoformat(value["date"])
    return value


_AS_IS = {str, int, float, bool, type(None), list}  # values JSON keeps as they are (no tag)


# one encoder for every line: json.dumps with an option builds a new encoder on each call
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
# level 1, not 6: level 6 was 1.4 s of the 100,000-row bench ledger's dry run; the plan is kept
# for a day and read back once, by the commit, so a few more bytes cost nothing
_LEVEL = 1


class PlanWriter:
    def __init__(self) -> None:
        self._rows = zlib.compressobj(_LEVEL)
        self._parts: list[bytes] = []
        self._lines: list[str] = []

    def add(self, number: int, values: dict[str, Any]) -> None:
        tagged = {k: v if type(v) in _AS_IS else _tag(v) for k, v in values.items()}
        self._lines.append(_ENCODE([number, tagged]))
        if len(self._lines) == 1000:  # compressed a thousand lines at a time
            self._flush()

    def _flush(self) -> None:
        if self._lines:
            self._parts.append(self._rows.compress(("\n".join(self._lines) + "\n").encode()))
            self._lines = []

    def finish(self, header: Header, outcomes: dict[int, list[Any]]) -> bytes:
        self._flush()
        head = {
            "header": {"index": header.index, "columns": header.columns, "labels": header.labels, "ignored": []},
            "outcomes": outcomes,
        }
        packed = zlib.compress(json.dumps(head, ensure_ascii=False).encode(), 6)
        return len(packed).to_bytes(LENGTH, "big") + packed + b"".join(self._parts) + self._rows.flush()


def read_head(plan: bytes) -> tuple[Header, dict[int, list[Any]]]:
    size = int.from_bytes(plan[:LENGTH], "big")
    head = json.loads(zlib.decompress(plan[LENGTH : LENGTH + size]))
    header = Header(**head["header"])
    return header, {int(number): outcome for number, outcome in head["outcomes"].items()}


def read_rows(plan: bytes) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, values) of every row that passed the checks, decompressed as they are read."""
    size = int.from_bytes(plan[:LENGTH], "big")
    body = memoryview(plan)[LENGTH + size :]
    stream = zlib.decompressobj()
    pending = b""
    for start in range(0, len(body), PIECE):
        pending += stream.decompress(body[start : start + PIECE])
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield _row(line)
    pending += stream.flush()
    for line in pending.split(b"\n"):
        if line:
            yield _row(line)


def _row(line: bytes) -> tuple[int, dict[str, Any]]:
    number, values = json.loads(line)
    return int(number), {k: _untag(v) if type(v) is dict else v for k, v in values.items()}
