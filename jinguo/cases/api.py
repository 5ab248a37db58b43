"""The API of rights protection: /api/cases/… (petitions, mediations, domestic-violence incidents,
their steps and follow-up visits, the monthly report) and /api/key-families/…. Scoped exactly like
the pages: VIEW_RECORDS to read, EDIT_RECORDS at the case's unit to write (APPROVE to close);
what the user may not see, or only see, is a 404. Every write goes through jinguo.cases.actions."""

import datetime as dt
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from jinguo.accounts.models import User
from jinguo.accounts.permissions import Perm
from jinguo.accounts.scoping import has_perm_at, home_units, scope_paths, users_with_perm_at
from jinguo.core.access import deny, get_scoped_or_404
from jinguo.core.audit import record
from jinguo.core.context import AuthedHttpRequest
from jinguo.core.errors import ActionError
from jinguo.core.models import AuditEvent
from jinguo.core.paging import Counted, CountedLimitOffset, capped_count
from jinguo.core.tree import under
from jinguo.orgs.models import Unit
from jinguo.people.access import persons_for
from jinguo.people.models import Household

from . import access, actions, report
from .filters import PSEUDO_STATUSES, CaseFilters
from .models import (
    DEFAULT_INTERVAL,
    Case,
    CaseEvent,
    CaseMediator,
    Channel,
    Colour,
    FollowUp,
    KeyFamily,
    KeyFamilyVisit,
    Kind,
    MediationSession,
    Referral,
    Transfer,
)
from .models import Status as CaseStatus
from .schemas import (
    AgreementIn,
    CaseDetailOut,
    CaseIn,
    CaseOut,
    CasePatch,
    FamilyDetailOut,
    FamilyIn,
    FamilyOut,
    FollowUpIn,
    FollowUpOut,
    LiftIn,
    MediatorOut,
    MediatorsIn,
    MonthlyReportOut,
    OverdueOut,
    PartyIn,
    PartyOut,
    ScheduleIn,
    SessionIn,
    SessionOut,
    TransitionIn,
    VisitIn,
)

router = Router(tags=["维权与调解"])
families_router = Router(tags=["重点家庭"])

CASE_RELATED = ("unit", "category", "person", "handler", "transfer_to")
# what a list row needs: the other encrypted columns (request, risk factors …) are not even read
CASE_LIST_COLUMNS = (
    *CASE_RELATED,
    "number",
    "kind",
    "channel",
    "received_at",
    "status",
    "urgency",
    "risk_level",
    "anonymous",
    "accept_due",
    "finish_due",
    "narrative",
    "unit_path",
    "transfer_to_path",
    "unit__name",
    "unit__path",
    "category__code",
    "category__name",
    "person__name",
    "handler__username",
    "handler__full_name",
    "transfer_to__name",
)
FOLLOW_UP_COLUMNS = ("case", "due_on", "done_on", "way", "result", "satisfied", "by")
TRANSFER_ANSWERS = ("accept_transfer", "reject_transfer")
OVERDUE_LIMIT = 500
# errors of the person registered on the spot name her fields: they are new_person's here
NEW_PERSON_FIELDS = ("name", "gender", "phone", "id_number", "birth_date")
VIOLENCE_NOTE = "家庭暴力案件每次返回详情(查看、登记、修改、办理)都记入审计日志。"


def _require_scope(user: Any, model: Any = Case) -> None:
    """The lists: a user who holds no record permission anywhere (admins, outsiders) gets a 404."""
    if not scope_paths(user, perm=Perm.VIEW_RECORDS):
        raise deny(user, model=model, reason="no unit")


def _editable_unit(user: Any, unit_id: int | None, model: Any = Case) -> Unit:
    """A unit where the user may register: 404 for one she cannot see or not edit."""
    unit = get_scoped_or_404(Unit.objects.for_user(user, perm=Perm.VIEW_RECORDS), user, unit_id)
    if not has_perm_at(user, Perm.EDIT_RECORDS, unit):
        raise deny(user, model=model, reason="edit_records")
    return unit


