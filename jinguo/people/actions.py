"""Every write on persons, categories and households. Keyword-only, atomic, audited."""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import ForeignObjectRel
from django.utils import timezone

from jinguo.accounts.permissions import Perm
from jinguo.accounts.scoping import has_perm_at
from jinguo.core import bulk
from jinguo.core.audit import record, record_created_rows
from jinguo.core.crypto import blind_index
from jinguo.core.errors import ActionError
from jinguo.core.models import AuditEvent

from . import counts
from .access import visible_to
from .models import (
    ID_PURPOSE,
    Category,
    CategoryDictionary,
    Gender,
    Household,
    HouseholdMember,
    Person,
    PersonCategory,
    derived_columns,
)
from .validators import birth_date_of, clean_id_number, clean_phone, gender_of

PERSON_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_number",
    "phone",
    "address",
    "ethnicity",
    "education",
    "employment",
    "notes",
    "guardian",
    "guardian_name",
    "guardian_relation",
    "guardian_phone",
    "school",
    "grade",
    "dropped_out",
    "residence_years",
)
SENSITIVE_FIELDS = {
    "id_number": "身份证号",
    "phone": "联系电话",
    "address": "住址",
    "notes": "备注",
    "guardian_phone": "监护人电话",
}


class DuplicatePerson(ActionError):
    """The ID number is registered already; `existing` is that person when the user may see her."""

    def __init__(self, message: str, existing: Person | None) -> None:
        super().__init__(message, field="id_number")
        self.existing = existing


def _require(actor: Any, unit: Any, perm: Perm = Perm.EDIT_RECORDS) -> None:
    if unit is None or not has_perm_at(actor, perm, unit):
        raise ActionError("您无权在该单位登记或修改人员", field="unit")


_GENDERS = frozenset(Gender.values)  # Choices.values builds its list on every call


def _clean(
    actor: Any,
    data: dict[str, Any],
    *,
    current: Person | None = None,
    look_up_duplicates: bool = True,
    today: dt.date | None = None,
) -> dict[str, Any]:
    out = {k: v for k, v in data.items() if k in PERSON_FIELDS}
    if "name" in out:
        out["name"] = (out["name"] or "").strip()
        if not out["name"]:
            raise ActionError("请填写姓名", field="name")
        if len(out["name"]) > 50:
            raise ActionError("姓名不能超过50个字", field="name")
    for key in ("phone", "guardian_phone"):
        if key in out:
            try:
                out[key] = clean_phone(out[key])
            except ActionError as exc:
                raise ActionError(exc.message, field=key) from exc
    for key in (
        "address",
        "notes",
        "ethnicity",
        "school",
        "grade",
        "education",
        "employment",
        "guardian_name",
        "guardian_relation",
    ):
        if key in out and out[key] is None:
            out[key] = ""
    if "id_number" in out:
        out["id_number"] = clean_id_number(out["id_number"])
    id_number = out.get("id_number", current.id_number if current else None)
    if id_number:
        born, gender = birth_date_of(id_number), gender_of(id_number)
        typed_birth = out.get("birth_date")
        if typed_birth and typed_birth != born:
            raise ActionError(
                f"出生日期与身份证号不一致:身份证号显示出生于{born.year}年{born.month}月{born.day}日",
                field="birth_date",
            )
        typed_gender = out.get("gender")
        if typed_gender and typed_gender != gender:
            raise ActionError(f"性别与身份证号不一致:身份证号显示为{Gender(gender).label}性", field="gender")
        out["birth_date"], out["gender"] = born, gender
        if "id_number" in out and look_up_duplicates:
            _refuse_duplicate(actor, id_number, current)
    if not out.get("gender", current.gender if current else ""):
        raise ActionError("请选择性别", field="gender")
    if out.get("gender") and out["gender"] not in _GENDERS:
        raise ActionError("性别应为“男”或“女”", field="gender")
    typed = out.get("birth_date")
    if isinstance(typed, dt.date) and typed > (today or timezone.localdate()):
        raise ActionError("出生日期不能晚于今天", field="birth_date")
    guardian = out.get("guardian")
    if guardian is not None and current is not None and guardian.pk == current.pk:
        raise ActionError("监护人不能是本人", field="guardian")
    return out


