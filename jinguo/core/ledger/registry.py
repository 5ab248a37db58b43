"""How a register declares its ledger (台账), once: columns with their Chinese headers and
aliases, types, validators and which are required; how a row finds an existing record; how a
row is written (through the app's actions); how rows are scoped and filtered for export; which
columns are sensitive.

Apps declare their registers in their own `ledgers.py` with `@register`; the registry finds
those modules on first use, so core never imports an app.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from django.db import models

from jinguo.accounts.permissions import Perm
from jinguo.core.crypto import mask_address, mask_id_number, mask_phone, mask_text
from jinguo.core.errors import ActionError

from .normalisers import Masked

if TYPE_CHECKING:
    from .engine import ImportContext, Row

ColumnType = Literal["text", "date", "gender", "bool", "int", "choice", "list", "id_number", "phone"]
MASKS: dict[str, Callable[[str | None], str]] = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "address": mask_address,
    "text": mask_text,
}


def header_key(text: str) -> str:
    """A header as compared with the declared ones: half-width, no spaces, no required marks
    (*, ※), no note in brackets ("出生日期(年月日)" is 出生日期)."""
    out = unicodedata.normalize("NFKC", str(text or ""))
    out = re.sub(r"\s+", "", out).strip("*※★")
    out = re.sub(r"[((][^))]*[))]$", "", out) or out
    return out.lower()


@dataclass(frozen=True, eq=False)
class Column:
    key: str
    header: str
    type: ColumnType = "text"
    aliases: tuple[str, ...] = ()
    required: bool = False
    # choice: (stored value, label) pairs, plus other words a cadre writes for a value
    choices: tuple[tuple[str, str], ...] = ()
    choice_aliases: Mapping[str, str] = field(default_factory=dict)
    max_length: int | None = None
    bounds: tuple[int | None, int | None] = (None, None)
    unit_word: str = ""  # "年" for 居住年限: "3年" is 3
    # each takes the parsed value and returns it cleaned, or raises ActionError with the reason
    validators: tuple[Callable[[Any], Any], ...] = ()
    # "" or the kind of mask: id_number, phone, address, text
    sensitive: str = ""
    example: Any = ""
    width: int = 12
    as_text: bool = False  # written as a text cell in exports (ID numbers, phones)

    def all_headers(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)

    def __post_init__(self) -> None:
        lookup: dict[str, str] = {}
        for value, label in self.choices:
            lookup[value.lower()] = value
            lookup[label.replace(" ", "").lower()] = value
            for part in re.split(r"[//]", label):
                lookup.setdefault(part.lower(), value)
        for word, value in self.choice_aliases.items():
            lookup[word.replace(" ", "").lower()] = value
        object.__setattr__(self, "_choice_lookup", lookup)

    def choice_lookup(self) -> dict[str, str]:
        """Every word that names a choice (value, label, each part of "高中/中专", aliases) -> value."""
        return self._choice_lookup  # type: ignore[attr-defined]

    def label_of(self, value: Any) -> Any:
        if self.type == "choice":
            return dict(self.choices).get(value, value or "")
        return value

    def mask(self, value: Any) -> Any:
        if not self.sensitive or value in (None, ""):
            return value
        return MASKS[self.sensitive](str(value))


class Register:
    """A ledger. Subclasses set the class attributes and fill in the hooks."""

    slug: ClassVar[str]
    title: ClassVar[str]  # the register's name: 人员台账
    columns: ClassVar[tuple[Column, ...]]
    model: ClassVar[type[models.Model]]
    import_perm: ClassVar[Perm] = Perm.EDIT_RECORDS
    export_perm: ClassVar[Perm] = Perm.VIEW_RECORDS
    reveal_perm: ClassVar[Perm] = Perm.REVEAL
    # A header row must name at least this many declared columns (and every required one).
    min_header_matches: ClassVar[int] = 3
    help_lines: ClassVar[tuple[str, ...]] = ()
    section: ClassVar[str] = ""  # the side menu entry to highlight on the ledger's pages
    name_column: ClassVar[str] = ""  # the column that names a row in the preview (default: the first)
    list_url_name: ClassVar[str] = ""  # the register's list page, for the way back

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    # --- import ---------------------------------------------------------------------------------

    def check_row(self, ctx: ImportContext, row: Row) -> None:
        """Checks across the cells of one row (row.values are parsed); add errors with
        row.refuse(column_key, reason)."""

    def derive(self, ctx: ImportContext, row: Row) -> dict[str, Any] | None:
        """What the commit will need of a row that passed check_row and can be made from the row
        alone, made in the dry run: kept in the plan with the row, given back to the commit as
        row.derived (None: nothing). May refuse the row. Like check_row it runs in the dry run's
        helper processes too when the register has `look_up_aside`: no database then."""
        return None

    def prepare(self, ctx: ImportContext, rows: Sequence[Row]) -> None:
        """In bulk, for the rows without errors: resolve references (units, categories) and
        find the existing record of each row (row.target), refusing what may not be touched."""

    def identity(self, row: Row) -> tuple[str, Hashable] | None:
        """(column key for the message, key): two rows with the same key in one file are refused."""
        return None

    def duplicate_reason(self, column_key: str, numbers: str) -> str:
        return f"{self.column(column_key).header}在文件中重复(第{numbers}行)"

    def current(self, obj: Any) -> dict[str, Any]:
        """The record's values, in the form the parsers give (for the diff)."""
        raise NotImplementedError

    def changes(self, ctx: ImportContext, row: Row) -> dict[str, Any]:
        """What writing `row` would change on row.target; empty for an unchanged row. Blank cells
        change nothing (an import never erases); a list column adds what is missing; a masked
        cell must stand for the value held."""
        assert row.target is not None
        current = self.current(row.target)
        out: dict[str, Any] = {}
        for key, value in row.values.items():
            if value is None or key not in current:
                continue
            column = self.column(key)
            held = current[key]
            if isinstance(value, Masked):
                if column.mask(held) != value:
                    row.refuse(key, f"{column.header}是脱敏后的值,无法导入,请填写完整内容")
                continue
            if column.type == "list":
                missing = [v for v in value if v not in (held or [])]
                if missing:
                    out[key] = missing
            elif value != held:
                out[key] = value
        return out

    def write(self, ctx: ImportContext, row: Row) -> None:
        """Create (row.target is None) or update row.target with row.changes, through the app's
        actions; raise ActionError to refuse (the whole import is then rolled back)."""
        raise NotImplementedError

    # write_rows takes the rows as they are looked up, chunk by chunk (an iterator, in file order):
    # on PostgreSQL a chunk's look-ups then run between the writes of the chunks before it. The
    # register's look-ups must then leave out the records this import has written
    # (ctx.cache["own_ids"]), which a look-up before any write would not have seen.
    streaming = False
    # The dry run may run prepare() on chunks of rows in a worker thread sharing the connection
    # while it checks the next rows, and check_row() and derive() in helper processes (a large
    # file): those two then must not use the database.
    look_up_aside = False

    def write_rows(self, ctx: ImportContext, rows: Iterable[Row], progress: Callable[[int], None]) -> None:
        """Write every row (new and updated), calling progress(rows done) as it goes. One by one
        through write() unless the register has a bulk path for many rows."""
        for done, row in enumerate(rows, start=1):
            with row_errors(row):
                self.write(ctx, row)
            progress(done)

    # --- export ---------------------------------------------------------------------------------

    def export_queryset(self, user: Any, params: Mapping[str, Any]) -> tuple[Iterable[Any], dict[str, str]]:
        """The rows in scope for `user` (export_perm) narrowed by the filters on screen, and those
        filters as a dict for the audit log."""
        raise NotImplementedError

    def export_values(self, obj: Any) -> dict[str, Any]:
        """The whole values of a record, by column key (labels, not codes)."""
        raise NotImplementedError

    def unit_path_of(self, obj: Any) -> str:
        return str(obj.unit_path)

    def example_rows(self, user: Any) -> list[dict[str, Any]]:
        return [{c.key: c.example for c in self.columns}]


