"""The person register's API: /api/persons/…, scoped exactly like the pages (VIEW_RECORDS to read,
EDIT_RECORDS to write, REVEAL to see a whole value). Values are masked."""

from typing import Any

from django.db.models import Prefetch
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from jinguo.accounts.permissions import Perm
from jinguo.accounts.scoping import has_perm_at, scope_paths
from jinguo.core.access import deny, get_scoped_or_404
from jinguo.core.context import AuthedHttpRequest
from jinguo.core.errors import ActionError
from jinguo.core.paging import Counted, CountedLimitOffset
from jinguo.orgs.models import Unit

from . import actions
from .access import get_person_for_user, persons_for
from .filters import PersonFilters
from .models import Education, Employment, GuardianRelation, HouseholdMember, Person, PersonCategory
from .schemas import DuplicateOut, PersonDetailOut, PersonIn, PersonOut, PersonPatch, RevealIn, RevealOut

router = Router(tags=["人员与家庭"])

# what a list row needs: the other sensitive columns are not even decrypted
LIST_COLUMNS = ("id", "name", "gender", "birth_date", "id_number", "phone", "unit", "unit_path", "unit__name")

CHOICES = {
    "education": ("文化程度", Education),
    "employment": ("就业状况", Employment),
    "guardian_relation": ("与监护人关系", GuardianRelation),
}


class PersonQuery(Schema):
    q: str = ""
    category: str = ""
    unit: int | None = None
    gender: str = ""
    age: str = ""


def _open_categories() -> Prefetch:
    rows = (
        PersonCategory.objects.filter(ended_on__isnull=True).select_related("category").order_by("category__sort", "pk")
    )
    return Prefetch("categories", queryset=rows, to_attr="open_categories")


def _detail(person: Person) -> Person:
    rows = list(
        PersonCategory.objects.filter(person=person).select_related("category").order_by("category__sort", "pk")
    )
    person.open_categories = [r for r in rows if r.ended_on is None]  # type: ignore[attr-defined]
    person.category_rows = sorted(rows, key=lambda r: r.ended_on is not None)  # type: ignore[attr-defined]
    person.household_ids = list(  # type: ignore[attr-defined]
        HouseholdMember.objects.filter(person=person).order_by("household_id").values_list("household_id", flat=True)
    )
    return person


def _require_scope(user: Any) -> None:
    if not scope_paths(user, perm=Perm.VIEW_RECORDS):
        raise deny(user, model=Person, reason="no unit")


def _editable(user: Any, person_id: int) -> Person:
    person = get_person_for_user(user, person_id)
    if not has_perm_at(user, Perm.EDIT_RECORDS, person.unit):
        raise deny(user, model=Person, object_pk=person_id, reason="edit_records")
    return person


def _unit(user: Any, unit_id: int) -> Unit:
    """A unit where the user may register persons; 404 for one she cannot see or not edit."""
    unit = get_scoped_or_404(Unit.objects.for_user(user, perm=Perm.VIEW_RECORDS), user, unit_id)
    if not has_perm_at(user, Perm.EDIT_RECORDS, unit):
        raise deny(user, model=Unit, object_pk=unit_id, reason="edit_records")
    return unit


def _fields(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    for key, (label, choices) in CHOICES.items():
        value = data.get(key)
        if value and value not in choices.values:
            raise ActionError(f"{label}“{value}”无效,可选:" + "、".join(choices.values), field=key)
    if "guardian_id" in data:
        pk = data.pop("guardian_id")
        guardian = persons_for(user).filter(pk=pk).first() if pk is not None else None
        if pk is not None and guardian is None:
            raise ActionError("监护人不存在,或不在您可查看的范围内", field="guardian_id")
        data["guardian"] = guardian
    return data


def _duplicate(exc: actions.DuplicatePerson) -> Status:
    body = {"detail": exc.message, "field": "id_number", "existing_id": exc.existing.pk if exc.existing else None}
    return Status(400, body)


@router.get(
    "/",
    response=list[PersonOut],
    summary="人员列表(本人可见范围,敏感信息脱敏)",
    description="count 为符合条件的人数;count_capped 为 true 时表示超过 count 人(宽泛的检索只计到上限)。",
)
@paginate(CountedLimitOffset)
def list_persons(request: AuthedHttpRequest, filters: Query[PersonQuery]) -> Any:
    _require_scope(request.auth)
    wanted = PersonFilters.from_params(filters.dict())
    qs = wanted.apply(persons_for(request.auth), user=request.auth)
    counted = wanted.counts(qs, user=request.auth)
    rows = qs.select_related("unit").only(*LIST_COLUMNS).prefetch_related(_open_categories())
    return Counted(rows.order_by("unit_path", "name", "pk"), counted.total, capped=counted.capped)


@router.post("/", response={201: PersonDetailOut, 400: DuplicateOut}, summary="登记人员")
def create_person(request: AuthedHttpRequest, payload: PersonIn) -> Any:
    unit = _unit(request.auth, payload.unit_id)
    data = _fields(request.auth, payload.dict(exclude={"unit_id", "categories"}))
    try:
        person = actions.do_create_person(actor=request.auth, unit=unit, categories=payload.categories, **data)
    except actions.DuplicatePerson as exc:
        return _duplicate(exc)
    return Status(201, _detail(Person.objects.select_related("unit").get(pk=person.pk)))


@router.get("/{person_id}/", response=PersonDetailOut, summary="人员详情(敏感信息脱敏)")
def get_person(request: AuthedHttpRequest, person_id: int) -> Any:
    return _detail(get_person_for_user(request.auth, person_id))


@router.patch("/{person_id}/", response={200: PersonDetailOut, 400: DuplicateOut}, summary="修改人员信息")
def update_person(request: AuthedHttpRequest, person_id: int, payload: PersonPatch) -> Any:
    person = _editable(request.auth, person_id)
    data = payload.dict(exclude_unset=True)
    if "unit_id" in data:
        unit_id = data.pop("unit_id")
        if unit_id is None:
            raise ActionError("所属单位不能为空", field="unit_id")
        if unit_id != person.unit_id:
            data["unit"] = _unit(request.auth, unit_id)
    if "name" in data and data["name"] is None:
        raise ActionError("请填写姓名", field="name")
    if "dropped_out" in data and data["dropped_out"] is None:
        data["dropped_out"] = False
    data = _fields(request.auth, data)
    try:
        actions.do_update_person(actor=request.auth, person=person, **data)
    except actions.DuplicatePerson as exc:
        return _duplicate(exc)
    return _detail(Person.objects.select_related("unit").get(pk=person.pk))


@router.post("/{person_id}/reveal/", response=RevealOut, summary="查看完整敏感信息(记入审计日志)")
def reveal(request: AuthedHttpRequest, person_id: int, payload: RevealIn) -> Any:
    person = get_person_for_user(request.auth, person_id)
    if not has_perm_at(request.auth, Perm.REVEAL, person.unit):
        raise deny(request.auth, model=Person, object_pk=person_id, reason="reveal")
    if payload.field not in actions.SENSITIVE_FIELDS:
        raise ActionError(f"字段“{payload.field}”不能查看,可选:" + "、".join(actions.SENSITIVE_FIELDS), field="field")
    value = actions.reveal(actor=request.auth, person=person, field=payload.field)
    return {"field": payload.field, "value": value}
