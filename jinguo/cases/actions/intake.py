"""Registering a case (登记) and changing what was registered. Keyword-only, atomic, audited
(django-auditlog records the case rows; the timeline records the steps)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from jinguo.accounts.permissions import Perm
from jinguo.accounts.scoping import has_perm_at
from jinguo.core.errors import ActionError
from jinguo.people import actions as people_actions
from jinguo.people.access import visible_to
from jinguo.people.validators import clean_phone

from .. import limits
from ..models import (
    RISK_FACTORS,
    VIOLENCE_CATEGORY,
    Case,
    CaseCategory,
    CaseEvent,
    CaseNumber,
    CaseParty,
    Channel,
    Kind,
    PartyRole,
    RiskLevel,
    Status,
    TimeLimit,
    Urgency,
    risk_level_of,
)

NUMBER_PREFIX = {Kind.PETITION: "XF", Kind.MEDIATION: "TJ", Kind.VIOLENCE: "JB"}
MAX_TEXT = 5000


@dataclass(frozen=True)
class Party:
    name: str
    role: str = PartyRole.RESPONDENT
    relation: str = ""
    phone: str = ""


def require(actor: Any, unit: Any, perm: Perm = Perm.EDIT_RECORDS, message: str = "您无权在该单位办理案件") -> None:
    if unit is None or not has_perm_at(actor, perm, unit):
        raise ActionError(message, field="unit")


def lock(case: Case) -> Case:
    """The case row locked for the step (two cadres clicking at once do not both move it)."""
    return Case.objects.select_for_update(of=("self",)).select_related("unit", "category").get(pk=case.pk)


def not_in_transfer(case: Case) -> None:
    """While a transfer awaits the receiving unit's answer the case is not changed."""
    if case.transfer_to_id:
        raise ActionError("案件正在转办,等待接收单位处理,暂不能办理")


def log(case: Case, actor: Any, action: str, *, before: str = "", note: str = "") -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        from_status=before,
        to_status=case.status,
        note=note,
    )


def next_number(kind: str, year: int) -> str:
    """The case number: year, kind, a running number of that kind in that year (2026XF00012)."""
    counter, _ = CaseNumber.objects.select_for_update().get_or_create(year=year, kind=kind)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{year}{NUMBER_PREFIX[Kind(kind)]}{counter.last:05d}"


OUR_NUMBER = re.compile(r"(\d{4})(XF|TJ|JB)(\d{5})")


def reserve_number(number: str) -> None:
    """A number of our own form kept from a register: the counter of its year and kind moves past
    it, so that no later case gets it again."""
    m = OUR_NUMBER.fullmatch(number)
    if m is None:
        return
    kind = {v: k for k, v in NUMBER_PREFIX.items()}[m.group(2)]
    counter, _ = CaseNumber.objects.select_for_update().get_or_create(year=int(m.group(1)), kind=kind)
    if counter.last < int(m.group(3)):
        counter.last = int(m.group(3))
        counter.save(update_fields=["last"])


def _category(unit: Any, kind: str, code: str | None) -> CaseCategory:
    if kind == Kind.VIOLENCE:
        code = VIOLENCE_CATEGORY  # a domestic-violence incident is of the category 家庭暴力
    if not code:
        raise ActionError("请选择案件类别", field="category")
    category = CaseCategory.objects.available_to(unit).filter(code=code).first()
    if category is None:
        raise ActionError(f"案件类别“{code}”不存在", field="category")
    return category


def _text(value: str | None, label: str, field: str, *, required: bool = False) -> str:
    out = (value or "").strip()
    if required and not out:
        raise ActionError(f"请填写{label}", field=field)
    if len(out) > MAX_TEXT:
        raise ActionError(f"{label}不能超过{MAX_TEXT}个字", field=field)
    return out


def clean_factors(factors: list[str] | None) -> list[str]:
    out = []
    for code in factors or []:
        if code not in RISK_FACTORS:
            raise ActionError(f"风险因素“{code}”无效", field="risk_factors")
        if code not in out:
            out.append(code)
    return out


def _choice(value: str, choices: Any, label: str, field: str) -> str:
    if value not in choices.values:
        raise ActionError(f"{label}“{value}”无效,可选:" + "、".join(choices.labels), field=field)
    return value