def _handled(user: Any, case_id: int) -> Case:
    """A case the user may work on at its own unit (the receiver of a transfer only answers it)."""
    case = access.get_case_to_handle(user, case_id)
    if not access.can_handle(user, case):
        raise deny(user, model=Case, object_pk=case_id, reason="edit_records")
    return case


def allowed_actions(user: Any, case: Case) -> list[str]:
    """The steps the user may take now (as the page's buttons; the actions check again), and a note."""
    if case.transfer_to_id:
        out = list(TRANSFER_ANSWERS) if access.can_answer_transfer(user, case) else []
    elif access.can_handle(user, case):
        out = [a for a, allowed in actions.ALLOWED.items() if case.status in allowed]
        if not actions.can_approve(user, case):
            out = [a for a in out if a not in ("approve_close", "reject_close")]
    else:
        out = []
    if access.can_handle(user, case):
        out.append("note")
    return out


def _detail(user: Any, case: Case, *, opened: bool = False) -> Case:
    """The case with its timeline and the user's steps. The record of a violence case that was not
    `opened` through access.open_case (the answer to a write) is recorded as an opening here."""
    if case.is_violence and not opened:
        record(AuditEvent.ACCESS, user=user, obj=case, detail={"opened": "violence_case"})
    prefetch_related_objects(
        [case],
        "parties",
        Prefetch("events", queryset=CaseEvent.objects.select_related("actor")),
        Prefetch("referrals", queryset=Referral.objects.select_related("referred_by")),
        Prefetch(
            "transfers",
            queryset=Transfer.objects.select_related("from_unit", "to_unit", "requested_by", "decided_by"),
        ),
        Prefetch("follow_ups", queryset=FollowUp.objects.select_related("by")),
        Prefetch("mediators", queryset=CaseMediator.objects.select_related("user", "person").order_by("pk")),
        Prefetch("sessions", queryset=MediationSession.objects.select_related("recorded_by")),
    )
    case.allowed_actions = allowed_actions(user, case)  # type: ignore[attr-defined]
    return case


def _reloaded(user: Any, case_id: int) -> Case:
    """The case after a write, as the user sees it now. One she sent back (a transfer she refused)
    is out of her view from now on: she gets it as it is, without any step left to take."""
    qs = access.cases_for(user).select_related(*CASE_RELATED)
    case = qs.filter(pk=case_id).first() or Case.objects.select_related(*CASE_RELATED).get(pk=case_id)
    return _detail(user, case)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _choice(value: str, choices: Any, label: str, field: str, extra: dict[str, str] | None = None) -> None:
    valid = {**dict(choices.choices), **(extra or {})}
    if value and value not in valid:
        raise ActionError(f"{label}“{value}”无效,可选:" + "、".join(valid), field=field)


# --- the case register ------------------------------------------------------------------------------


class CaseQuery(Schema):
    kind: str = ""
    status: str = ""
    category: str = ""
    channel: str = ""
    unit: int | None = None
    overdue: bool = False
    mine: bool = False
    q: str = ""
    received_from: dt.date | None = None
    received_to: dt.date | None = None


@router.get(
    "/",
    response=list[CaseOut],
    summary="案件列表(本人可见范围,事由脱敏)",
    description="status 可为案件状态,或 open(未办结)、overdue(超期)、transfer_in(待接收转办);"
    "unit 含其下级单位;q 为案件编号或当事人姓名开头。",
)
@paginate(CountedLimitOffset)
def list_cases(request: AuthedHttpRequest, filters: Query[CaseQuery]) -> Any:
    user = request.auth
    _require_scope(user)
    _choice(filters.kind, Kind, "案件类型", "kind")
    _choice(filters.status, CaseStatus, "案件状态", "status", PSEUDO_STATUSES)
    _choice(filters.channel, Channel, "来源渠道", "channel")
    qs = CaseFilters.from_params(filters.dict(exclude={"overdue"})).apply(access.cases_for(user), user=user)
    if filters.overdue:
        qs = qs.overdue()
    count, capped = capped_count(qs)
    rows = qs.select_related(*CASE_RELATED).only(*CASE_LIST_COLUMNS).order_by("-received_at", "-pk")
    return Counted(rows, count, capped=capped)


