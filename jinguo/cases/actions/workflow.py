"""The life of a case: 登记 → 受理 → 办理中 → (转介) → 办结 → 结案 (approved by a leader who
neither handled the case nor asked to close it) → 回访; reopened when needed; transferred to a
unit up or down the tree, which accepts or refuses it. Each step is an action; a step the case's
status does not allow is refused with a Chinese message naming the status."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from jinguo.accounts.permissions import Perm
from jinguo.accounts.scoping import has_perm_at, users_with_perm_at
from jinguo.core.dates import cn_date
from jinguo.core.errors import ActionError

from .. import limits
from ..models import (
    HANDLING_STATUSES,
    Case,
    FollowUp,
    Outcome,
    Referral,
    ReferralTo,
    Status,
    TimeLimit,
    Transfer,
)
from .intake import lock, log, require

ALLOWED: dict[str, tuple[str, ...]] = {
    "accept": (Status.REGISTERED,),
    "start": (Status.ACCEPTED,),
    "refer": (Status.ACCEPTED, Status.IN_PROGRESS),
    "answer_referral": (Status.REFERRED,),
    "finish": HANDLING_STATUSES,
    "close": (Status.FINISHED,),
    "approve_close": (Status.CLOSING,),
    "reject_close": (Status.CLOSING,),
    "reopen": (Status.FINISHED, Status.CLOSING, Status.CLOSED),
    "transfer": (Status.REGISTERED, Status.ACCEPTED, Status.IN_PROGRESS),
}
ACTION_LABELS = {
    "accept": "受理",
    "start": "开始办理",
    "refer": "转介",
    "answer_referral": "登记转介反馈",
    "finish": "办结",
    "close": "申请结案",
    "approve_close": "批准结案",
    "reject_close": "退回结案申请",
    "reopen": "重新办理",
    "transfer": "转办",
    "accept_transfer": "接收转办",
    "reject_transfer": "退回转办",
}


def check_allowed(case: Case, action: str) -> None:
    if case.transfer_to_id and action != "accept_transfer" and action != "reject_transfer":
        raise ActionError("案件正在转办,等待接收单位处理,暂不能办理")
    if case.status not in ALLOWED[action]:
        raise ActionError(f"案件当前状态为“{case.get_status_display()}”,不能{ACTION_LABELS[action]}")


def _reason(value: str | None, label: str, field: str = "note") -> str:
    out = (value or "").strip()
    if not out:
        raise ActionError(f"请填写{label}", field=field)
    if len(out) > 500:
        raise ActionError(f"{label}不能超过500个字", field=field)
    return out


@transaction.atomic
def do_accept(*, actor: Any, case: Case, handler: Any, note: str = "") -> Case:
    """受理: a handler who may work at the case's unit takes it; the finish date follows."""
    case = lock(case)
    require(actor, case.unit)
    check_allowed(case, "accept")
    if handler is None or not users_with_perm_at(Perm.EDIT_RECORDS, case.unit).filter(pk=handler.pk).exists():
        raise ActionError("承办人须是本单位或上级单位有办理权限的干部", field="handler")
    before, now = case.status, timezone.now()
    case.status, case.handler, case.accepted_at = Status.ACCEPTED, handler, now
    case.finish_due = limits.due(timezone.localtime(now).date(), case.unit, case.kind, TimeLimit.Step.FINISH)
    case.save()
    log(case, actor, "accept", before=before, note=note or f"承办人:{handler.display_name}")
    return case


@transaction.atomic
def do_start(*, actor: Any, case: Case, note: str = "") -> Case:
    case = lock(case)
    require(actor, case.unit)
    check_allowed(case, "start")
    before = case.status
    case.status = Status.IN_PROGRESS
    case.save()
    log(case, actor, "start", before=before, note=note)
    return case


@transaction.atomic
def do_refer(
    *, actor: Any, case: Case, to: str, organisation: str, referred_on: dt.date | None = None, note: str = ""
) -> Referral:
    """转介: sent to legal aid, the police, a court, civil affairs, health or another body."""
    case = lock(case)
    require(actor, case.unit)
    check_allowed(case, "refer")
    if to not in ReferralTo.values:
        raise ActionError("请选择转介去向", field="to")
    organisation = _reason(organisation, "接收单位名称", "organisation")
    referred_on = referred_on or timezone.localdate()
    if referred_on > timezone.localdate():
        raise ActionError("转介日期不能晚于今天", field="referred_on")
    referral = Referral.objects.create(
        case=case, to=to, organisation=organisation[:100], referred_on=referred_on, referred_by=actor, note=note
    )
    before = case.status
    case.status = Status.REFERRED
    case.save()
    log(case, actor, "refer", before=before, note=f"转介至{organisation}({ReferralTo(to).label})")
    return referral