def _clean_parties(parties: list[Party] | None, *, one: bool = False) -> list[Party]:
    """The parties of an intake (errors on its `parties` field), or `one` party added later (errors
    on that party's own fields)."""
    name_field, role_field = ("name", "role") if one else ("parties", "parties")
    out = []
    for p in parties or []:
        name = (p.name or "").strip()
        if not name:
            raise ActionError("请填写当事人姓名", field=name_field)
        if len(name) > 50:
            raise ActionError("当事人姓名不能超过50个字", field=name_field)
        _choice(p.role, PartyRole, "当事人身份", role_field)
        phone = clean_phone(p.phone) if p.phone else ""
        out.append(Party(name=name, role=p.role, relation=(p.relation or "").strip()[:20], phone=phone))
    return out


@transaction.atomic
def do_register_case(
    *,
    actor: Any,
    unit: Any,
    kind: str,
    channel: str,
    category: str | None = None,
    received_at: dt.datetime | None = None,
    person: Any = None,
    new_person: dict[str, Any] | None = None,
    anonymous: bool = False,
    narrative: str = "",
    request: str = "",
    urgency: str = Urgency.NORMAL,
    risk_factors: list[str] | None = None,
    parties: list[Party] | None = None,
) -> Case:
    """Register a letter, a visit, a call, a mediation or a violence incident at `unit`. The person
    who came is a registered person, a new person registered on the spot, or nobody (anonymous)."""
    require(actor, unit)
    if unit.is_closed:
        raise ActionError("该单位已撤销,不能登记案件", field="unit")
    _choice(kind, Kind, "案件类型", "kind")
    _choice(channel, Channel, "来源渠道", "channel")
    _choice(urgency, Urgency, "紧急程度", "urgency")
    chosen = _category(unit, kind, category)
    received_at = received_at or timezone.now()
    if received_at > timezone.now() + dt.timedelta(minutes=5):
        raise ActionError("登记时间不能晚于现在", field="received_at")
    narrative = _text(narrative, "事由", "narrative", required=True)
    request = _text(request, "诉求", "request")
    factors = clean_factors(risk_factors)
    if factors and kind != Kind.VIOLENCE and chosen.code != VIOLENCE_CATEGORY:
        raise ActionError("只有家庭暴力案件需要评估风险因素", field="risk_factors")
    sorts = [person is not None, bool(new_person), anonymous]
    if sum(sorts) != 1:
        raise ActionError("请选择已登记的人员、登记新人员或匿名,三者选一", field="person")
    if person is not None and not visible_to(actor, person):
        raise ActionError("该人员不在您可查看的范围内", field="person")
    clean_parties = _clean_parties(parties)
    if new_person:
        person = people_actions.do_create_person(actor=actor, unit=unit, **new_person)
    is_violence = kind == Kind.VIOLENCE or chosen.code == VIOLENCE_CATEGORY
    case = Case.objects.create(
        unit=unit,
        number=next_number(kind, timezone.localtime(received_at).year),
        kind=kind,
        category=chosen,
        channel=channel,
        received_at=received_at,
        person=person,
        anonymous=anonymous,
        narrative=narrative,
        request=request,
        urgency=urgency,
        risk_level=risk_level_of(factors) if is_violence else "",
        risk_factors=",".join(factors),
        registered_by=actor if getattr(actor, "pk", None) else None,
        accept_due=limits.due(timezone.localtime(received_at).date(), unit, kind, TimeLimit.Step.ACCEPT),
    )
    for p in clean_parties:
        CaseParty.objects.create(case=case, name=p.name, role=p.role, relation=p.relation, phone=p.phone)
    log(case, actor, "register")
    return case


@transaction.atomic
def do_update_case(*, actor: Any, case: Case, **fields: Any) -> Case:
    """Change what was registered: category, channel, urgency, what happened, what she asks for, the
    risk factors (the level follows). A closed case is reopened first."""
    case = lock(case)
    require(actor, case.unit)
    not_in_transfer(case)
    if case.status == Status.CLOSED:
        raise ActionError("案件已结案,如需修改请先重新办理", field="status")
    changed = []
    if "category" in fields:
        case.category = _category(case.unit, case.kind, fields.pop("category"))
        changed.append("类别")
    if "channel" in fields:
        case.channel = _choice(fields.pop("channel"), Channel, "来源渠道", "channel")
        changed.append("来源渠道")
    if "urgency" in fields:
        case.urgency = _choice(fields.pop("urgency"), Urgency, "紧急程度", "urgency")
        changed.append("紧急程度")
    if "narrative" in fields:
        case.narrative = _text(fields.pop("narrative"), "事由", "narrative", required=True)
        changed.append("事由")
    if "request" in fields:
        case.request = _text(fields.pop("request"), "诉求", "request")
        changed.append("诉求")
    if "risk_factors" in fields:
        factors = clean_factors(fields.pop("risk_factors"))
        if factors and not case.is_violence:
            raise ActionError("只有家庭暴力案件需要评估风险因素", field="risk_factors")
        before = case.risk_level
        case.risk_factors = ",".join(factors)
        case.risk_level = risk_level_of(factors) if case.is_violence else ""
        if before == case.risk_level:
            changed.append("风险因素")
        else:  # the levels as the page names them: 风险等级(中→高)
            was, now = (RiskLevel(v).label if v else "无" for v in (before, case.risk_level))
            changed.append(f"风险等级({was}→{now})")
    if fields:
        raise ActionError("不能修改:" + "、".join(sorted(fields)))
    case.save()
    if changed:
        log(case, actor, "update", before=case.status, note="修改了" + "、".join(changed))
    return case