@router.post("/", response={201: CaseDetailOut}, summary="登记案件", description=VIOLENCE_NOTE)
def register_case(request: AuthedHttpRequest, payload: CaseIn) -> Any:
    user = request.auth
    unit = _editable_unit(user, payload.unit_id)
    person = None
    if payload.person_id is not None:
        person = persons_for(user).filter(pk=payload.person_id).first()
        if person is None:
            raise ActionError("该人员不存在,或不在您可查看的范围内", field="person_id")
    try:
        case = _register(user, unit, person, payload)
    except ActionError as exc:
        if payload.new_person is not None and exc.field in NEW_PERSON_FIELDS:
            raise ActionError(exc.message, field=f"new_person.{exc.field}") from exc
        raise
    return Status(201, _reloaded(user, case.pk))


def _register(user: Any, unit: Unit, person: Any, payload: CaseIn) -> Case:
    return actions.do_register_case(
        actor=user,
        unit=unit,
        kind=payload.kind,
        channel=payload.channel,
        category=payload.category or None,
        received_at=_aware(payload.received_at),
        person=person,
        new_person=payload.new_person.dict() if payload.new_person else None,
        anonymous=payload.anonymous,
        narrative=payload.narrative,
        request=payload.request,
        urgency=payload.urgency,
        risk_factors=payload.risk_factors,
        parties=[actions.Party(**p.dict()) for p in payload.parties],
    )


@router.get("/overdue/", response=OverdueOut, summary="超期案件与超期回访(本人可见范围)")
def overdue(request: AuthedHttpRequest) -> Any:
    user = request.auth
    _require_scope(user)
    cases = access.cases_for(user).overdue()
    follow_ups = FollowUp.objects.overdue().filter(case__in=access.cases_for(user).values("pk"))
    return {
        "cases": list(
            cases.select_related(*CASE_RELATED).only(*CASE_LIST_COLUMNS).order_by("received_at", "pk")[:OVERDUE_LIMIT]
        ),
        "cases_count": cases.count(),
        "follow_ups": list(
            follow_ups.select_related("case", "by")
            .only(*FOLLOW_UP_COLUMNS, "case__number", "by__username")
            .order_by("due_on", "pk")[:OVERDUE_LIMIT]
        ),
        "follow_ups_count": follow_ups.count(),
    }


@router.get(
    "/monthly-report/",
    response=MonthlyReportOut,
    summary="维权工作月报",
    description="unit:统计单位(含下级,默认本人所在单位);month:YYYY-MM(默认本月)。",
)
def monthly_report(request: AuthedHttpRequest, unit: int | None = None, month: str = "") -> Any:
    user = request.auth
    _require_scope(user)
    if unit is None:
        unit = home_units(user, perm=Perm.VIEW_RECORDS)[0].pk
    chosen = get_scoped_or_404(Unit.objects.for_user(user, perm=Perm.VIEW_RECORDS), user, unit)
    first = report.parse_month(month, today=timezone.localdate())
    return report.monthly_report(user, chosen, first).as_dict()


@router.get("/{case_id}/", response=CaseDetailOut, summary="案件详情", description=VIOLENCE_NOTE)
def get_case(request: AuthedHttpRequest, case_id: int) -> Any:
    return _detail(request.auth, access.open_case(request.auth, case_id), opened=True)


@router.patch("/{case_id}/", response=CaseDetailOut, summary="修改案件登记内容", description=VIOLENCE_NOTE)
def update_case(request: AuthedHttpRequest, case_id: int, payload: CasePatch) -> Any:
    case = _handled(request.auth, case_id)
    data = payload.dict(exclude_unset=True)
    for key, label in (("channel", "来源渠道"), ("urgency", "紧急程度")):
        if key in data and data[key] is None:
            raise ActionError(f"请选择{label}", field=key)
    actions.do_update_case(actor=request.auth, case=case, **data)
    return _reloaded(request.auth, case.pk)


def _handler(user: Any, pk: int | None) -> Any:
    return user if pk is None else User.objects.filter(pk=pk, is_active=True).first()


def _to_unit(pk: int | None) -> Unit | None:
    return Unit.objects.filter(pk=pk).first() if pk is not None else None


