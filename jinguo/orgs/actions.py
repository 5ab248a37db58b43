"""Every write on the unit tree: create, edit, move, close, reopen, delete. Atomic and audited
(django-auditlog records the field changes of Unit)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from jinguo.accounts.permissions import Perm
from jinguo.accounts.scoping import has_perm_at
from jinguo.core.audit import record
from jinguo.core.errors import ActionError
from jinguo.core.models import AuditEvent, scoped_models
from jinguo.core.tree import under

from .models import Unit, UnitKind, validate_division_code

EDITABLE = ("name", "kind", "division_code", "federation_established", "federation_since", "address", "phone", "notes")


def _require(actor: Any, unit: Unit) -> None:
    if not has_perm_at(actor, Perm.MANAGE_UNITS, unit):
        raise ActionError("您无权管理该单位")


def _unit_words(actor: Any, other: Unit) -> str:
    """'单位“东一社区”' when the actor may see that unit, else '其他单位': a message names no unit
    outside her view."""
    if actor is not None and has_perm_at(actor, Perm.VIEW_UNITS, other):
        return f"单位“{other.name}”"
    return "其他单位"


def _clean(fields: dict[str, Any], *, actor: Any = None, exclude_pk: int | None = None) -> dict[str, Any]:
    out = {k: v for k, v in fields.items() if k in EDITABLE}
    if "name" in out:
        out["name"] = (out["name"] or "").strip()
        if not out["name"]:
            raise ActionError("请填写单位名称", field="name")
    for key in ("address", "phone", "notes"):  # an API null clears the text, the column is NOT NULL
        if key in out and out[key] is None:
            out[key] = ""
    for key in ("name", "address", "phone"):
        limit = Unit._meta.get_field(key).max_length
        if key in out and limit is not None and len(out[key]) > limit:
            label = Unit._meta.get_field(key).verbose_name
            raise ActionError(f"{label}不能超过{limit}个字", field=key)
    if "federation_established" in out and out["federation_established"] is None:
        raise ActionError("请选择是否已建立妇联组织", field="federation_established")
    if "kind" in out and out["kind"] not in UnitKind.values:
        raise ActionError("单位类型无效", field="kind")
    # only a code that was given is touched: a PATCH without it keeps the unit's code
    code = out.get("division_code")
    if "division_code" in out and (code is None or not str(code).strip()):
        out["division_code"] = None
    elif code is not None:
        code = str(code).strip()
        try:
            validate_division_code(code)
        except ValidationError as exc:
            raise ActionError(exc.messages[0], field="division_code") from exc
        clash = Unit.objects.filter(division_code=code)
        if exclude_pk:
            clash = clash.exclude(pk=exclude_pk)
        other = clash.first()
        if other is not None:
            raise ActionError(f"区划代码 {code} 已被{_unit_words(actor, other)}使用", field="division_code")
        out["division_code"] = code
    since = out.get("federation_since")
    if isinstance(since, dt.date) and since > timezone.localdate():
        raise ActionError("建立时间不能晚于今天", field="federation_since")
    if "federation_established" in out and not out["federation_established"]:
        out["federation_since"] = None
    return out


@transaction.atomic
def do_create_unit(*, actor: Any, parent: Unit, **fields: Any) -> Unit:
    _require(actor, parent)
    if parent.is_closed:
        raise ActionError("上级单位已撤销,不能在其下新建单位")
    data = _clean(fields, actor=actor)
    if "kind" not in data:
        raise ActionError("请选择单位类型", field="kind")
    parent = Unit.objects.select_for_update().get(pk=parent.pk)
    return Unit.objects.add_child(parent, create_kwargs=data)


@transaction.atomic
def do_update_unit(*, actor: Any, unit: Unit, **fields: Any) -> Unit:
    _require(actor, unit)
    data = _clean(fields, actor=actor, exclude_pk=unit.pk)
    for key, value in data.items():
        setattr(unit, key, value)
    unit.save()
    return unit


@transaction.atomic
def do_move_unit(*, actor: Any, unit: Unit, new_parent: Unit) -> Unit:
    """Re-parent `unit` (with its subtree) under `new_parent`; the copied paths of every scoped
    record in the subtree follow."""
    old_parent = Unit.objects.get_parent(unit)
    if old_parent is None or not has_perm_at(actor, Perm.MANAGE_UNITS, old_parent):
        raise ActionError("您无权迁移该单位")
    _require(actor, new_parent)
    if new_parent.path.startswith(unit.path):
        raise ActionError("不能把单位迁移到它自己或它的下级单位之下", field="new_parent")
    if new_parent.is_closed:
        raise ActionError("目标上级单位已撤销", field="new_parent")
    if old_parent.pk == new_parent.pk:
        raise ActionError("该单位已在目标上级单位之下", field="new_parent")
    old_path = unit.path
    Unit.objects.move(unit, new_parent, pos="last-child")
    unit.refresh_from_db()
    new_path = unit.path
    for model in scoped_models():
        model._default_manager.filter(under("unit_path", old_path)).update(
            unit_path=Concat(Value(new_path), Substr(F("unit_path"), len(old_path) + 1))
        )
    record(
        AuditEvent.UPDATE,
        user=actor,
        obj=unit,
        detail={
            "action": "move",
            "from": old_parent.name,
            "from_id": old_parent.pk,
            "to": new_parent.name,
            "to_id": new_parent.pk,
        },
    )
    return unit


@transaction.atomic
def do_close_unit(*, actor: Any, unit: Unit, reason: str) -> Unit:
    _require(actor, unit)
    if unit.is_closed:
        raise ActionError("该单位已撤销")
    if not reason.strip():
        raise ActionError("请填写撤销原因", field="reason")
    if any(scope == unit.path for scope in _actor_roots(actor)):
        raise ActionError("不能撤销您本人所在的单位")
    if Unit.objects.filter(under("path", unit.path), depth__gt=unit.depth, is_closed=False).exists():
        raise ActionError("该单位还有未撤销的下级单位,请先撤销或迁移下级单位")
    from jinguo.accounts.models import Membership

    staff = Membership.objects.filter(unit=unit, user__is_active=True).count()
    if staff:
        raise ActionError(f"该单位还有 {staff} 名在岗用户,请先在“用户管理”中为她们调整单位或停用账户")
    unit.is_closed = True
    unit.closed_at = timezone.now()
    unit.closed_reason = reason.strip()
    unit.save()
    return unit


@transaction.atomic
def do_reopen_unit(*, actor: Any, unit: Unit) -> Unit:
    _require(actor, unit)
    parent = Unit.objects.get_parent(unit)
    if parent is not None and parent.is_closed:
        raise ActionError("上级单位已撤销,请先恢复上级单位")
    unit.is_closed = False
    unit.closed_at = None
    unit.closed_reason = ""
    unit.save()
    return unit


def unit_has_records(unit: Unit) -> bool:
    """Whether any record or user belongs to the unit: such a unit can be closed, never deleted.
    Derived rows (counts kept for the lists) are not records."""
    return any(
        model._default_manager.filter(unit=unit).exists()
        for model in scoped_models()
        if not getattr(model, "derived", False)
    )


@transaction.atomic
def do_delete_unit(*, actor: Any, unit: Unit) -> None:
    parent = Unit.objects.get_parent(unit)
    if parent is None or not has_perm_at(actor, Perm.MANAGE_UNITS, parent):
        raise ActionError("您无权删除该单位")
    if Unit.objects.get_children_count(unit):
        raise ActionError("该单位有下级单位,不能删除")
    if unit_has_records(unit):
        raise ActionError("该单位已有用户或业务记录,不能删除,只能撤销")
    for model in scoped_models():
        if getattr(model, "derived", False):
            model._default_manager.filter(unit=unit).delete()
    unit.delete()


def _actor_roots(actor: Any) -> list[str]:
    return [m.unit.path for m in actor.active_memberships()]