@transaction.atomic
def do_add_party(*, actor: Any, case: Case, party: Party) -> CaseParty:
    case = lock(case)
    require(actor, case.unit)
    not_in_transfer(case)
    (p,) = _clean_parties([party], one=True)
    row = CaseParty.objects.create(case=case, name=p.name, role=p.role, relation=p.relation, phone=p.phone)
    log(case, actor, "party", before=case.status, note="增加当事人")
    return row


@transaction.atomic
def do_remove_party(*, actor: Any, party: CaseParty) -> None:
    require(actor, party.case.unit)
    not_in_transfer(party.case)
    case = party.case
    party.delete()
    log(case, actor, "party", before=case.status, note="删除当事人")


@transaction.atomic
def do_import_case(
    *,
    actor: Any,
    unit: Any,
    kind: str,
    channel: str,
    category: str,
    received_at: dt.datetime,
    person: Any,
    narrative: str,
    request: str = "",
    urgency: str = Urgency.NORMAL,
    status: str = Status.CLOSED,
    outcome: str = "",
    finished_on: dt.date | None = None,
    closed_on: dt.date | None = None,
    violence_stopped: bool = False,
    number: str = "",
) -> Case:
    """A case of a historical register (台账), written in the status the register gives, with its
    dates; the timeline says it was imported. Not for new cases: those go through the workflow."""
    from ..models import Outcome

    require(actor, unit)
    _choice(kind, Kind, "案件类型", "kind")
    _choice(channel, Channel, "来源渠道", "channel")
    _choice(status, Status, "状态", "status")
    chosen = _category(unit, kind, category)
    narrative = _text(narrative, "事由", "narrative", required=True)
    if person is not None and not visible_to(actor, person):
        raise ActionError("该人员不在您可查看的范围内", field="person")
    done = status in (Status.FINISHED, Status.CLOSING, Status.CLOSED)
    if done and outcome not in Outcome.values:
        raise ActionError("已办结的案件请填写办理结果", field="outcome")
    zone = timezone.get_current_timezone()
    closed = status == Status.CLOSED
    finished_at = dt.datetime.combine(finished_on, dt.time(12), tzinfo=zone) if done and finished_on else None
    closed_at = dt.datetime.combine(closed_on, dt.time(12), tzinfo=zone) if closed and closed_on else None
    if done and finished_at is None:
        finished_at = received_at
    if closed and closed_at is None:
        closed_at = finished_at
    day = timezone.localtime(received_at).date()
    if number:
        reserve_number(number)
    case = Case.objects.create(
        unit=unit,
        number=number or next_number(kind, day.year),
        kind=kind,
        category=chosen,
        channel=channel,
        received_at=received_at,
        person=person,
        anonymous=person is None,
        narrative=narrative,
        request=_text(request, "诉求", "request"),
        urgency=urgency,
        status=status,
        registered_by=actor if getattr(actor, "pk", None) else None,
        accept_due=limits.due(day, unit, kind, TimeLimit.Step.ACCEPT),
        finish_due=limits.due(day, unit, kind, TimeLimit.Step.FINISH) if status != Status.REGISTERED else None,
        accepted_at=received_at if status != Status.REGISTERED else None,
        finished_at=finished_at,
        closed_at=closed_at,
        outcome=outcome if done else "",
        violence_stopped=violence_stopped and (kind == Kind.VIOLENCE or chosen.code == VIOLENCE_CATEGORY),
    )
    log(case, actor, "import", note="由历史台账导入")
    return case
