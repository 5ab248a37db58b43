"""The person register's ledger (人员台账): its columns, how a row finds the person it is about,
how it is written (through people.actions), and how the list is exported.

A row finds its person by the ID number's blind index; a row without an ID number by name, birth
date and unit. A person in the importer's EDIT_RECORDS scope is updated (or left unchanged); one
outside it is refused without being named.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from typing import Any

from django.db import connection
from django.db.models import Prefetch

from jinguo.accounts.permissions import Perm
from jinguo.accounts.scoping import scope_paths
from jinguo.core import bulk
from jinguo.core.crypto import blind_index
from jinguo.core.ledger.engine import ImportContext, Row
from jinguo.core.ledger.normalisers import Masked
from jinguo.core.ledger.registry import Column, Register, numbered_errors, register, row_errors

from . import actions
from .access import persons_for
from .fake import make_id_number
from .filters import PersonFilters
from .models import (
    ID_PURPOSE,
    CategoryDictionary,
    Education,
    Employment,
    GuardianRelation,
    Person,
    PersonCategory,
)
from .validators import birth_date_of, clean_id_number, clean_phone, gender_of

CHUNK = 500
OTHER_UNIT = "该身份证号已在其他单位登记,一人只建一份档案。请联系上级单位核实"


def _same_triples(triples: Sequence[tuple[str, dt.date, int]]) -> list[tuple[int, str, dt.date, int, bool]]:
    """The persons with one of these (name, birth date, unit id): (id, name, birth date, unit id,
    has an ID number). One join of the triples with the (name, birth_date, unit) index."""
    table = connection.ops.quote_name(Person._meta.db_table)
    if connection.vendor == "postgresql":  # three array parameters, whatever the number of triples
        wanted = "SELECT * FROM unnest(%s::varchar[], %s::date[], %s::bigint[]) AS w (name, birth_date, unit_id)"
        params: list[Any] = [bulk.array_literal(column) for column in zip(*triples, strict=True)]
    else:
        wanted = "VALUES " + ", ".join(["(%s, %s, %s)"] * len(triples))
        params = [v for triple in triples for v in triple]
    sql = (
        f"WITH wanted (name, birth_date, unit_id) AS ({wanted}) "  # noqa: S608 - names are ours
        f"SELECT p.id, p.name, p.birth_date, p.unit_id, p.id_hash IS NOT NULL FROM {table} p "
        "JOIN wanted w ON p.name = w.name AND p.birth_date = w.birth_date AND p.unit_id = w.unit_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [  # SQLite returns dates as text
        (pk, name, born if isinstance(born, dt.date) else dt.date.fromisoformat(born), unit_id, bool(has_id))
        for pk, name, born, unit_id, has_id in rows
    ]


def _with_hashes(hashes: list[str]) -> list[int]:
    """The ids of the persons with one of these ID-number hashes. On PostgreSQL one array
    parameter: Django's IN of 5,000 parameters took twice the time, most of it in Python."""
    if connection.vendor != "postgresql":
        return list(Person.objects.filter(id_hash__in=hashes).values_list("pk", flat=True))
    table = connection.ops.quote_name(Person._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE id_hash = ANY(%s::varchar[])", [bulk.array_literal(hashes)])  # noqa: S608
        return [pk for (pk,) in cursor.fetchall()]


def _probe_size() -> int:
    """Keys per look-up query: PostgreSQL takes thousands; SQLite's statements hold fewer parameters."""
    return 5000 if connection.vendor == "postgresql" else 300


def _load(ids: Iterable[int]) -> list[Person]:
    """The persons whole (with unit and guardian), in chunks."""
    wanted = sorted(set(ids))
    out: list[Person] = []
    for start in range(0, len(wanted), CHUNK):
        out += Person.objects.select_related("unit", "guardian").filter(pk__in=wanted[start : start + CHUNK])
    return out


def _in(paths: Sequence[str], path: str) -> bool:
    return any(path.startswith(p) for p in paths)


def _ethnicity(value: str) -> str:
    """汉 is 汉族, 维吾尔 is 维吾尔族: the register keeps the full name."""
    if value and not value.endswith("族") and len(value) <= 4 and value not in ("其他", "未知", "不详", "未识别"):
        return value + "族"
    return value


COLUMNS = (
    Column(
        "name",
        "姓名",
        aliases=("人员姓名", "儿童姓名", "妇女姓名", "名字"),
        required=True,
        max_length=50,
        example="张晓燕",
        width=10,
    ),
    Column("gender", "性别", "gender", example="F", width=6),
    Column("birth_date", "出生日期", "date", aliases=("出生年月日", "出生年月", "生日"), example=dt.date(2015, 3, 2)),
    Column(
        "id_number",
        "身份证号",
        "id_number",
        aliases=("身份证号码", "公民身份号码", "居民身份证号码", "身份证", "证件号码"),
        validators=(clean_id_number,),
        sensitive="id_number",
        example=make_id_number(dt.date(2015, 3, 2), 0),
        width=21,
        as_text=True,
    ),
    Column(
        "phone",
        "联系电话",
        "phone",
        aliases=("电话", "电话号码", "手机", "手机号", "手机号码", "联系方式"),
        validators=(clean_phone,),
        sensitive="phone",
        example="13800138000",
        width=14,
        as_text=True,
    ),
    Column(
        "address",
        "住址",
        aliases=("家庭住址", "现住址", "居住地址", "地址"),
        sensitive="address",
        example="示范区东街道幸福路1号",
        width=24,
    ),
    Column("ethnicity", "民族", max_length=20, validators=(_ethnicity,), example="汉族", width=8),
    Column(
        "education",
        "文化程度",
        "choice",
        aliases=("学历",),
        choices=tuple(Education.choices),
        choice_aliases={
            "文盲": "none",
            "无": "none",
            "学龄前": "none",
            "中专": "senior",
            "职高": "senior",
            "技校": "senior",
            "大学": "bachelor",
            "大学本科": "bachelor",
            "专科": "college",
            "硕士": "postgrad",
            "博士": "postgrad",
            "硕士研究生": "postgrad",
        },
        example="primary",
        width=10,
    ),
    Column(
        "employment",
        "就业状况",
        "choice",
        aliases=("就业情况", "职业状况", "就业状态"),
        choices=tuple(Employment.choices),
        choice_aliases={
            "在职": "employed",
            "就业": "employed",
            "无业": "unemployed",
            "下岗": "unemployed",
            "失业": "unemployed",
            "学生": "student",
            "在校": "student",
            "个体": "self",
        },
        example="student",
        width=10,
    ),
    Column(
        "unit",
        "所属单位",
        aliases=("所在单位", "所属社区", "所在社区", "社区", "村(社区)", "社区(村)", "所属村(社区)", "单位"),
        example="东一社区",
        width=14,
    ),
    Column("categories", "人员类别", "list", aliases=("类别", "人员类型"), example=["留守儿童"], width=14),
    Column("guardian_name", "监护人姓名", aliases=("监护人",), max_length=50, example="张丽", width=10),
    Column(
        "guardian_relation",
        "与监护人关系",
        "choice",
        aliases=("监护人关系", "与监护人的关系"),
        choices=tuple(GuardianRelation.choices),
        choice_aliases={
            "母女": "mother",
            "母子": "mother",
            "妈妈": "mother",
            "父女": "father",
            "父子": "father",
            "爸爸": "father",
            "祖父": "grandparent",
            "祖母": "grandparent",
            "外祖父": "grandparent",
            "外祖母": "grandparent",
            "爷爷": "grandparent",
            "奶奶": "grandparent",
            "外公": "grandparent",
            "外婆": "grandparent",
            "祖孙": "grandparent",
            "亲属": "relative",
        },
        example="mother",
        width=10,
    ),
    Column(
        "guardian_phone",
        "监护人电话",
        "phone",
        aliases=("监护人联系电话", "监护人手机", "监护人手机号"),
        validators=(clean_phone,),
        sensitive="phone",
        example="13900139000",
        width=14,
        as_text=True,
    ),
    Column("school", "学校", aliases=("就读学校", "所在学校"), max_length=100, example="示范区实验小学", width=16),
    Column("grade", "年级", aliases=("年级班级", "就读年级"), max_length=20, example="五年级", width=8),
    Column("dropped_out", "是否辍学", "bool", aliases=("辍学", "是否失学"), example=False, width=8),
    Column(
        "residence_years",
        "居住年限",
        "int",
        aliases=("居住年数", "来本地年限"),
        bounds=(0, 120),
        unit_word="年",
        example=3,
        width=8,
    ),
    Column("notes", "备注", sensitive="text", example="", width=20),
)


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    """A row's values as do_create_person takes them: blank cells left out, unit and categories apart."""
    return {k: v for k, v in values.items() if v is not None and k not in ("unit", "categories")}


def _new_person(r: Row) -> actions.NewPerson:
    """A new row as do_create_persons takes it, made when it is reached: prepared in the dry run
    (PersonLedger.derive) when the plan carries it."""
    fields = _fields(r.values)
    return actions.NewPerson(
        unit=r.refs["unit"],
        fields=fields,
        categories=tuple(r.values.get("categories") or ()),
        prepared=None if r.derived is None else actions.prepared_from(fields, r.derived),
    )


@register
class PersonLedger(Register):
    slug = "persons"
    title = "人员台账"
    model = Person
    section = "people"
    list_url_name = "people:list"
    columns = COLUMNS
    help_lines = (
        "每行一人。有身份证号时按身份证号识别是否已登记(出生日期和性别由身份证号确定);"
        "没有身份证号时按姓名、出生日期和所属单位识别。",
        "所属单位填单位名称或区划代码,须在您的管理范围内;上传时选了默认单位的,该列可以空着。",
        "人员类别可填多个,用“、”或逗号分隔;导入只会增加类别,不会退出已有类别。",
        "空白单元格表示不修改:导入不会清空已登记的信息。",
        "身份证号一列请设为“文本”格式,否则 Excel 会把号码改成科学计数法并丢失末几位。",
    )

    # --- import -----------------------------------------------------------------------------------

    def check_row(self, ctx: ImportContext, row: Row) -> None:
        v = row.values
        if any(key == "id_number" for key, _ in row.errors):
            return  # the ID number is refused already; what it would decide cannot be checked
        id_number = v.get("id_number")
        if id_number and not isinstance(id_number, Masked):
            born, gender = birth_date_of(id_number), gender_of(id_number)
            if v.get("birth_date") and v["birth_date"] != born:
                row.refuse(
                    "birth_date",
                    f"出生日期与身份证号不一致:身份证号显示出生于{born.year}年{born.month}月{born.day}日",
                )
            if v.get("gender") and v["gender"] != gender:
                row.refuse("gender", f"性别与身份证号不一致:身份证号显示为{'男' if gender == 'M' else '女'}性")
            if born > ctx.today:
                row.refuse("id_number", "身份证号中的出生日期晚于今天,请核对号码")
            v["birth_date"], v["gender"] = born, gender
            return
        if not v.get("gender"):
            row.refuse("gender", "请填写性别(或填写身份证号)")
        if not v.get("birth_date"):
            row.refuse("birth_date", "没有身份证号时请填写出生日期,用于识别是否已登记")
        elif v["birth_date"] > ctx.today:
            row.refuse("birth_date", "出生日期不能晚于今天")

    def derive(self, ctx: ImportContext, row: Row) -> dict[str, Any] | None:
        """The person do_create_persons would write (actions.prepare_person: pinyin, blind
        indexes), as its difference from the row's values: the commit of a new row then
        derives nothing again. The row's values are what the action's cleaning gives (the
        columns' parsers and validators and check_row make them so; a test holds them to it), so
        they are not cleaned again. None for a row with a masked value (it can only update a
        record)."""
        fields = _fields(row.values)
        if any(type(v) is Masked for v in fields.values()):
            return None
        return actions.prepared_difference(fields, actions.prepare_person(ctx.user, fields, cleaned=True))

    def prepare(self, ctx: ImportContext, rows: Sequence[Row]) -> None:
        self._resolve_units(ctx, rows)
        rows = [r for r in rows if r.ok]
        self._find_existing(ctx, rows)
        for row in rows:
            if row.ok and row.target is None and row.refs.get("unit") is None:
                row.refuse("unit", "请填写所属单位")
        rows = [r for r in rows if r.ok]
        self._resolve_categories(ctx, rows)
        self._load_categories([r.target for r in rows if r.ok and r.target is not None])

    def _resolve_units(self, ctx: ImportContext, rows: Sequence[Row]) -> None:
        from jinguo.orgs.models import Unit

        scope = Unit.objects.for_user(ctx.user, perm=self.import_perm)
        if "default_unit" not in ctx.cache:
            ctx.cache["default_unit"] = (
                scope.filter(pk=ctx.options["unit"]).first() if ctx.options.get("unit") else None
            )
        default = ctx.cache["default_unit"]
        # what each unit cell stands for, looked up once an import (an import's chunks share them)
        found: dict[str, Unit | str] = ctx.cache.setdefault("units", {})
        refs = sorted({str(r.values["unit"]) for r in rows if r.values.get("unit")} - found.keys())
        candidates: dict[str, list[Unit]] = {}
        for start in range(0, len(refs), CHUNK):
            chunk = refs[start : start + CHUNK]
            codes, names = [r for r in chunk if r.isdigit()], [r for r in chunk if not r.isdigit()]
            for unit in scope.filter(division_code__in=codes) if codes else ():
                candidates.setdefault(unit.division_code, []).append(unit)
            for unit in scope.filter(name__in=names) if names else ():
                candidates.setdefault(unit.name, []).append(unit)
        for ref in refs:
            units = candidates.get(ref, [])
            if not units:
                found[ref] = f"所属单位“{ref}”不存在或不在您的管理范围内"
            elif len(units) > 1:
                found[ref] = f"所属单位名称“{ref}”不唯一,请改填区划代码"
            elif units[0].is_closed:
                found[ref] = f"所属单位“{ref}”已撤销"
            else:
                found[ref] = units[0]
        for row in rows:
            cell = row.values.get("unit")
            if cell is None:
                row.refs["unit"] = default  # None: asked for below unless the row finds her record
                continue
            unit = found[str(cell)]
            if isinstance(unit, str):
                row.refuse("unit", unit)
            else:
                row.refs["unit"] = unit
                row.values["unit"] = unit

    def _resolve_categories(self, ctx: ImportContext, rows: Sequence[Row]) -> None:
        if "categories" not in ctx.cache:  # not setdefault: that would build a dictionary each chunk
            ctx.cache["categories"] = CategoryDictionary()
        dictionary: CategoryDictionary = ctx.cache["categories"]
        # unit id -> {name or code: code}, for the whole import
        by_unit: dict[int, dict[str, str]] = ctx.cache.setdefault("category_words", {})
        for row in rows:
            names = row.values.get("categories")
            if not names:
                continue
            unit = row.refs.get("unit") or row.target.unit
            available = dictionary.for_unit(unit)
            words = by_unit.get(unit.pk)
            if words is None:
                words = by_unit[unit.pk] = {c.name: code for code, c in available.items()} | {
                    code: code for code in available
                }
            codes = []
            for name in names:
                if name in words:
                    codes.append(words[name])
                else:
                    choices = "、".join(c.name for c in available.values())
                    row.refuse("categories", f"人员类别“{name}”不存在,可填:{choices}")
            row.values["categories"] = codes

    def _find_existing(self, ctx: ImportContext, rows: Sequence[Row]) -> None:
        edit = scope_paths(ctx.user, perm=self.import_perm)
        view = scope_paths(ctx.user, perm=Perm.VIEW_RECORDS)
        with_id = [r for r in rows if r.values.get("id_number") and not isinstance(r.values["id_number"], Masked)]
        numbered = {r.number for r in with_id}
        # The commit does not look again for the ID numbers of the rows promised as new: had one
        # been registered since the preview, the unique index on id_hash refuses the import.
        hashes = {  # derived in the dry run (its helper processes) when it could be
            r.number: (r.derived["id_hash"] if r.derived else blind_index(r.values["id_number"], purpose=ID_PURPOSE))
            or ""
            for r in with_id
            if not ctx.promised_new(r.number)
        }
        unique = sorted(set(hashes.values()))
        own = ctx.cache.get("own_ids", ())  # the persons this import has written so far (a commit)
        known: list[int] = []  # the persons already registered with one of the file's ID numbers
        for start in range(0, len(unique), _probe_size()):
            known += [pk for pk in _with_hashes(unique[start : start + _probe_size()]) if pk not in own]
        by_hash = {p.id_hash or "": p for p in _load(known)}
        unmatched: list[Row] = []
        for row in rows:
            person = by_hash.get(hashes[row.number]) if row.number in hashes else None
            if person is None:
                unmatched.append(row)
            elif _in(edit, person.unit_path):
                row.target = person
            elif _in(view, person.unit_path):
                row.refuse("id_number", f"该人员已在{person.unit.name}登记,您无权修改")
            else:
                row.refuse("id_number", OTHER_UNIT)
        # by name, birth date and unit: any record for a row without an ID number; for a row with
        # one, only a record that has none yet (it gets the number). The triples of the file are
        # probed on the (name, birth_date, unit) index with only the key columns; the few records
        # that match are loaded whole afterwards.
        keyed = [r for r in unmatched if r.values.get("birth_date") and r.refs.get("unit") is not None]
        # the commit: a new row with an ID number is written as the form writes one (do_create_person
        # refuses only the same number): a record without a number that looks like her, registered
        # since the preview, is left to the look-alike merge
        keyed = [r for r in keyed if r.number not in numbered or not ctx.promised_new(r.number)]
        wanted: list[tuple[str, dt.date, int]] = sorted(
            {(r.values["name"], r.values["birth_date"], r.refs["unit"].pk) for r in keyed}
        )
        look: dict[tuple[str, dt.date, int], list[tuple[int, bool]]] = {}
        for start in range(0, len(wanted), _probe_size()):
            triples = wanted[start : start + _probe_size()]
            for pk, name, born, unit_id, has_id in _same_triples(triples):
                if pk not in own:  # a person this import wrote is not an existing record
                    look.setdefault((name, born, unit_id), []).append((pk, has_id))
        matched: dict[int, int] = {}  # row number -> person id
        for row in keyed:
            candidates = look.get((row.values["name"], row.values["birth_date"], row.refs["unit"].pk), [])
            if row.number in numbered:
                candidates = [c for c in candidates if not c[1]]
            if len(candidates) == 1:
                matched[row.number] = candidates[0][0]
            elif len(candidates) > 1:
                row.refuse(
                    "name", f"{row.refs['unit'].name}有{len(candidates)}名同名且出生日期相同的人员,请填写身份证号以区分"
                )
        persons = {p.pk: p for p in _load(matched.values())}
        for row in keyed:
            if row.number in matched:
                row.target = persons[matched[row.number]]

    @staticmethod
    def _load_categories(persons: Sequence[Person]) -> None:
        held: dict[int, list[str]] = {}
        ids = [p.pk for p in persons]
        for start in range(0, len(ids), CHUNK):
            for person_id, code in PersonCategory.objects.filter(
                person_id__in=ids[start : start + CHUNK], ended_on__isnull=True
            ).values_list("person_id", "category__code"):
                held.setdefault(person_id, []).append(code)
        for p in persons:
            p._ledger_categories = held.get(p.pk, [])  # type: ignore[attr-defined]

    def identity(self, row: Row) -> tuple[str, Hashable] | None:
        id_number = row.values.get("id_number")
        if id_number and not isinstance(id_number, Masked):
            return "id_number", ("id", id_number)
        unit = row.refs.get("unit")
        if unit is not None and row.values.get("birth_date"):
            return "name", ("person", row.values["name"], row.values["birth_date"], unit.pk)
        return None

    def duplicate_reason(self, column_key: str, numbers: str) -> str:
        if column_key == "id_number":
            return f"身份证号在文件中重复(第{numbers}行)"
        return f"姓名、出生日期和所属单位相同的人在文件中重复(第{numbers}行)"

    def current(self, obj: Any) -> dict[str, Any]:
        p: Person = obj
        return {
            "name": p.name,
            "gender": p.gender,
            "birth_date": p.birth_date,
            "id_number": p.id_number or None,
            "phone": p.phone,
            "address": p.address,
            "ethnicity": p.ethnicity,
            "education": p.education,
            "employment": p.employment,
            "unit": p.unit,
            "categories": getattr(p, "_ledger_categories", []),
            "guardian_name": p.guardian.name if p.guardian_id and p.guardian else p.guardian_name,
            "guardian_relation": p.guardian_relation,
            "guardian_phone": p.guardian_phone,
            "school": p.school,
            "grade": p.grade,
            "dropped_out": p.dropped_out,
            "residence_years": p.residence_years,
            "notes": p.notes,
        }

    def write(self, ctx: ImportContext, row: Row) -> None:
        if row.target is None:
            fields = {k: v for k, v in row.values.items() if v is not None and k not in ("unit", "categories")}
            actions.do_create_person(
                actor=ctx.user, unit=row.refs["unit"], categories=row.values.get("categories") or [], **fields
            )
            return
        changes = dict(row.changes)
        codes = changes.pop("categories", [])
        if "guardian_name" in changes:
            changes["guardian"] = None  # the ledger names another guardian than the linked person
        if changes:
            actions.do_update_person(actor=ctx.user, person=row.target, **changes)
        for code in codes:
            actions.do_set_category(actor=ctx.user, person=row.target, code=code)

    streaming = True  # the rows as each chunk is looked up: see Register.streaming
    look_up_aside = True  # check_row uses no database

    def write_rows(self, ctx: ImportContext, rows: Iterable[Row], progress: Callable[[int], None]) -> None:
        """Updated rows one by one through the actions, as they come; new rows in batches
        through do_create_persons (the analysis has checked them and found their duplicates in
        bulk), which takes them as they come too. The ids it writes go to ctx.cache["own_ids"],
        which the look-ups of the rows after them leave out."""
        done = 0
        numbers = sorted(n for n in ctx.promised or {} if ctx.promised_new(n))
        own: set[Any] = ctx.cache.setdefault("own_ids", set())

        def new_rows() -> Iterator[actions.NewPerson]:
            nonlocal done
            for row in rows:
                if row.target is None:
                    yield _new_person(row)
                    continue
                with row_errors(row):
                    self.write(ctx, row)
                done += 1
                progress(done)

        job = ctx.cache.get("job")
        with numbered_errors(numbers[0], numbers[-1]) if numbers else nullcontext():  # none: updates only
            actions.do_create_persons(
                actor=ctx.user,
                persons=new_rows(),
                count=len(numbers),
                detail={"import_job": job.pk} if job is not None else None,
                progress=lambda n: progress(done + n),
                written=own,
            )

    # --- export -----------------------------------------------------------------------------------

    def export_queryset(self, user: Any, params: Mapping[str, Any]) -> tuple[Any, dict[str, str]]:
        filters = PersonFilters.from_params(params)
        open_categories = PersonCategory.objects.filter(ended_on__isnull=True).select_related("category")
        qs = (
            filters.apply(persons_for(user), user=user)
            .select_related("unit", "guardian")
            .prefetch_related(Prefetch("categories", queryset=open_categories, to_attr="open_categories"))
            .order_by("unit_path", "id")
        )
        return qs, filters.as_params()

    def export_values(self, obj: Any) -> dict[str, Any]:
        p: Person = obj
        values = self.current(p)
        values["unit"] = p.unit.name
        values["categories"] = [c.category.name for c in getattr(p, "open_categories", [])]
        return values

    def example_rows(self, user: Any) -> list[dict[str, Any]]:
        from jinguo.accounts.scoping import home_units

        row = {c.key: c.example for c in self.columns}
        units = home_units(user, perm=Perm.EDIT_RECORDS)
        if units:
            row["unit"] = units[0].name
        return [row]