def row_errors(*rows: Row) -> AbstractContextManager[None]:
    """An action's refusal, named by its row: "第12行:…" (by the first and last row of a batch)."""
    return numbered_errors(rows[0].number, rows[-1].number)


@contextmanager
def numbered_errors(first: int, last: int) -> Iterator[None]:
    """row_errors by row numbers: "第12行:…", or "第12至30行中:…" for the rows of a batch."""
    try:
        yield
    except (ChangedSincePreview, RowNamed):
        raise  # about the import, not about these rows; or named already (a row inside a batch)
    except ActionError as exc:
        where = f"第{first}行" if first == last else f"第{first}至{last}行中"
        raise RowNamed(f"{where}:{exc.message}", field=exc.field) from exc


CHANGED_SINCE_PREVIEW = (
    "预览之后相关记录已有变化(例如他人刚修改或导入了同一批人员),为避免写错,本次导入未执行。请重新上传文件生成预览"
)


class ChangedSincePreview(ActionError):
    """The commit's look-ups came out otherwise than the preview the cadre confirmed."""

    def __init__(self) -> None:
        super().__init__(CHANGED_SINCE_PREVIEW)


class RowNamed(ActionError):
    """An action's refusal named by its row (row_errors)."""


RegisterClass = TypeVar("RegisterClass", bound=type[Register])
_REGISTERS: dict[str, Register] = {}
_discovered = False
RESERVED_SLUGS = {"imports"}


def register(cls: RegisterClass) -> RegisterClass:
    """Class decorator: make a register known by its slug."""
    if cls.slug in RESERVED_SLUGS or not re.fullmatch(r"[a-z][a-z0-9_-]*", cls.slug):
        raise ValueError(f"invalid register slug: {cls.slug!r}")
    keys = [c.key for c in cls.columns]
    if len(keys) != len(set(keys)):
        raise ValueError(f"register {cls.slug}: duplicate column keys")
    seen: dict[str, str] = {}
    for c in cls.columns:
        for h in c.all_headers():
            k = header_key(h)
            if seen.get(k, c.key) != c.key:
                raise ValueError(f"register {cls.slug}: header {h!r} names two columns")
            seen[k] = c.key
    _REGISTERS[cls.slug] = cls()
    return cls


def _discover() -> None:
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("ledgers")
        _discovered = True


def get_register(slug: str) -> Register | None:
    _discover()
    return _REGISTERS.get(slug)


def all_registers() -> list[Register]:
    _discover()
    return list(_REGISTERS.values())


def unregister(slug: str) -> None:
    """For tests that declare a register of their own."""
    _REGISTERS.pop(slug, None)