@transaction.atomic
def do_answer_referral(
    *, actor: Any, case: Case, answer: str, answered_on: dt.date | None = None, referral: Referral | None = None
) -> Referral:
    """The receiving body's answer: the case goes back to 办理中."""
    case = lock(case)
    require(actor, case.unit)
    check_allowed(case, "answer_referral")
    # the referral as stored (one answered meanwhile, or of another case, is not answered here)
    pending = case.referrals.select_for_update().filter(answered_on__isnull=True)
    if referral is not None:
        pending = pending.filter(pk=referral.pk)
    referral = pending.order_by("-referred_on", "-id").first()
    if referral is None:
        raise ActionError("没有待反馈的转介")
    referral.answer = _reason(answer, "反馈内容", "answer")
    referral.answered_on = answered_on or timezone.localdate()
    if referral.answered_on < referral.referred_on:
        raise ActionError("反馈日期不能早于转介日期", field="answered_on")
    referral.save()
    before = case.status
    case.status = Status.IN_PROGRESS
    case.save()
    log(case, actor, "answer_referral", before=before, note=f"{referral.organisation}已反馈")
    return referral


@transaction.atomic
def do_finish(*, actor: Any, case: Case, outcome: str, note: str = "", violence_stopped: bool = False) -> Case:
    """办结, with the result; for a violence case, whether the violence was stopped."""
    case = lock(case)
    require(actor, case.unit)
    check_allowed(case, "finish")
    if outcome not in Outcome.values:
        raise ActionError("请选择办理结果", field="outcome")
    if violence_stopped and not case.is_violence:
        raise ActionError("只有家庭暴力案件可以登记制止家暴", field="violence_stopped")
    before = case.status
    case.status, case.outcome, case.finished_at = Status.FINISHED, outcome, timezone.now()
    case.outcome_note = (note or "").strip()
    case.violence_stopped = violence_stopped
    case.save()
    log(
        case,
        actor,
        "finish",
        before=before,
        note=Outcome(outcome).label + ("(制止家庭暴力)" if violence_stopped else ""),
    )
    return case


@transaction.atomic
def do_request_close(*, actor: Any, case: Case, note: str = "") -> Case:
    case = lock(case)
    require(actor, case.unit)
    check_allowed(case, "close")
    before = case.status
    case.status, case.close_requested_by = Status.CLOSING, actor
    case.save()
    log(case, actor, "close", before=before, note=note)
    return case


@transaction.atomic
def do_approve_close(*, actor: Any, case: Case, note: str = "") -> Case:
    """结案: a leader of the unit (APPROVE) who is neither the handler nor the one who asked. The
    first follow-up visit is planned at once."""
    case = lock(case)
    require(actor, case.unit, Perm.APPROVE, "只有本单位或上级单位的领导可以批准结案")
    check_allowed(case, "approve_close")
    if actor.pk in (case.handler_id, case.close_requested_by_id):
        raise ActionError("承办人或申请人不能批准自己办理的案件结案,请由其他领导审批")
    before, now = case.status, timezone.now()
    case.status, case.closed_at = Status.CLOSED, now
    case.save()
    due = limits.due(timezone.localtime(now).date(), case.unit, case.kind, TimeLimit.Step.FOLLOW_UP)
    FollowUp.objects.create(case=case, due_on=due)
    log(case, actor, "approve_close", before=before, note=note or f"计划{cn_date(due)}前首次回访")
    return case


@transaction.atomic
def do_reject_close(*, actor: Any, case: Case, reason: str) -> Case:
    case = lock(case)
    require(actor, case.unit, Perm.APPROVE, "只有本单位或上级单位的领导可以审批结案")
    check_allowed(case, "reject_close")
    reason = _reason(reason, "退回理由", "reason")
    before = case.status
    case.status, case.close_requested_by = Status.FINISHED, None
    case.save()
    log(case, actor, "reject_close", before=before, note=reason)
    return case