def _refuse_duplicate(actor: Any, id_number: str, current: Person | None) -> None:
    existing = Person.objects.filter(id_hash=blind_index(id_number, purpose=ID_PURPOSE))
    if current is not None:
        existing = existing.exclude(pk=current.pk)
    other = existing.first()
    if other is None:
        return
    if visible_to(actor, other):
        raise DuplicatePerson(f"该身份证号已登记:{other.name}({other.unit.name}),一人只建一份档案", other)
    raise DuplicatePerson("该身份证号已在其他单位登记,一人只建一份档案。请联系上级单位核实", None)


@transaction.atomic
def do_create_person(*, actor: Any, unit: Any, categories: list[str] | None = None, **fields: Any) -> Person:
    _require(actor, unit)
    data = _clean(actor, fields)
    person = Person(unit=unit, created_by=actor if getattr(actor, "pk", None) else None, **data)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:  # two registrations of one ID number at the same moment
        raise ActionError("该身份证号已登记,一人只建一份档案", field="id_number") from exc
    counts.person_added(person)
    for code in categories or []:
        do_set_category(actor=actor, person=person, code=code)
    return person


@dataclass(frozen=True)
class NewPerson:
    """One person for do_create_persons: her unit, her fields (as do_create_person takes them) and
    the codes of her categories. `prepared`, when given, is what prepare_person made of the same
    fields beforehand (a ledger's dry run does it, and the import's plan carries it): the fields
    are then not cleaned and derived again."""

    unit: Any
    fields: dict[str, Any]
    categories: tuple[str, ...] = ()
    prepared: dict[str, Any] | None = None


BULK_BATCH = 2000