STEPS: dict[str, Any] = {
    "accept": lambda u, c, p: actions.do_accept(actor=u, case=c, handler=_handler(u, p.handler_id), note=p.note),
    "start": lambda u, c, p: actions.do_start(actor=u, case=c, note=p.note),
    "refer": lambda u, c, p: actions.do_refer(
        actor=u, case=c, to=p.to, organisation=p.organisation, referred_on=p.referred_on, note=p.note
    ),
    "answer_referral": lambda u, c, p: actions.do_answer_referral(
        actor=u, case=c, answer=p.answer, answered_on=p.answered_on
    ),
    "finish": lambda u, c, p: actions.do_finish(
        actor=u, case=c, outcome=p.outcome, note=p.note, violence_stopped=p.violence_stopped
    ),
    "close": lambda u, c, p: actions.do_request_close(actor=u, case=c, note=p.note),
    "approve_close": lambda u, c, p: actions.do_approve_close(actor=u, case=c, note=p.note),
    "reject_close": lambda u, c, p: actions.do_reject_close(actor=u, case=c, reason=p.reason),
    "reopen": lambda u, c, p: actions.do_reopen(actor=u, case=c, reason=p.reason),
    "transfer": lambda u, c, p: actions.do_transfer(actor=u, case=c, to_unit=_to_unit(p.to_unit_id), reason=p.reason),
    "accept_transfer": lambda u, c, p: actions.do_accept_transfer(actor=u, case=c),
    "reject_transfer": lambda u, c, p: actions.do_reject_transfer(actor=u, case=c, reason=p.reason),
    "note": lambda u, c, p: actions.do_add_note(actor=u, case=c, note=p.note),
}
TRANSITIONS = tuple(STEPS)


@router.post(
    "/{case_id}/transitions/",
    response=CaseDetailOut,
    summary="办理案件(受理、转介、办结、结案审批、转办……)",
    description="action 可选:" + "、".join(TRANSITIONS) + "。" + VIOLENCE_NOTE,
)
def transition(request: AuthedHttpRequest, case_id: int, payload: TransitionIn) -> Any:
    user = request.auth
    case = access.get_case_to_handle(user, case_id)
    if payload.action not in STEPS:
        raise ActionError(f"操作“{payload.action}”无效,可选:" + "、".join(TRANSITIONS), field="action")
    if payload.action not in TRANSFER_ANSWERS and not access.can_handle(user, case):
        raise deny(user, model=Case, object_pk=case_id, reason="edit_records")
    STEPS[payload.action](user, case, payload)
    return _reloaded(user, case.pk)


# --- follow-up visits -------------------------------------------------------------------------------


@router.get(
    "/{case_id}/follow-ups/",
    response=list[FollowUpOut],
    summary="案件的回访",
    description="查看家庭暴力案件的回访记入审计日志。",
)
def list_follow_ups(request: AuthedHttpRequest, case_id: int) -> Any:
    case = access.open_case(request.auth, case_id)
    return list(case.follow_ups.select_related("by").order_by("due_on", "pk"))


@router.post("/{case_id}/follow-ups/", response={201: FollowUpOut}, summary="安排回访")
def schedule_follow_up(request: AuthedHttpRequest, case_id: int, payload: ScheduleIn) -> Any:
    case = _handled(request.auth, case_id)
    if payload.due_on is None:
        raise ActionError("请填写计划回访日期", field="due_on")
    return Status(201, actions.do_schedule_follow_up(actor=request.auth, case=case, due_on=payload.due_on))


@router.post("/{case_id}/follow-ups/{follow_up_id}/", response=FollowUpOut, summary="登记回访情况")
def record_follow_up(request: AuthedHttpRequest, case_id: int, follow_up_id: int, payload: FollowUpIn) -> Any:
    case = _handled(request.auth, case_id)
    follow_up = get_scoped_or_404(case.follow_ups.all(), request.auth, follow_up_id)
    actions.do_record_follow_up(actor=request.auth, follow_up=follow_up, **payload.dict())
    return FollowUp.objects.select_related("by").get(pk=follow_up.pk)


# --- mediation: parties, mediators, sessions, the agreement ------------------------------------------


