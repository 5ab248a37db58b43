from typing import Any

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Length, Substr
from ninja import Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from jinguo.accounts.permissions import Perm
from jinguo.accounts.scoping import has_perm_at
from jinguo.core.access import deny
from jinguo.core.context import AuthedHttpRequest
from jinguo.core.errors import ActionError

from . import actions
from .access import get_unit_for_user
from .models import Unit, UnitKind, coverage_of
from .schemas import CoverageOut, MoveIn, UnitIn, UnitOut, UnitPatch

router = Router(tags=["组织网络"])


class UnitFilter(Schema):
    q: str = ""
    kind: str = ""
    include_closed: bool = False


def _out(unit: Unit, parent_id: int | None = None) -> Unit:
    if parent_id is None and unit.depth > 1:
        parent = Unit.objects.filter(path=unit.path[: -unit.steplen]).values_list("pk", flat=True).first()
        parent_id = parent
    unit.parent_id = parent_id
    return unit


@router.get("/", response=list[UnitOut], summary="单位列表(本人可见范围)")
@paginate(LimitOffsetPagination)
def list_units(request: AuthedHttpRequest, filters: Query[UnitFilter]) -> Any:
    # the parent's id in the same query (the detail endpoint gives it too; the list gave null)
    parent = Unit.objects.filter(path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Unit.steplen))
    qs = Unit.objects.for_user(request.auth).annotate(parent_id=Subquery(parent.values("pk")[:1]))
    if filters.q:
        qs = qs.search(filters.q)
    if filters.kind:
        if filters.kind not in UnitKind.values:
            raise ActionError(f"单位类型“{filters.kind}”无效,可选:" + "、".join(UnitKind.values), field="kind")
        qs = qs.filter(kind=filters.kind)
    if not filters.include_closed:
        qs = qs.open()
    return qs


@router.get("/{unit_id}/", response=UnitOut, summary="单位详情")
def get_unit(request: AuthedHttpRequest, unit_id: int) -> Any:
    return _out(get_unit_for_user(request.auth, unit_id))


@router.get("/{unit_id}/children/", response=list[UnitOut], summary="下级单位")
def unit_children(request: AuthedHttpRequest, unit_id: int) -> Any:
    unit = get_unit_for_user(request.auth, unit_id)
    return [_out(c, unit.pk) for c in Unit.objects.get_children(unit).order_by("path")]


@router.get("/{unit_id}/coverage/", response=CoverageOut, summary="妇联组织覆盖情况")
def unit_coverage(request: AuthedHttpRequest, unit_id: int) -> Any:
    unit = get_unit_for_user(request.auth, unit_id)
    cov = coverage_of(unit)
    return {
        "unit_id": unit.pk,
        "total": cov.total,
        "established": cov.established,
        "share": str(cov.share),
        "sentence": cov.sentence(),
        "kinds": [
            {"kind": k.kind, "label": k.label, "total": k.total, "established": k.established, "share": str(k.share)}
            for k in cov.kinds
        ],
    }


def _manageable(user: Any, unit_id: int) -> Unit:
    unit = get_unit_for_user(user, unit_id)
    if not has_perm_at(user, Perm.MANAGE_UNITS, unit):
        raise deny(user, model=Unit, object_pk=unit_id, reason="manage_units")
    return unit


@router.post("/", response={201: UnitOut}, summary="新建单位")
def create_unit(request: AuthedHttpRequest, payload: UnitIn) -> Any:
    parent = _manageable(request.auth, payload.parent_id)
    data = payload.dict(exclude={"parent_id"})
    unit = actions.do_create_unit(actor=request.auth, parent=parent, **data)
    return Status(201, _out(unit, parent.pk))


@router.patch("/{unit_id}/", response=UnitOut, summary="修改单位")
def update_unit(request: AuthedHttpRequest, unit_id: int, payload: UnitPatch) -> Any:
    unit = _manageable(request.auth, unit_id)
    data = payload.dict(exclude_unset=True)
    return _out(actions.do_update_unit(actor=request.auth, unit=unit, **data))


@router.post("/{unit_id}/move/", response=UnitOut, summary="迁移单位(更换上级)")
def move_unit(request: AuthedHttpRequest, unit_id: int, payload: MoveIn) -> Any:
    unit = get_unit_for_user(request.auth, unit_id)
    parent = Unit.objects.get_parent(unit)
    if parent is None or not has_perm_at(request.auth, Perm.MANAGE_UNITS, parent):
        raise deny(request.auth, model=Unit, object_pk=unit_id, reason="move")
    target = _manageable(request.auth, payload.new_parent_id)
    unit = actions.do_move_unit(actor=request.auth, unit=unit, new_parent=target)
    return _out(unit, target.pk)
