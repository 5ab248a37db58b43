"""The key-family register: listing a family, visiting it, lifting it; village screenings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from jinguo.accounts.permissions import Perm
from jinguo.accounts.scoping import users_with_perm_at
from jinguo.core.dates import cn_date
from jinguo.core.errors import ActionError
from jinguo.people.access import visible_to

from ..access import cases_for
from ..models import DEFAULT_INTERVAL, Colour, KeyFamily, KeyFamilyVisit, Screening, ScreeningResult
from .intake import require

MAX_INTERVAL = 365
FINDING_COLOUR = {
    ScreeningResult.Finding.VIOLENCE: Colour.RED,
    ScreeningResult.Finding.DISPUTE: Colour.ORANGE,
    ScreeningResult.Finding.HARDSHIP: Colour.YELLOW,
}


def _check(actor: Any, unit: Any, person: Any, responsible: Any, interval: int) -> None:
    require(actor, unit, message="您无权在该单位登记重点家庭")
    if person is None or not visible_to(actor, person):
        raise ActionError("请从人员台账中选择家庭联系人", field="person")
    if not person.unit_path.startswith(unit.path):
        raise ActionError("家庭联系人不在该单位", field="person")
    if responsible is None or not users_with_perm_at(Perm.EDIT_RECORDS, unit).filter(pk=responsible.pk).exists():
        raise ActionError("责任人须是本单位或上级单位有办理权限的干部", field="responsible")
    if not 1 <= interval <= MAX_INTERVAL:
        raise ActionError(f"走访间隔应在1到{MAX_INTERVAL}天之间", field="visit_interval_days")


@transaction.atomic
def do_list_family(
    *,
    actor: Any,
    unit: Any,
    person: Any,
    colour: str,
    reason: str,
    responsible: Any,
    visit_interval_days: int,
    household: Any = None,
    case: Any = None,
    listed_on: dt.date | None = None,
) -> KeyFamily:
    """Put a family on the register: red for violence risk, orange for marital conflict, yellow
    for hardship; the first visit is due one interval after listing."""
    if colour not in Colour.values:
        raise ActionError("请选择重点家庭类别(红、橙、黄)", field="colour")
    _check(actor, unit, person, responsible, visit_interval_days)
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("请填写列入原因", field="reason")
    if KeyFamily.objects.listed().filter(person=person).exists():
        raise ActionError(f"{person.name}家已在重点家庭名册中", field="person")
    if household is not None and not household.members.filter(person=person).exists():
        raise ActionError("联系人不是该家庭的成员", field="household")
    listed_on = listed_on or timezone.localdate()
    if listed_on > timezone.localdate():
        raise ActionError("列入日期不能晚于今天", field="listed_on")
    if case is not None and not cases_for(actor).filter(pk=case.pk).exists():
        raise ActionError("来源案件不存在,或不在您可查看的范围内", field="case")
    return KeyFamily.objects.create(
        unit=unit,
        person=person,
        household=household,
        colour=colour,
        reason=reason,
        responsible=responsible,
        visit_interval_days=visit_interval_days,
        next_visit_due=listed_on + dt.timedelta(days=visit_interval_days),
        case=case,
        listed_on=listed_on,
        listed_by=actor,
    )


@transaction.atomic
def do_update_family(
    *, actor: Any, family: KeyFamily, colour: str, reason: str, responsible: Any, visit_interval_days: int
) -> KeyFamily:
    family = KeyFamily.objects.select_for_update().get(pk=family.pk)
    if not family.is_listed:
        raise ActionError("该家庭已撤销重点管理")
    if colour not in Colour.values:
        raise ActionError("请选择重点家庭类别(红、橙、黄)", field="colour")
    _check(actor, family.unit, family.person, responsible, visit_interval_days)
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("请填写列入原因", field="reason")
    last = family.visits.order_by("-visited_on").values_list("visited_on", flat=True).first() or family.listed_on
    family.colour, family.reason, family.responsible = colour, reason, responsible
    family.visit_interval_days = visit_interval_days
    family.next_visit_due = last + dt.timedelta(days=visit_interval_days)
    family.save()
    return family


@transaction.atomic
def do_record_visit(
    *, actor: Any, family: KeyFamily, visited_on: dt.date, found: str, next_step: str = "", companions: str = ""
) -> KeyFamilyVisit:
    family = KeyFamily.objects.select_for_update(of=("self",)).select_related("unit").get(pk=family.pk)
    require(actor, family.unit, message="您无权走访该家庭")
    if not family.is_listed:
        raise ActionError("该家庭已撤销重点管理")
    if visited_on > timezone.localdate():
        raise ActionError("走访日期不能晚于今天", field="visited_on")
    if visited_on < family.listed_on:
        raise ActionError("走访日期不能早于列入日期", field="visited_on")
    found = (found or "").strip()
    if not found:
        raise ActionError("请填写走访情况", field="found")
    visit = KeyFamilyVisit.objects.create(
        family=family,
        visited_on=visited_on,
        visitor=actor,
        companions=(companions or "").strip()[:100],
        found=found,
        next_step=(next_step or "").strip(),
    )
    latest = family.visits.order_by("-visited_on").values_list("visited_on", flat=True).first() or visited_on
    family.next_visit_due = latest + dt.timedelta(days=family.visit_interval_days)
    family.save()
    return visit


@transaction.atomic
def do_lift_family(*, actor: Any, family: KeyFamily, reason: str, lifted_on: dt.date | None = None) -> KeyFamily:
    family = KeyFamily.objects.select_for_update(of=("self",)).select_related("unit").get(pk=family.pk)
    require(actor, family.unit, message="您无权撤销该家庭的重点管理")
    if not family.is_listed:
        raise ActionError("该家庭已撤销重点管理")
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("请填写撤销原因", field="reason")
    lifted_on = lifted_on or timezone.localdate()
    if lifted_on > timezone.localdate():
        raise ActionError("撤销日期不能晚于今天", field="lifted_on")
    if lifted_on < family.listed_on:
        raise ActionError("撤销日期不能早于列入日期", field="lifted_on")
    family.lifted_on, family.lift_reason, family.lifted_by = lifted_on, reason, actor
    family.save()
    return family


@dataclass(frozen=True)
class Finding:
    person: Any
    finding: str
    note: str = ""
    list_family: bool = False  # put the family on the key-family register


@transaction.atomic
def do_record_screening(
    *,
    actor: Any,
    unit: Any,
    held_on: dt.date,
    findings: list[Finding],
    note: str = "",
    responsible: Any = None,
) -> Screening:
    """One village's screening (婚姻矛盾家庭排查): a result per family; families found at risk can
    be listed at once (responsible: the cadre who will visit them)."""
    require(actor, unit, message="您无权在该单位登记排查")
    if held_on > timezone.localdate():
        raise ActionError("排查日期不能晚于今天", field="held_on")
    if not findings:
        raise ActionError("请至少登记一户的排查结果", field="findings")
    seen = set()
    for f in findings:
        if f.finding not in ScreeningResult.Finding.values:
            raise ActionError("排查结果无效", field="findings")
        if f.person is None or not visible_to(actor, f.person) or not f.person.unit_path.startswith(unit.path):
            raise ActionError("排查的家庭须是本单位登记的人员", field="findings")
        if f.person.pk in seen:
            raise ActionError(f"{f.person.name}家在本次排查中登记了两次", field="findings")
        seen.add(f.person.pk)
        if f.list_family and f.finding == ScreeningResult.Finding.NONE:
            raise ActionError(f"{f.person.name}家排查无矛盾,不需列入重点家庭", field="findings")
    screening = Screening.objects.create(unit=unit, held_on=held_on, note=(note or "").strip()[:200], by=actor)
    for f in findings:
        family = None
        if f.list_family:
            colour = FINDING_COLOUR[ScreeningResult.Finding(f.finding)]
            family = do_list_family(
                actor=actor,
                unit=unit,
                person=f.person,
                colour=colour,
                reason=(f.note or "").strip()
                or f"{cn_date(held_on)}排查发现:{ScreeningResult.Finding(f.finding).label}",
                responsible=responsible or actor,
                visit_interval_days=DEFAULT_INTERVAL[Colour(colour)],
                listed_on=held_on,
            )
        ScreeningResult.objects.create(
            screening=screening, person=f.person, finding=f.finding, note=(f.note or "").strip(), family=family
        )
    return screening