@router.post("/{case_id}/parties/", response={201: PartyOut}, summary="增加当事人")
def add_party(request: AuthedHttpRequest, case_id: int, payload: PartyIn) -> Any:
    case = _handled(request.auth, case_id)
    party = actions.Party(name=payload.name, role=payload.role, relation=payload.relation, phone=payload.phone)
    return Status(201, actions.do_add_party(actor=request.auth, case=case, party=party))


@router.delete("/{case_id}/parties/{party_id}/", response={204: None}, summary="删除当事人")
def remove_party(request: AuthedHttpRequest, case_id: int, party_id: int) -> Any:
    case = _handled(request.auth, case_id)
    party = case.parties.filter(pk=party_id).first()
    if party is None:
        raise deny(request.auth, model=Case, object_pk=case_id, reason="party")
    actions.do_remove_party(actor=request.auth, party=party)
    return Status(204, None)


@router.put(
    "/{case_id}/mediators/",
    response=list[MediatorOut],
    summary="设置调解员(调解案件)",
    description="users:本单位或上级单位的用户;persons:登记在册的志愿者(人员)。整体替换原有调解员。",
)
def set_mediators(request: AuthedHttpRequest, case_id: int, payload: MediatorsIn) -> Any:
    user = request.auth
    case = _handled(user, case_id)
    wanted_users, wanted_persons = list(dict.fromkeys(payload.users)), list(dict.fromkeys(payload.persons))
    users = {u.pk: u for u in users_with_perm_at(Perm.VIEW_RECORDS, case.unit).filter(pk__in=wanted_users)}
    for pk in wanted_users:
        if pk not in users:  # unknown or of another unit: the same answer
            raise ActionError(f"用户(编号{pk})不在本单位或上级单位,不能担任调解员", field="users")
    persons = {p.pk: p for p in persons_for(user).filter(pk__in=wanted_persons)}
    for pk in wanted_persons:
        if pk not in persons:
            raise ActionError(f"人员(编号{pk})不在您可查看的人员范围内,不能担任调解员", field="persons")
    actions.do_set_mediators(
        actor=user,
        case=case,
        users=[users[pk] for pk in wanted_users],
        persons=[persons[pk] for pk in wanted_persons],
    )
    return list(CaseMediator.objects.filter(case=case).select_related("user", "person").order_by("pk"))


@router.post("/{case_id}/sessions/", response={201: SessionOut}, summary="登记调解记录(调解案件)")
def record_session(request: AuthedHttpRequest, case_id: int, payload: SessionIn) -> Any:
    case = _handled(request.auth, case_id)
    if payload.held_on is None:
        raise ActionError("请填写调解日期", field="held_on")
    session = actions.do_record_session(actor=request.auth, case=case, **payload.dict())
    return Status(201, MediationSession.objects.select_related("recorded_by").get(pk=session.pk))


@router.post(
    "/{case_id}/agreement/",
    response=CaseDetailOut,
    summary="登记调解结果(是否达成协议)",
    description="达成协议的须填写协议内容 terms;协议书(.docx)在案件页面下载。",
)
def record_agreement(request: AuthedHttpRequest, case_id: int, payload: AgreementIn) -> Any:
    case = _handled(request.auth, case_id)
    actions.do_record_agreement(actor=request.auth, case=case, **payload.dict())
    return _reloaded(request.auth, case.pk)


# --- key families -----------------------------------------------------------------------------------


FAMILY_RELATED = ("unit", "person", "responsible", "case")
FAMILY_LIST_COLUMNS = (
    *FAMILY_RELATED,
    "household",
    "colour",
    "reason",
    "visit_interval_days",
    "next_visit_due",
    "listed_on",
    "lifted_on",
    "unit_path",
    "unit__name",
    "unit__path",
    "person__name",
    "responsible__username",
    "responsible__full_name",
    "case__number",
)


class FamilyQuery(Schema):
    colour: str = ""
    unit: int | None = None
    overdue: bool = False
    listed: bool = True


def _family_detail(family: KeyFamily) -> KeyFamily:
    prefetch_related_objects([family], Prefetch("visits", queryset=KeyFamilyVisit.objects.select_related("visitor")))
    return family


