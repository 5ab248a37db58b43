"""Import of the unit tree from a sheet: name, kind, parent (name or code), division code.

upload → preview (every refused row with its row number and reason) → commit on confirmation.
The commit creates every valid row or none.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jinguo.accounts.permissions import Perm
from jinguo.accounts.scoping import scope_paths
from jinguo.core.audit import record
from jinguo.core.errors import ActionError
from jinguo.core.excel import read_rows
from jinguo.core.models import AuditEvent

from .actions import do_create_unit
from .models import KIND_ALIASES, Unit, UnitImport, UnitKind, validate_division_code

COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("单位名称", "名称", "组织名称"),
    "kind": ("单位类型", "类型", "组织类型"),
    "parent": ("上级单位", "上级单位名称或区划代码", "上级单位名称", "上级区划代码", "上级"),
    "division_code": ("区划代码", "统计用区划代码", "代码"),
    "federation_established": ("是否建立妇联", "已建立妇联组织", "是否建立妇联组织", "妇联组织"),
}
REQUIRED = ("name", "kind", "parent")
YES = {"是", "已建", "已建立", "y", "yes", "true", "1", "√"}
NO = {"否", "未建", "未建立", "n", "no", "false", "0", "", "×"}


@dataclass
class Row:
    number: int
    name: str
    kind: str
    kind_text: str
    parent: str
    division_code: str
    federation_established: bool
    errors: list[str] = field(default_factory=list)
    input_errors: list[str] = field(default_factory=list)  # found in the row itself, kept for the commit
    status: str = "new"  # new | unchanged | refused
    parent_row: int | None = None
    parent_unit: int | None = None

    @property
    def reason(self) -> str:
        return ";".join(self.errors)


def _find_header(rows: list[list[Any]]) -> tuple[int, dict[str, int]]:
    for index, row in enumerate(rows[:15]):
        cells = [str(c).strip() for c in row]
        found: dict[str, int] = {}
        for key, aliases in COLUMNS.items():
            for col, text in enumerate(cells):
                if text in aliases and key not in found:
                    found[key] = col
        if all(k in found for k in REQUIRED):
            return index, found
    raise ActionError("找不到表头:表格中需要有“单位名称”“单位类型”“上级单位”三列(可另有“区划代码”“是否建立妇联”)")


def _cell(row: list[Any], col: int | None) -> str:
    if col is None or col >= len(row):
        return ""
    return str(row[col]).strip()


def parse(name: str, data: bytes) -> list[Row]:
    raw = read_rows(name, data)
    header_index, cols = _find_header(raw)
    rows: list[Row] = []
    for index in range(header_index + 1, len(raw)):
        values = raw[index]
        if not any(str(v).strip() for v in values):
            continue
        kind_text = _cell(values, cols["kind"])
        est_text = _cell(values, cols.get("federation_established")).lower()
        row = Row(
            number=index + 1,
            name=_cell(values, cols["name"]),
            kind=str(KIND_ALIASES.get(kind_text, "")),
            kind_text=kind_text,
            parent=_cell(values, cols["parent"]),
            division_code=_cell(values, cols.get("division_code")),
            federation_established=est_text in YES,
        )
        if not row.name:
            row.errors.append("单位名称为空")
        if not row.kind:
            row.errors.append(
                f"单位类型“{kind_text}”无法识别,可填:" + "、".join(UnitKind.labels) if kind_text else "单位类型为空"
            )
        if est_text not in YES | NO:
            row.errors.append(f"“是否建立妇联”应填 是 或 否,而不是“{est_text}”")
        if not row.parent:
            row.errors.append("上级单位为空")
        if row.division_code:
            try:
                validate_division_code(row.division_code)
            except ValidationError as exc:
                row.errors.append(exc.messages[0])
        row.input_errors = list(row.errors)
        rows.append(row)
    if not rows:
        raise ActionError("表格中没有数据行")
    return rows


def validate(actor: Any, rows: list[Row]) -> None:
    """Resolve parents and refuse what cannot be created, in place."""
    scope = Unit.objects.for_user(actor, perm=Perm.MANAGE_UNITS)
    # duplicated codes within the file
    by_code: dict[str, list[Row]] = {}
    for r in rows:
        if r.division_code:
            by_code.setdefault(r.division_code, []).append(r)
    for code, group in by_code.items():
        if len(group) > 1:
            numbers = "、".join(str(g.number) for g in group)
            for g in group:
                g.errors.append(f"区划代码 {code} 在文件中重复(第{numbers}行)")
    # the same name twice under the same parent
    by_place: dict[tuple[str, str], list[Row]] = {}
    for r in rows:
        if r.name and r.parent:
            by_place.setdefault((r.name, r.parent), []).append(r)
    for (name, parent), group in by_place.items():
        if len(group) > 1:
            numbers = "、".join(str(g.number) for g in group)
            for g in group:
                g.errors.append(f"“{parent}”下的“{name}”在文件中重复(第{numbers}行)")
    visible = scope_paths(actor)
    existing_codes = {
        code: (f"单位“{name}”" if any(path.startswith(p) for p in visible) else "其他单位")
        for code, name, path in Unit.objects.filter(division_code__in=list(by_code)).values_list(
            "division_code", "name", "path"
        )
    }
    by_name: dict[str, list[Row]] = {}
    for r in rows:
        by_name.setdefault(r.name, []).append(r)

    for r in rows:
        ref = r.parent
        if not ref:
            continue
        file_matches = by_code.get(ref, []) if ref.isdigit() else by_name.get(ref, [])
        if len(file_matches) > 1:
            r.errors.append(f"上级单位“{ref}”在文件中对应多行,请改填区划代码")
            continue
        if file_matches:
            r.parent_row = file_matches[0].number
            continue
        units = list(scope.filter(division_code=ref)[:2] if ref.isdigit() else scope.filter(name=ref)[:2])
        if not units:
            r.errors.append(f"上级单位“{ref}”不存在或不在您的管理范围内")
        elif len(units) > 1:
            r.errors.append(f"上级单位名称“{ref}”不唯一,请改填区划代码")
        elif units[0].is_closed:
            r.errors.append(f"上级单位“{ref}”已撤销")
        else:
            r.parent_unit = units[0].pk

    _refuse_cycles(rows)
    _mark_existing(rows, existing_codes)

    # a row whose parent row is refused is refused too (repeat until stable)
    by_number = {r.number: r for r in rows}
    changed = True
    while changed:
        changed = False
        for r in rows:
            if not r.errors and r.parent_row is not None and by_number[r.parent_row].errors:
                r.errors.append(f"上级单位所在的第{r.parent_row}行有错误")
                changed = True
    for r in rows:
        if r.errors:
            r.status = "refused"


def _mark_existing(rows: list[Row], existing_codes: dict[str, str]) -> None:
    """Rows that exist already: same code, or same name under the same existing parent.

    A parent row is decided before the rows below it, wherever they stand in the file: a row whose
    parent row exists already is attached to that unit, and is then checked for a twin itself (so
    that importing the same file twice creates nothing the second time)."""
    by_number = {r.number: r for r in rows}
    done: set[int] = set()
    progress = True
    while progress:
        progress = False
        for r in rows:
            if r.number in done or r.errors:
                continue
            if r.parent_row is not None:
                parent_row = by_number[r.parent_row]
                if parent_row.errors or parent_row.number not in done:
                    continue  # refused below with its parent row, or waiting for it
                twin = _existing_twin(parent_row) if parent_row.status == "unchanged" else None
                if twin is not None:
                    r.parent_row, r.parent_unit = None, twin.pk
            if r.division_code and r.division_code in existing_codes:
                same = Unit.objects.filter(division_code=r.division_code, name=r.name).first()
                same_parent = Unit.objects.get_parent(same) if same is not None else None
                if same_parent is not None and r.parent_unit is not None and same_parent.pk == r.parent_unit:
                    r.status = "unchanged"
                else:
                    r.errors.append(f"区划代码 {r.division_code} 已被{existing_codes[r.division_code]}使用")
            elif r.parent_unit is not None:
                parent = Unit.objects.get(pk=r.parent_unit)
                if Unit.objects.get_children(parent).filter(name=r.name).exists():
                    r.status = "unchanged"
            done.add(r.number)
            progress = True


def _existing_twin(row: Row) -> Unit | None:
    if row.division_code:
        return Unit.objects.filter(division_code=row.division_code).first()
    if row.parent_unit is not None:
        return Unit.objects.get_children(Unit.objects.get(pk=row.parent_unit)).filter(name=row.name).first()
    return None


def _refuse_cycles(rows: list[Row]) -> None:
    by_number = {r.number: r for r in rows}
    for start in rows:
        seen: list[int] = []
        current: Row | None = start
        while current is not None and current.parent_row is not None:
            if current.number in seen:
                cycle = seen[seen.index(current.number) :]
                numbers = "、".join(str(n) for n in sorted(cycle))
                for n in cycle:
                    msg = f"上级关系形成循环(第{numbers}行)"
                    if msg not in by_number[n].errors:
                        by_number[n].errors.append(msg)
                break
            seen.append(current.number)
            current = by_number.get(current.parent_row)


def counts(rows: list[Row]) -> dict[str, int]:
    out = {"total": len(rows), "new": 0, "unchanged": 0, "refused": 0}
    for r in rows:
        out[r.status] += 1
    return out


@transaction.atomic
def do_preview_import(*, actor: Any, filename: str, data: bytes) -> UnitImport:
    rows = parse(filename, data)
    validate(actor, rows)
    imp = UnitImport.objects.create(
        created_by=actor,
        filename=filename[:200],
        rows=[asdict(r) for r in rows],
        counts=counts(rows),
    )
    return imp


@transaction.atomic
def do_commit_import(*, actor: Any, imp: UnitImport) -> dict[str, int]:
    imp = UnitImport.objects.select_for_update().get(pk=imp.pk)
    if imp.status != UnitImport.Status.PREVIEW:
        raise ActionError("该导入已提交或已取消,不能重复提交")
    rows = [Row(**r) for r in imp.rows]
    # validate again: the tree may have changed since the preview
    for r in rows:
        r.errors, r.status, r.parent_row, r.parent_unit = list(r.input_errors), "new", None, None
    validate(actor, rows)
    now = counts(rows)
    if now != imp.counts:
        raise ActionError("预览之后组织树已有变化,请重新上传文件生成预览")
    created: dict[int, Unit] = {}
    pending = [r for r in rows if r.status == "new"]
    while pending:
        progress = False
        for r in list(pending):
            if r.parent_row is not None and r.parent_row not in created:
                continue
            parent = created[r.parent_row] if r.parent_row is not None else Unit.objects.get(pk=r.parent_unit)
            created[r.number] = do_create_unit(
                actor=actor,
                parent=parent,
                name=r.name,
                kind=r.kind,
                division_code=r.division_code or None,
                federation_established=r.federation_established,
            )
            pending.remove(r)
            progress = True
        if not progress:  # pragma: no cover - cycles are refused in validate()
            raise ActionError("上级关系无法确定,导入已取消")
    imp.status = UnitImport.Status.COMMITTED
    imp.committed_at = timezone.now()
    imp.save(update_fields=["status", "committed_at"])
    record(AuditEvent.IMPORT, user=actor, obj=imp, detail={"created": len(created), **now})
    return {**now, "created": len(created)}