@transaction.atomic
def do_create_persons(
    *,
    actor: Any,
    persons: Iterable[NewPerson],
    count: int | None = None,
    detail: dict[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
    written: set[Any] | None = None,
) -> int:
    """Register many persons at once (a ledger import): the checks of do_create_person for each,
    then bulk writes, batch by batch, of the persons, their category rows, their audit rows and the
    counts. An ID number registered meanwhile is caught by the unique index: nothing is written
    then. `detail` goes into each audit row (the import job); progress(n) after each batch.

    `persons` may be an iterator (an import's rows as they are looked up): `count`, how many it
    gives, lets PostgreSQL's keys be taken in one query beforehand; the ids of the persons are
    added to `written` as each batch is handed over. Returns how many were written (the objects
    are not kept: an import holds 100,000)."""
    if count is None and isinstance(persons, Sequence):
        count = len(persons)
    today = timezone.localdate()
    creator_id = actor.pk if getattr(actor, "pk", None) else None
    dictionary = CategoryDictionary()
    tally: Counter[tuple[Any, str]] = Counter()
    allowed: set[Any] = set()  # units checked
    done = 0
    keys = bulk.reserve_keys(Person, count) if count else None  # one query, so that the batches need none
    stream = iter(persons)
    try:
        # PostgreSQL writes each batch while the next is prepared (core.bulk.pipelined)
        with bulk.pipelined():
            while batch := list(itertools.islice(stream, BULK_BATCH)):
                for new in batch:
                    if new.unit.pk not in allowed:
                        _require(actor, new.unit)
                        allowed.add(new.unit.pk)
                # rows, not Person objects: building 100,000 model objects took a fifth of an import
                rows = [_person_row(actor, p, creator_id, today) for p in batch]
                if keys is not None:
                    for row, key in zip(rows, keys[done : done + len(rows)], strict=True):
                        row["id"] = key
                bulk.insert_rows(Person, rows)
                if written is not None:
                    written.update(row["id"] for row in rows)
                _write_batch_extras(actor, dictionary, rows, batch, creator_id, today, detail, tally)
                done += len(rows)
                if progress is not None:
                    progress(done)
            bulk.flush()  # its errors here, inside an enclosing pipeline too
    except IntegrityError as exc:  # the unique index on id_hash: registered since the look-up
        raise ActionError(
            "文件中有身份证号刚被他人登记,一人只建一份档案。请重新上传文件生成预览", field="id_number"
        ) from exc
    counts.add_many(tally)
    return done


def _write_batch_extras(
    actor: Any,
    dictionary: CategoryDictionary,
    rows: Sequence[dict[str, Any]],
    batch: Sequence[NewPerson],
    creator_id: Any,
    today: dt.date,
    detail: dict[str, Any] | None,
    tally: Counter[tuple[Any, str]],
) -> None:
    """A batch of new persons' category rows, audit rows and counts (do_create_persons)."""
    held = [
        (row["id"], new.unit, _available(dictionary, new.unit, code))
        for row, new in zip(rows, batch, strict=True)
        for code in dict.fromkeys(new.categories)
    ]
    bulk.insert_rows(
        PersonCategory,
        [
            {"person_id": key, "category_id": category.pk, "set_on": today, "set_by_id": creator_id}
            for key, _, category in held
        ],
        keys=False,
    )
    # one audit row per person, her categories in it (their rows have no audit row of their own)
    named: dict[int, list[str]] = {}
    for key, _, category in held:
        named.setdefault(key, []).append(category.name)
    record_created_rows(
        Person,
        rows,
        describe=operator.itemgetter("name"),  # str(person)
        user=actor,
        detail=detail,
        extra={key: {"categories": ["None", "、".join(n)]} for key, n in named.items()},
    )
    tally.update((new.unit, counts.ALL) for new in batch)
    tally.update((unit, category.code) for _, unit, category in held)


def _person_row(actor: Any, new: NewPerson, creator_id: Any, today: dt.date) -> dict[str, Any]:
    """A new person's row for core.bulk.insert_rows: the fields as do_create_person cleans them,
    by attribute name, with the derived columns (prepared beforehand, or here)."""
    row = dict(new.prepared) if new.prepared is not None else prepare_person(actor, new.fields, today=today)
    row["unit_id"], row["created_by_id"], row["unit_path"] = new.unit.pk, creator_id, new.unit.path
    return row


def prepare_person(
    actor: Any, fields: dict[str, Any], *, today: dt.date | None = None, cleaned: bool = False
) -> dict[str, Any]:
    """What do_create_persons writes for a new person with `fields`, but her unit: the fields as
    do_create_person cleans them (its checks, but the look-up of the ID number: ActionError for
    a bad field), by attribute name, with the columns derived from them. `cleaned`: the caller
    has checked the fields to be what cleaning gives (the person ledger's dry run, whose checks
    a test holds to the same outcome), so they are not checked again. Uses no database: a
    ledger's dry run prepares its rows with it, in a helper process too (core.ledger.engine)."""
    row: dict[str, Any] = {}
    data = fields if cleaned else _clean(actor, fields, look_up_duplicates=False, today=today)
    for key, value in data.items():
        if key in _RELATIONS:
            row[_RELATIONS[key]] = value.pk if value is not None else None
        else:
            row[key] = value
    derived = derived_columns(row["name"], row.get("id_number"), row.get("phone"), "")
    del derived["unit_path"]  # her unit's, when she is written
    row.update(derived)
    return row


_RELATIONS = {f.name: f.attname for f in Person._meta.concrete_fields if f.is_relation}
_GONE = "-"  # in a difference: the fields prepare_person left out
_ABSENT = object()


def prepared_difference(fields: dict[str, Any], prepared: dict[str, Any]) -> dict[str, Any]:
    """What prepare_person made of `fields` that they do not hold already (the derived columns,
    what cleaning changed, under "-" the fields it left out): small enough for an import's plan
    to carry for each row; prepared_from(fields, it) gives `prepared` back."""
    out = {  # most values are the fields' own objects: told apart by identity first
        k: v
        for k, v in prepared.items()
        if fields.get(k, _ABSENT) is not v and (k not in fields or type(fields[k]) is not type(v) or fields[k] != v)
    }
    gone = [k for k in fields if k not in prepared]
    if gone:
        out[_GONE] = gone
    return out


def prepared_from(fields: dict[str, Any], difference: dict[str, Any]) -> dict[str, Any]:
    """The prepared row of `fields` from prepared_difference."""
    row = fields | difference
    for key in row.pop(_GONE, ()):
        del row[key]
    return row


def _available(dictionary: CategoryDictionary, unit: Any, code: str) -> Category:
    category = dictionary.for_unit(unit).get(code)
    if category is None:
        raise ActionError(f"人员类别“{code}”不存在", field="categories")
    return category


@transaction.atomic
def do_update_person(*, actor: Any, person: Person, **fields: Any) -> Person:
    _require(actor, person.unit)
    unit = fields.pop("unit", None)
    if unit is not None:
        _require(actor, unit)
    data = _clean(actor, fields, current=person)
    moved_from = person.unit_id if unit is not None and unit.pk != person.unit_id else None
    if unit is not None:
        person.unit = unit
    for key, value in data.items():
        setattr(person, key, value)
    person.save()
    if moved_from is not None:
        counts.recount([moved_from, person.unit_id])
    return person


def _category(actor: Any, person: Person, code: str) -> Category:
    category = Category.objects.available_to(person.unit).filter(code=code).first()
    if category is None:
        raise ActionError(f"人员类别“{code}”不存在", field="categories")
    return category


@transaction.atomic
def do_set_category(*, actor: Any, person: Person, code: str, set_on: dt.date | None = None) -> PersonCategory:
    _require(actor, person.unit)
    category = _category(actor, person, code)
    current = PersonCategory.objects.filter(person=person, category=category, ended_on__isnull=True).first()
    if current is not None:
        return current
    row = PersonCategory.objects.create(
        person=person, category=category, set_on=set_on or timezone.localdate(), set_by=actor
    )
    counts.add(person.unit, {category.code: 1})
    return row


@transaction.atomic
def do_end_category(*, actor: Any, person: Person, code: str, reason: str, ended_on: dt.date | None = None) -> None:
    _require(actor, person.unit)
    if not reason.strip():
        raise ActionError("请填写退出原因", field="reason")
    row = PersonCategory.objects.filter(person=person, category__code=code, ended_on__isnull=True).first()
    if row is None:
        raise ActionError("该人员不在这个类别中", field="categories")
    row.ended_on = ended_on or timezone.localdate()
    if row.ended_on < row.set_on:
        raise ActionError("退出日期不能早于认定日期", field="ended_on")
    row.ended_by = actor
    row.end_reason = reason.strip()
    row.save()
    counts.add(person.unit, {code: -1})


def similar_persons(person: Person) -> list[Person]:
    """Records without an ID number that look like `person`: same name, birth date and unit."""
    if person.birth_date is None:
        return []
    return list(
        Person.objects.filter(name=person.name, birth_date=person.birth_date, unit=person.unit)
        .exclude(pk=person.pk)
        .filter(id_hash__isnull=True)
    )


@transaction.atomic
def do_merge_persons(*, actor: Any, keep: Person, merge: Person) -> Person:
    """Fold `merge` into `keep`: every link to `merge` now points to `keep`, blank fields of `keep`
    take the values of `merge`, then `merge` is deleted. Audited with both ids."""
    if keep.pk == merge.pk:
        raise ActionError("不能把一条记录合并到它自己")
    _require(actor, keep.unit)
    _require(actor, merge.unit)
    if keep.id_hash and merge.id_hash and keep.id_hash != merge.id_hash:
        raise ActionError("两条记录的身份证号不同,不是同一人,不能合并")
    moved: dict[str, int] = {}
    # include_hidden: links without a reverse name (related_name="+", e.g. Household.head) count too
    reverse = [f for f in Person._meta.get_fields(include_hidden=True) if isinstance(f, ForeignObjectRel)]
    for rel in reverse:
        if not (rel.one_to_many or rel.one_to_one) or (rel.related_model is Person and rel.field.name != "guardian"):
            continue
        model, field = rel.related_model, rel.field.name
        if model is PersonCategory:
            open_codes = set(
                PersonCategory.objects.filter(person=keep, ended_on__isnull=True).values_list("category_id", flat=True)
            )
            dup = PersonCategory.objects.filter(person=merge, ended_on__isnull=True, category_id__in=open_codes)
            dup.update(ended_on=timezone.localdate(), ended_by=actor, end_reason="合并重复记录")
        if model is HouseholdMember:
            keep_households = HouseholdMember.objects.filter(person=keep).values_list("household_id", flat=True)
            HouseholdMember.objects.filter(person=merge, household_id__in=list(keep_households)).delete()
        count = model._default_manager.filter(**{field: merge}).update(**{field: keep})
        if count:
            moved[f"{model._meta.model_name}.{field}"] = count
    for name in PERSON_FIELDS:
        if name in ("name", "gender"):
            continue
        if getattr(keep, name) in (None, "", False) and getattr(merge, name) not in (None, "", False):
            setattr(keep, name, getattr(merge, name))
    merged_id, merged_repr, merged_unit = merge.pk, str(merge), merge.unit_id
    id_number = merge.id_number
    merge.delete()
    if not keep.id_number and id_number:
        keep.id_number = id_number
    keep.save()
    counts.recount([keep.unit_id, merged_unit])
    record(
        AuditEvent.UPDATE,
        user=actor,
        obj=keep,
        detail={"action": "merge", "merged_id": merged_id, "merged": merged_repr, "moved": moved},
    )
    return keep


def reveal(*, actor: Any, person: Person, field: str) -> str:
    """The whole value of a sensitive field, for a user with REVEAL at the person's unit; every
    reveal writes an access row to the audit log."""
    if field not in SENSITIVE_FIELDS:
        raise ActionError("该字段不能查看")
    if not has_perm_at(actor, Perm.REVEAL, person.unit):
        raise ActionError("您无权查看完整信息")
    record(AuditEvent.ACCESS, user=actor, obj=person, detail={"field": field})
    return str(getattr(person, field) or "")


# --- households -----------------------------------------------------------------------------------


@transaction.atomic
def do_create_household(
    *, actor: Any, unit: Any, head: Person, address: str = "", members: list[tuple[Person, str]] | None = None
) -> Household:
    _require(actor, unit)
    household = Household.objects.create(unit=unit, head=head, address=(address or "").strip())
    HouseholdMember.objects.create(household=household, person=head, relation="head")
    for person, relation in members or []:
        do_add_member(actor=actor, household=household, person=person, relation=relation)
    return household


@transaction.atomic
def do_add_member(*, actor: Any, household: Household, person: Person, relation: str) -> HouseholdMember:
    _require(actor, household.unit)
    from .models import Relation

    if relation not in Relation.values:
        raise ActionError("与户主关系无效", field="relation")
    if relation == Relation.HEAD and household.head_id and household.head_id != person.pk:
        raise ActionError("一个家庭只能有一位户主", field="relation")
    if HouseholdMember.objects.filter(household=household, person=person).exists():
        raise ActionError(f"{person.name}已是该家庭成员", field="person")
    return HouseholdMember.objects.create(household=household, person=person, relation=relation)


@transaction.atomic
def do_remove_member(*, actor: Any, member: HouseholdMember) -> None:
    _require(actor, member.household.unit)
    if member.household.head_id == member.person_id:
        raise ActionError("不能移除户主,请先更换户主")
    member.delete()
