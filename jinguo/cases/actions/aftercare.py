"""Follow-up visits after closing (回访), mediation sessions and agreements, time limits and Word
templates of a unit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from jinguo.accounts.permissions import Perm
from jinguo.accounts.scoping import users_with_perm_at
from jinguo.core.dates import cn_date
from jinguo.core.errors import ActionError
from jinguo.core.excel import check_size
from jinguo.people.access import visible_to

from ..models import (
    Case,
    CaseMediator,
    DocumentTemplate,
    FollowUp,
    FollowUpWay,
    Kind,
    MediationSession,
    Status,
    TimeLimit,
)
from .intake import lock, log, not_in_transfer, require

MAX_LIMIT_DAYS = 365


@transaction.atomic
def do_record_follow_up(
    *,
    actor: Any,
    follow_up: FollowUp,
    done_on: dt.date | None,
    way: str,
    result: str,
    satisfied: bool | None,
    next_due: dt.date | None = None,
) -> FollowUp:
    """A planned follow-up done: when, how, what was found, whether she is satisfied; `next_due`
    plans another one."""
    # reopening a case deletes its planned follow-ups: one read before that is refused, not a crash
    rows = FollowUp.objects.select_for_update(of=("self",)).select_related("case__unit")
    found = rows.filter(pk=follow_up.pk).first()
    if found is None:
        raise ActionError("案件已重新办理,该次回访不再需要")
    follow_up = found
    case = follow_up.case
    require(actor, case.unit)
    if follow_up.done_on is not None:
        raise ActionError("该次回访已登记")
    if case.status != Status.CLOSED:
        raise ActionError("案件已重新办理,该次回访不再需要")
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise ActionError("回访日期不能晚于今天", field="done_on")
    if case.closed_at and done_on < timezone.localtime(case.closed_at).date():
        raise ActionError("回访日期不能早于结案日期", field="done_on")
    if way not in FollowUpWay.values:
        raise ActionError("请选择回访方式", field="way")
    result = (result or "").strip()
    if not result:
        raise ActionError("请填写回访情况", field="result")
    if next_due is not None and next_due <= done_on:
        raise ActionError("下次回访日期应晚于本次回访日期", field="next_due")
    follow_up.done_on, follow_up.way, follow_up.result = done_on, way, result
    follow_up.satisfied, follow_up.by = satisfied, actor
    follow_up.save()
    if next_due is not None:
        FollowUp.objects.create(case=case, due_on=next_due)
    verdict = {True: "满意", False: "不满意", None: "未表态"}[satisfied]
    log(case, actor, "follow_up", before=case.status, note=f"{FollowUpWay(way).label}回访,{verdict}")
    return follow_up


@transaction.atomic
def do_schedule_follow_up(*, actor: Any, case: Case, due_on: dt.date) -> FollowUp:
    case = lock(case)
    require(actor, case.unit)
    if case.status != Status.CLOSED:
        raise ActionError("结案后才能安排回访")
    if due_on < timezone.localdate():
        raise ActionError("计划回访日期不能早于今天", field="due_on")
    row = FollowUp.objects.create(case=case, due_on=due_on)
    log(case, actor, "follow_up_plan", before=case.status, note=f"计划{cn_date(due_on)}回访")
    return row


# --- mediation -------------------------------------------------------------------------------------


def _mediation(actor: Any, case: Case) -> None:
    require(actor, case.unit)
    not_in_transfer(case)
    if case.kind != Kind.MEDIATION:
        raise ActionError("只有调解案件有调解记录")
    if case.status in (Status.CLOSED, Status.CLOSING):
        raise ActionError("案件已申请结案或已结案,不能再登记调解")


@transaction.atomic
def do_set_mediators(*, actor: Any, case: Case, users: list[Any], persons: list[Any]) -> list[CaseMediator]:
    """The mediators: users who may work at the case's unit, or registered volunteers (persons)."""
    case = lock(case)
    _mediation(actor, case)
    if not users and not persons:
        raise ActionError("请至少选择一名调解员", field="mediators")
    allowed = set(
        users_with_perm_at(Perm.VIEW_RECORDS, case.unit)
        .filter(pk__in=[u.pk for u in users])
        .values_list("pk", flat=True)
    )
    for user in users:
        if user.pk not in allowed:
            raise ActionError(f"{user.display_name}不在本单位或上级单位,不能担任调解员")
    for person in persons:
        if not visible_to(actor, person):
            raise ActionError("调解员不在您可查看的人员范围内", field="mediators")
    case.mediators.all().delete()
    rows = [CaseMediator.objects.create(case=case, user=u) for u in users]
    rows += [CaseMediator.objects.create(case=case, person=p) for p in persons]
    log(case, actor, "mediators", before=case.status, note="调解员:" + "、".join(m.name for m in rows))
    return rows


