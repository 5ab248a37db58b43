"""The case register's ledger (维权案件台账): historical registers in, the case list out.

A row finds its case by the case number; without one, by the date received, the unit, the kind,
the person and what happened. An import never changes a case that is already registered (its
history is on its timeline): such a row is "unchanged". The person of a row is found in the
registry by ID number (or created, with the gender given or read from the ID number); a row
without a name is anonymous.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

from django.utils import timezone

from jinguo.accounts.permissions import Perm
from jinguo.core.crypto import blind_index
from jinguo.core.ledger.engine import ImportContext, Row
from jinguo.core.ledger.normalisers import Masked
from jinguo.core.ledger.registry import Column, Register, register, row_errors
from jinguo.people import actions as people_actions
from jinguo.people.access import persons_for
from jinguo.people.models import ID_PURPOSE, Person
from jinguo.people.validators import birth_date_of, clean_id_number, clean_phone, gender_of

from . import actions
from .access import cases_for
from .filters import CaseFilters
from .models import Case, CaseCategory, Channel, Kind, Outcome, Status, Urgency

CHUNK = 500


COLUMNS = (
    Column("number", "编号", aliases=("案件编号", "登记编号"), max_length=20, example="", width=14),
    Column(
        "received_on",
        "登记日期",
        "date",
        aliases=("来访日期", "来信日期", "受理日期", "日期"),
        required=True,
        example=dt.date(2025, 3, 8),
        width=12,
    ),
    Column(
        "kind",
        "类型",
        "choice",
        aliases=("案件类型",),
        choices=tuple(Kind.choices),
        choice_aliases={
            "信访": "petition",
            "来访": "petition",
            "来信": "petition",
            "热线": "petition",
            "家暴": "violence",
        },
        required=True,
        example="petition",
        width=10,
    ),
    Column(
        "channel",
        "来源渠道",
        "choice",
        aliases=("来源", "渠道", "方式"),
        choices=tuple(Channel.choices),
        choice_aliases={"电话": "phone", "12338": "phone", "热线": "phone", "网络": "online", "转办": "referred"},
        required=True,
        example="visit",
        width=10,
    ),
    Column(
        "category",
        "类别",
        aliases=("问题类别", "案件类别", "反映问题类别"),
        max_length=40,
        example="婚姻家庭",
        width=12,
    ),
    Column("name", "当事人姓名", aliases=("当事人", "来访人", "姓名"), max_length=50, example="张晓燕", width=10),
    Column("gender", "性别", "gender", example="F", width=6),
    Column(
        "id_number",
        "身份证号",
        "id_number",
        aliases=("身份证号码", "公民身份号码"),
        validators=(clean_id_number,),
        sensitive="id_number",
        example="",
        width=21,
        as_text=True,
    ),
    Column(
        "phone",
        "联系电话",
        "phone",
        aliases=("电话", "手机"),
        validators=(clean_phone,),
        sensitive="phone",
        example="13800138000",
        width=14,
        as_text=True,
    ),
    Column("unit", "所属单位", aliases=("单位", "所在社区", "社区(村)"), required=True, example="东一社区", width=14),
    Column(
        "narrative",
        "事由",
        aliases=("反映问题", "主要问题", "来访事由", "简要情况"),
        required=True,
        sensitive="text",
        example="丈夫长期酗酒后打骂",
        width=30,
    ),
    Column("request", "诉求", aliases=("当事人诉求",), sensitive="text", example="希望调解", width=20),
    Column("urgency", "紧急程度", "choice", choices=tuple(Urgency.choices), example="normal", width=8),
    Column(
        "status",
        "状态",
        "choice",
        aliases=("办理状态",),
        choices=tuple(Status.choices),
        choice_aliases={"已办结": "finished", "已结案": "closed", "在办": "in_progress", "已受理": "accepted"},
        example="closed",
        width=10,
    ),
    Column(
        "outcome",
        "办理结果",
        "choice",
        aliases=("处理结果", "结果"),
        choices=tuple(Outcome.choices),
        choice_aliases={"解决": "resolved", "调解成功": "resolved", "撤回": "withdrawn", "转办": "referred_out"},
        example="resolved",
        width=12,
    ),
    Column("finished_on", "办结日期", "date", example=dt.date(2025, 3, 20), width=12),
    Column("closed_on", "结案日期", "date", example=dt.date(2025, 3, 25), width=12),
    Column("violence_stopped", "是否制止家暴", "bool", aliases=("制止家暴",), example=False, width=8),
    Column("handler", "承办人", max_length=50, example="", width=10),
)


@register
class CaseLedger(Register):
    slug = "cases"
    title = "维权案件台账"
    model = Case
    section = "cases"
    list_url_name = "cases:list"
    columns = COLUMNS
    name_column = "name"
    help_lines = (
        "每行一件来信来访、调解或家暴案件,按原台账的状态和日期登记;“承办人”一列只在导出时填写。",
        "有编号的行按编号识别;没有编号的按登记日期、所属单位、类型、当事人和事由识别:同一文件再导入不会重复登记。",
        "已登记的案件导入时不做修改(办理过程以案件页面的办理记录为准)。",
        "当事人有身份证号的,与人员台账中的人员对应,没有登记的自动登记;没有身份证号的请填写性别;姓名空着为匿名。",
        "类别填“婚姻家庭”“家庭暴力”等名称;类型为家庭暴力的,类别自动为“家庭暴力”。",
    )

    # --- import -----------------------------------------------------------------------------------

    def check_row(self, ctx: ImportContext, row: Row) -> None:
        v = row.values
        id_number = v.get("id_number")
        if id_number and not isinstance(id_number, Masked) and not any(k == "id_number" for k, _ in row.errors):
            if v.get("gender") and v["gender"] != gender_of(id_number):
                row.refuse("gender", "性别与身份证号不一致")
            v["gender"] = gender_of(id_number)
        elif v.get("name") and not v.get("gender"):
            row.refuse("gender", "没有身份证号时请填写当事人性别,用于在人员台账中登记")
        if v.get("received_on") and v["received_on"] > timezone.localdate():
            row.refuse("received_on", "登记日期不能晚于今天")
        status = v.get("status") or (Status.CLOSED if v.get("outcome") else Status.REGISTERED)
        v["status"] = status
        if status in (Status.FINISHED, Status.CLOSING, Status.CLOSED) and not v.get("outcome"):
            row.refuse("outcome", "已办结或结案的案件请填写办理结果")
        for key in ("finished_on", "closed_on"):
            if v.get(key) and v.get("received_on") and v[key] < v["received_on"]:
                row.refuse(key, f"{self.column(key).header}不能早于登记日期")

    def prepare(self, ctx: ImportContext, rows: Sequence[Row]) -> None:
        self._resolve_units(ctx, rows)
        rows = [r for r in rows if r.ok]
        self._resolve_categories(rows)
        self._find_numbered(ctx, [r for r in rows if r.ok])
        self._resolve_persons(ctx, [r for r in rows if r.ok and r.target is None])
        self._find_plain([r for r in rows if r.ok and r.target is None and not r.values.get("number")])

    def _resolve_units(self, ctx: ImportContext, rows: Sequence[Row]) -> None:
        from jinguo.orgs.models import Unit

        scope = Unit.objects.for_user(ctx.user, perm=self.import_perm).open()
        refs = sorted({str(r.values["unit"]) for r in rows if r.values.get("unit")})
        found: dict[str, list[Unit]] = {}
        for start in range(0, len(refs), CHUNK):
            chunk = refs[start : start + CHUNK]
            for unit in scope.filter(division_code__in=[r for r in chunk if r.isdigit()]):
                found.setdefault(unit.division_code, []).append(unit)
            for unit in scope.filter(name__in=[r for r in chunk if not r.isdigit()]):
                found.setdefault(unit.name, []).append(unit)
        for row in rows:
            ref = str(row.values.get("unit") or "")
            units = found.get(ref, [])
            if len(units) == 1:
                row.refs["unit"] = units[0]
            elif units:
                row.refuse("unit", f"所属单位名称“{ref}”不唯一,请改填区划代码")
            else:
                row.refuse("unit", f"所属单位“{ref}”不存在、已撤销或不在您的管理范围内")

    def _resolve_categories(self, rows: Sequence[Row]) -> None:
        for row in rows:
            unit, kind = row.refs["unit"], row.values.get("kind")
            if kind == Kind.VIOLENCE:
                row.refs["category"] = "domestic_violence"
                continue
            name = row.values.get("category")
            if not name:
                row.refuse("category", "请填写类别")
                continue
            available = {c.name: c.code for c in CaseCategory.objects.available_to(unit)}
            code = available.get(str(name)) or (str(name) if str(name) in available.values() else None)
            if code is None:
                row.refuse("category", f"类别“{name}”不存在,可填:" + "、".join(available))
            else:
                row.refs["category"] = code

    def _resolve_persons(self, ctx: ImportContext, rows: Sequence[Row]) -> None:
        """The person of each row: by ID number in the importer's view; a number registered
        elsewhere is refused without naming where."""
        with_id = [r for r in rows if r.values.get("id_number") and not isinstance(r.values["id_number"], Masked)]
        hashes = {r.number: blind_index(r.values["id_number"], purpose=ID_PURPOSE) for r in with_id}
        known: dict[str, Person] = {}
        unique = sorted({h for h in hashes.values() if h})
        for start in range(0, len(unique), CHUNK):
            for p in Person.objects.filter(id_hash__in=unique[start : start + CHUNK]).select_related("unit"):
                known[p.id_hash or ""] = p
        visible = {p.pk for p in persons_for(ctx.user).filter(pk__in=[p.pk for p in known.values()])}
        for row in rows:
            person = known.get(hashes.get(row.number) or "")
            if person is not None and person.pk not in visible:
                row.refuse("id_number", "该身份证号已在其他单位登记,请联系上级单位核实")
            row.refs["person"] = person

    def _find_numbered(self, ctx: ImportContext, rows: Sequence[Row]) -> None:
        numbered = [r for r in rows if r.values.get("number")]
        numbers = sorted({str(r.values["number"]).upper() for r in numbered})
        by_number: dict[str, Case] = {}
        for start in range(0, len(numbers), CHUNK):
            for case in Case.objects.filter(number__in=numbers[start : start + CHUNK]).select_related("unit"):
                by_number[case.number] = case
        scope = cases_for(ctx.user, Perm.EDIT_RECORDS)
        in_scope = set(scope.filter(pk__in=[c.pk for c in by_number.values()]).values_list("pk", flat=True))
        for row in numbered:
            held = by_number.get(str(row.values["number"]).upper())
            if held is None:
                continue
            if held.pk not in in_scope:
                row.refuse("number", "该编号的案件已在其他单位登记")
            else:
                row.target = held

    def _find_plain(self, plain: Sequence[Row]) -> None:
        """Rows without a number: the case of the same day, unit, kind, person and narrative."""
        days = sorted({r.values["received_on"] for r in plain})
        if not days:
            return
        zone = timezone.get_current_timezone()
        start_at = dt.datetime.combine(days[0], dt.time(), tzinfo=zone)
        end_at = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        units = {r.refs["unit"].pk for r in plain}
        candidates: dict[tuple[Any, ...], Case] = {}
        # a person without an ID number was registered by the first import: she is known by her
        # name and gender on the case, not by the row (which cannot point at her)
        named: dict[tuple[Any, ...], Case] = {}
        found = Case.objects.filter(received_at__gte=start_at, received_at__lt=end_at, unit_id__in=units)
        for case in found.select_related("person"):
            day = timezone.localtime(case.received_at).date()
            candidates[(day, case.unit_id, case.kind, case.person_id, case.narrative)] = case
            if case.person is not None and not case.person.id_hash:
                named[(day, case.unit_id, case.kind, case.person.name, case.person.gender, case.narrative)] = case
        for row in plain:
            person = row.refs.get("person")
            day, unit, kind = row.values["received_on"], row.refs["unit"].pk, row.values["kind"]
            if person is None and row.values.get("name") and not row.values.get("id_number"):
                name = str(row.values["name"]).strip()
                target = named.get((day, unit, kind, name, row.values.get("gender"), row.values["narrative"]))
            else:
                target = candidates.get((day, unit, kind, getattr(person, "pk", None), row.values["narrative"]))
            if target is not None:
                row.target = target

    def identity(self, row: Row) -> tuple[str, Hashable] | None:
        if row.values.get("number"):
            return "number", ("number", str(row.values["number"]).upper())
        return None

    def duplicate_reason(self, column_key: str, numbers: str) -> str:
        return f"编号在文件中重复(第{numbers}行)"

    def changes(self, ctx: ImportContext, row: Row) -> dict[str, Any]:
        return {}  # an import never edits a registered case

    def write_rows(self, ctx: ImportContext, rows: Iterable[Row], progress: Callable[[int], None]) -> None:
        for done, row in enumerate(rows, start=1):
            with row_errors(row):
                self.write(ctx, row)
            progress(done)

    def write(self, ctx: ImportContext, row: Row) -> None:
        v = row.values
        person = row.refs.get("person")
        if person is None and v.get("name"):
            fields: dict[str, Any] = {"name": v["name"], "gender": v.get("gender")}
            if v.get("id_number"):
                fields["id_number"] = v["id_number"]
                fields["birth_date"] = birth_date_of(v["id_number"])
            if v.get("phone"):
                fields["phone"] = v["phone"]
            person = people_actions.do_create_person(actor=ctx.user, unit=row.refs["unit"], **fields)
        zone = timezone.get_current_timezone()
        actions.do_import_case(
            actor=ctx.user,
            unit=row.refs["unit"],
            kind=v["kind"],
            channel=v["channel"],
            category=row.refs["category"],
            received_at=dt.datetime.combine(v["received_on"], dt.time(9), tzinfo=zone),
            person=person,
            narrative=v["narrative"],
            request=v.get("request") or "",
            urgency=v.get("urgency") or Urgency.NORMAL,
            status=v["status"],
            outcome=v.get("outcome") or "",
            finished_on=v.get("finished_on"),
            closed_on=v.get("closed_on"),
            violence_stopped=bool(v.get("violence_stopped")),
            number=str(v.get("number") or "").upper(),
        )

    # --- export -----------------------------------------------------------------------------------

    def export_queryset(self, user: Any, params: Mapping[str, Any]) -> tuple[Any, dict[str, str]]:
        filters = CaseFilters.from_params(params)
        qs = filters.apply(cases_for(user), user=user)
        qs = qs.select_related("unit", "category", "person", "handler").order_by("received_at", "id")
        return qs, filters.as_params()

    def export_values(self, obj: Any) -> dict[str, Any]:
        c: Case = obj
        p = c.person
        return {
            "number": c.number,
            "received_on": timezone.localtime(c.received_at).date(),
            "kind": c.kind,
            "channel": c.channel,
            "category": c.category.name,
            "name": p.name if p else "",
            "gender": p.gender if p else None,
            "id_number": p.id_number if p else None,
            "phone": p.phone if p else "",
            "unit": c.unit.name,
            "narrative": c.narrative,
            "request": c.request,
            "urgency": c.urgency,
            "status": c.status,
            "outcome": c.outcome or None,
            "finished_on": timezone.localtime(c.finished_at).date() if c.finished_at else None,
            "closed_on": timezone.localtime(c.closed_at).date() if c.closed_at else None,
            "violence_stopped": c.violence_stopped,
            "handler": c.handler.display_name if c.handler else "",
        }

    def example_rows(self, user: Any) -> list[dict[str, Any]]:
        from jinguo.accounts.scoping import home_units

        row = {c.key: c.example for c in self.columns}
        units = home_units(user, perm=Perm.EDIT_RECORDS)
        if units:
            row["unit"] = units[0].name
        return [row]