def _family_to_handle(user: Any, family_id: int) -> KeyFamily:
    family = access.get_family_for_user(user, family_id)
    if not has_perm_at(user, Perm.EDIT_RECORDS, family.unit):
        raise deny(user, model=KeyFamily, object_pk=family_id, reason="edit_records")
    return family


def _family_reloaded(user: Any, family_id: int) -> KeyFamily:
    return _family_detail(access.get_family_for_user(user, family_id))


@families_router.get(
    "/",
    response=list[FamilyOut],
    summary="重点家庭名册(本人可见范围,列入原因脱敏)",
    description="listed 为 true(默认)时列出在册家庭,为 false 时列出已撤销的家庭;overdue:走访超期。",
)
@paginate(CountedLimitOffset)
def list_families(request: AuthedHttpRequest, filters: Query[FamilyQuery]) -> Any:
    user = request.auth
    _require_scope(user, KeyFamily)
    _choice(filters.colour, Colour, "重点家庭类别", "colour")
    qs = access.families_for(user)
    qs = qs.listed() if filters.listed else qs.filter(lifted_on__isnull=False)
    if filters.colour:
        qs = qs.filter(colour=filters.colour)
    if filters.unit is not None:
        unit = Unit.objects.for_user(user, perm=Perm.VIEW_RECORDS).filter(pk=filters.unit).first()
        qs = qs.filter(under("unit_path", unit.path)) if unit is not None else qs.none()
    if filters.overdue:
        qs = qs.visit_overdue()
    count, capped = capped_count(qs)
    rows = qs.select_related(*FAMILY_RELATED).only(*FAMILY_LIST_COLUMNS)
    return Counted(rows.order_by("next_visit_due", "pk"), count, capped=capped)


@families_router.post("/", response={201: FamilyDetailOut}, summary="列入重点家庭")
def list_family(request: AuthedHttpRequest, payload: FamilyIn) -> Any:
    user = request.auth
    unit = _editable_unit(user, payload.unit_id, KeyFamily)
    person = persons_for(user).filter(pk=payload.person_id).first() if payload.person_id is not None else None
    household = None
    if payload.household_id is not None:
        households = Household.objects.for_user(user, perm=Perm.VIEW_RECORDS)
        household = households.filter(pk=payload.household_id).first()
        if household is None:
            raise ActionError("家庭不存在,或不在您可查看的范围内", field="household_id")
    responsible = user if payload.responsible_id is None else User.objects.filter(pk=payload.responsible_id).first()
    interval = payload.visit_interval_days
    if interval is None:
        interval = DEFAULT_INTERVAL.get(payload.colour, 0)
    family = actions.do_list_family(
        actor=user,
        unit=unit,
        person=person,
        colour=payload.colour,
        reason=payload.reason,
        responsible=responsible,
        visit_interval_days=interval,
        household=household,
    )
    return Status(201, _family_reloaded(user, family.pk))


@families_router.get("/{family_id}/", response=FamilyDetailOut, summary="重点家庭详情(含走访记录)")
def get_family(request: AuthedHttpRequest, family_id: int) -> Any:
    return _family_reloaded(request.auth, family_id)


@families_router.post("/{family_id}/visits/", response={201: FamilyDetailOut}, summary="登记走访")
def record_visit(request: AuthedHttpRequest, family_id: int, payload: VisitIn) -> Any:
    family = _family_to_handle(request.auth, family_id)
    actions.do_record_visit(
        actor=request.auth,
        family=family,
        visited_on=payload.visited_on or timezone.localdate(),
        found=payload.found,
        next_step=payload.next_step,
        companions=payload.companions,
    )
    return Status(201, _family_reloaded(request.auth, family.pk))


@families_router.post("/{family_id}/lift/", response=FamilyDetailOut, summary="撤销重点管理")
def lift_family(request: AuthedHttpRequest, family_id: int, payload: LiftIn) -> Any:
    family = _family_to_handle(request.auth, family_id)
    actions.do_lift_family(actor=request.auth, family=family, reason=payload.reason, lifted_on=payload.lifted_on)
    return _family_reloaded(request.auth, family.pk)