@transaction.atomic
def do_record_session(
    *, actor: Any, case: Case, held_on: dt.date, place: str, parties_present: str = "", outcome: str = ""
) -> MediationSession:
    case = lock(case)
    _mediation(actor, case)
    if held_on > timezone.localdate():
        raise ActionError("调解日期不能晚于今天", field="held_on")
    place = (place or "").strip()
    if not place:
        raise ActionError("请填写调解地点", field="place")
    session = MediationSession.objects.create(
        case=case,
        held_on=held_on,
        place=place[:100],
        parties_present=(parties_present or "").strip(),
        outcome=(outcome or "").strip(),
        recorded_by=actor,
    )
    log(
        case,
        actor,
        "session",
        before=case.status,
        note=f"{cn_date(held_on)}在{session.place}调解",
    )
    return session


@transaction.atomic
def do_record_agreement(
    *, actor: Any, case: Case, reached: bool, terms: str = "", agreed_on: dt.date | None = None
) -> Case:
    """Whether the mediation reached an agreement, and its terms (for the agreement document)."""
    case = lock(case)
    _mediation(actor, case)
    if not case.sessions.exists():
        raise ActionError("请先登记调解记录")
    terms = (terms or "").strip()
    if reached and not terms:
        raise ActionError("达成协议的,请填写协议内容", field="terms")
    agreed_on = agreed_on or timezone.localdate()
    if reached and agreed_on > timezone.localdate():
        raise ActionError("协议日期不能晚于今天", field="agreed_on")
    case.agreement_reached = reached
    case.agreement_terms = terms if reached else ""
    case.agreement_on = agreed_on if reached else None
    case.save()
    log(case, actor, "agreement", before=case.status, note="达成调解协议" if reached else "未达成调解协议")
    return case


# --- a unit's settings ------------------------------------------------------------------------------


@transaction.atomic
def do_set_time_limit(*, actor: Any, unit: Any, kind: str, step: str, days: int | None) -> TimeLimit | None:
    """A leader sets a time limit for her unit and the units below; None returns to what applies above."""
    require(actor, unit, Perm.APPROVE, "只有本单位或上级单位的领导可以设置办理时限")
    if kind not in Kind.values or step not in TimeLimit.Step.values:
        raise ActionError("时限类型无效")
    if days is None:
        TimeLimit.objects.filter(unit=unit, kind=kind, step=step).delete()
        return None
    if not 1 <= days <= MAX_LIMIT_DAYS:
        raise ActionError(f"时限应在1到{MAX_LIMIT_DAYS}天之间", field="days")
    row, _ = TimeLimit.objects.update_or_create(unit=unit, kind=kind, step=step, defaults={"days": days})
    return row


@transaction.atomic
def do_upload_template(*, actor: Any, unit: Any, purpose: str, file_name: str, data: bytes) -> DocumentTemplate:
    """A Word template (.docx with {{ }} placeholders) for the unit and the units below."""
    from ..documents import check_template

    require(actor, unit, Perm.EDIT_RECORDS, "您无权为该单位设置文书模板")
    if purpose not in DocumentTemplate.Purpose.values:
        raise ActionError("模板用途无效")
    check_size(len(data))
    check_template(purpose, file_name, data)
    row, _ = DocumentTemplate.objects.update_or_create(
        unit=unit, purpose=purpose, defaults={"file_name": file_name[:200], "data": data, "uploaded_by": actor}
    )
    return row