@transaction.atomic
def do_reopen(*, actor: Any, case: Case, reason: str) -> Case:
    """重新办理: back to 办理中 with a new finish date; planned follow-ups that were not done go."""
    case = lock(case)
    require(actor, case.unit)
    check_allowed(case, "reopen")
    reason = _reason(reason, "重新办理的原因", "reason")
    before, today = case.status, timezone.localdate()
    case.status = Status.IN_PROGRESS
    case.closed_at = case.finished_at = None
    case.outcome, case.violence_stopped, case.close_requested_by = "", False, None
    case.finish_due = limits.due(today, case.unit, case.kind, TimeLimit.Step.FINISH)
    case.save()
    case.follow_ups.filter(done_on__isnull=True).delete()
    log(case, actor, "reopen", before=before, note=reason)
    return case


@transaction.atomic
def do_transfer(*, actor: Any, case: Case, to_unit: Any, reason: str) -> Transfer:
    """转办 to a unit above or below the case's unit; it stays here until that unit answers."""
    case = lock(case)
    require(actor, case.unit)
    check_allowed(case, "transfer")
    reason = _reason(reason, "转办理由", "reason")
    if to_unit is None or to_unit.pk == case.unit_id:
        raise ActionError("请选择其他单位", field="to_unit")
    up_or_down = case.unit.path.startswith(to_unit.path) or to_unit.path.startswith(case.unit.path)
    if not up_or_down:
        raise ActionError("只能转给上级或下级单位", field="to_unit")
    if to_unit.is_closed:
        raise ActionError("该单位已撤销", field="to_unit")
    transfer = Transfer.objects.create(
        case=case, from_unit=case.unit, to_unit=to_unit, reason=reason, requested_by=actor
    )
    case.transfer_to, case.transfer_to_path = to_unit, to_unit.path
    case.save()
    log(case, actor, "transfer", before=case.status, note=f"转往{to_unit.name}:{reason}")
    return transfer


def _pending(case: Case) -> Transfer:
    transfer = case.transfers.filter(state=Transfer.State.PENDING).select_related("to_unit").first()
    if transfer is None or case.transfer_to_id is None:
        raise ActionError("该案件没有待接收的转办")
    return transfer


def _not_own(actor: Any, transfer: Transfer) -> None:
    """A transfer down the tree is answered by the receiving unit, not by the cadre who sent it
    (her scope covers the receiving unit too)."""
    if actor.pk == transfer.requested_by_id:
        raise ActionError("不能接收或退回自己发起的转办,请由接收单位的同志处理")


@transaction.atomic
def do_accept_transfer(*, actor: Any, case: Case) -> Case:
    """The receiving unit takes the case over: it is its own from now, to be accepted there."""
    case = lock(case)
    transfer = _pending(case)
    require(actor, transfer.to_unit, message="只有接收单位可以接收转办")
    _not_own(actor, transfer)
    before, now = case.status, timezone.now()
    transfer.state, transfer.decided_by, transfer.decided_at = Transfer.State.ACCEPTED, actor, now
    transfer.save()
    case.unit = transfer.to_unit
    case.transfer_to, case.transfer_to_path = None, ""
    case.status, case.handler, case.accepted_at, case.finish_due = Status.REGISTERED, None, None, None
    case.accept_due = limits.due(timezone.localtime(now).date(), case.unit, case.kind, TimeLimit.Step.ACCEPT)
    case.save()
    log(case, actor, "accept_transfer", before=before, note=f"{case.unit.name}接收")
    return case


@transaction.atomic
def do_reject_transfer(*, actor: Any, case: Case, reason: str) -> Case:
    case = lock(case)
    transfer = _pending(case)
    require(actor, transfer.to_unit, message="只有接收单位可以退回转办")
    _not_own(actor, transfer)
    reason = _reason(reason, "退回理由", "reason")
    transfer.state, transfer.decided_by, transfer.decided_at = Transfer.State.REJECTED, actor, timezone.now()
    transfer.decision_reason = reason
    transfer.save()
    case.transfer_to, case.transfer_to_path = None, ""
    case.save()
    log(case, actor, "reject_transfer", before=case.status, note=f"{transfer.to_unit.name}退回:{reason}")
    return case


@transaction.atomic
def do_add_note(*, actor: Any, case: Case, note: str) -> Case:
    require(actor, case.unit)
    log(case, actor, "note", before=case.status, note=_reason(note, "办理记录", "note"))
    return case


def can_approve(user: Any, case: Case) -> bool:
    return has_perm_at(user, Perm.APPROVE, case.unit) and user.pk not in (case.handler_id, case.close_requested_by_id)
