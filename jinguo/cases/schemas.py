"""The shapes of the cases API: what goes in, what comes out. Lists mask every narrative
("******"); the detail of a case gives its narrative and request in full (to whoever may open it,
as its page does) and the parties' phones masked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from ninja import Field, Schema

from jinguo.core.crypto import mask_phone, mask_text

from .models import RISK_FACTORS, Colour, FollowUpWay, ReferralTo, RiskLevel, Transfer, Urgency


def _user(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "name": user.display_name}


def _username(user: Any) -> str | None:
    return user.username if user is not None else None


def _label(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else ""


# --- references -------------------------------------------------------------------------------------


class UnitRef(Schema):
    id: int
    name: str


class PersonRef(Schema):
    id: int
    name: str


class UserRef(Schema):
    id: int
    username: str
    name: str


class CategoryRef(Schema):
    code: str
    name: str


class CaseRef(Schema):
    id: int
    number: str


class Coded(Schema):
    code: str
    label: str


# --- cases ------------------------------------------------------------------------------------------


class CaseOut(Schema):
    """A case as the list gives it: the narrative only as "******"."""

    id: int
    number: str
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    category: CategoryRef
    channel: str
    channel_label: str = Field(alias="get_channel_display")
    received_at: dt.datetime
    status: str
    status_label: str = Field(alias="get_status_display")
    urgency: str
    urgency_label: str = Field(alias="get_urgency_display")
    risk_level: str
    risk_level_label: str
    unit: UnitRef
    person: PersonRef | None
    anonymous: bool
    handler: UserRef | None
    accept_due: dt.date
    finish_due: dt.date | None
    overdue: bool
    transfer_to: UnitRef | None
    narrative_masked: str

    @staticmethod
    def resolve_risk_level_label(obj: Any) -> str:
        return _label(RiskLevel, obj.risk_level)

    @staticmethod
    def resolve_person(obj: Any) -> dict[str, Any] | None:
        return {"id": obj.person.pk, "name": obj.person.name} if obj.person_id else None

    @staticmethod
    def resolve_handler(obj: Any) -> dict[str, Any] | None:
        return _user(obj.handler)

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return obj.is_overdue()

    @staticmethod
    def resolve_transfer_to(obj: Any) -> dict[str, Any] | None:
        return {"id": obj.transfer_to.pk, "name": obj.transfer_to.name} if obj.transfer_to_id else None

    @staticmethod
    def resolve_narrative_masked(obj: Any) -> str:
        return mask_text(obj.narrative)


class PartyOut(Schema):
    id: int
    role: str
    role_label: str = Field(alias="get_role_display")
    name: str
    relation: str
    phone: str

    @staticmethod
    def resolve_phone(obj: Any) -> str:
        return mask_phone(obj.phone)


class EventOut(Schema):
    at: dt.datetime
    actor: str | None
    action: str
    from_status: str
    to_status: str
    note: str

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return _username(obj.actor)


class ReferralOut(Schema):
    id: int
    to: str
    to_label: str
    organisation: str
    referred_on: dt.date
    referred_by: str
    note: str
    answer: str
    answered_on: dt.date | None

    @staticmethod
    def resolve_to_label(obj: Any) -> str:
        return _label(ReferralTo, obj.to)

    @staticmethod
    def resolve_referred_by(obj: Any) -> str:
        return obj.referred_by.username


class TransferOut(Schema):
    id: int
    from_unit: UnitRef
    to_unit: UnitRef
    reason: str
    requested_by: str
    requested_at: dt.datetime
    state: str
    state_label: str
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str

    @staticmethod
    def resolve_requested_by(obj: Any) -> str:
        return obj.requested_by.username

    @staticmethod
    def resolve_state_label(obj: Any) -> str:
        return _label(Transfer.State, obj.state)

    @staticmethod
    def resolve_decided_by(obj: Any) -> str | None:
        return _username(obj.decided_by)


class FollowUpOut(Schema):
    id: int
    due_on: dt.date
    done_on: dt.date | None
    way: str
    way_label: str
    result: str
    satisfied: bool | None
    by: str | None
    overdue: bool

    @staticmethod
    def resolve_way_label(obj: Any) -> str:
        return _label(FollowUpWay, obj.way)

    @staticmethod
    def resolve_by(obj: Any) -> str | None:
        return _username(obj.by)

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return obj.done_on is None and obj.due_on < timezone.localdate()


class MediatorOut(Schema):
    id: int
    user_id: int | None
    person_id: int | None
    name: str


class SessionOut(Schema):
    id: int
    held_on: dt.date
    place: str
    parties_present: str
    outcome: str
    recorded_by: str

    @staticmethod
    def resolve_recorded_by(obj: Any) -> str:
        return obj.recorded_by.username


class CaseDetailOut(CaseOut):
    """A case opened: the narrative and the request in full, the parties' phones masked, the
    timeline, and the steps the user may take now (`actions`)."""

    narrative: str
    request: str
    risk_factors: list[Coded]
    registered_by: UserRef | None
    accepted_at: dt.datetime | None
    finished_at: dt.datetime | None
    closed_at: dt.datetime | None
    outcome: str
    outcome_label: str = Field(alias="get_outcome_display")
    outcome_note: str
    violence_stopped: bool
    close_requested_by: UserRef | None
    parties: list[PartyOut]
    events: list[EventOut]
    referrals: list[ReferralOut]
    transfers: list[TransferOut]
    follow_ups: list[FollowUpOut]
    mediators: list[MediatorOut]
    sessions: list[SessionOut]
    agreement_reached: bool | None
    agreement_terms: str
    agreement_on: dt.date | None
    actions: list[str]

    @staticmethod
    def resolve_risk_factors(obj: Any) -> list[dict[str, str]]:
        return [{"code": c, "label": RISK_FACTORS[c][0]} for c in obj.factor_codes if c in RISK_FACTORS]

    @staticmethod
    def resolve_registered_by(obj: Any) -> dict[str, Any] | None:
        return _user(obj.registered_by)

    @staticmethod
    def resolve_close_requested_by(obj: Any) -> dict[str, Any] | None:
        return _user(obj.close_requested_by)

    @staticmethod
    def resolve_parties(obj: Any) -> list[Any]:
        return list(obj.parties.all())

    @staticmethod
    def resolve_events(obj: Any) -> list[Any]:
        return list(obj.events.all())

    @staticmethod
    def resolve_referrals(obj: Any) -> list[Any]:
        return list(obj.referrals.all())

    @staticmethod
    def resolve_transfers(obj: Any) -> list[Any]:
        return list(obj.transfers.all())

    @staticmethod
    def resolve_follow_ups(obj: Any) -> list[Any]:
        return list(obj.follow_ups.all())

    @staticmethod
    def resolve_mediators(obj: Any) -> list[Any]:
        return list(obj.mediators.all())

    @staticmethod
    def resolve_sessions(obj: Any) -> list[Any]:
        return list(obj.sessions.all())

    @staticmethod
    def resolve_actions(obj: Any) -> list[str]:
        return obj.allowed_actions


class PartyIn(Schema):
    name: str
    role: str = "respondent"
    relation: str = ""
    phone: str = ""


class MediatorsIn(Schema):
    users: list[int] = []  # users who may work at the case's unit
    persons: list[int] = []  # registered volunteers (persons the user may see)


class SessionIn(Schema):
    held_on: dt.date | None = None
    place: str = ""
    parties_present: str = ""
    outcome: str = ""


class AgreementIn(Schema):
    reached: bool
    terms: str = ""
    agreed_on: dt.date | None = None


class NewPersonIn(Schema):
    name: str
    gender: str | None = None
    phone: str = ""
    id_number: str | None = None
    birth_date: dt.date | None = None


class CaseIn(Schema):
    unit_id: int
    kind: str
    channel: str
    category: str | None = None
    received_at: dt.datetime | None = None
    person_id: int | None = None
    new_person: NewPersonIn | None = None
    anonymous: bool = False
    narrative: str = ""
    request: str = ""
    urgency: str = Urgency.NORMAL.value
    risk_factors: list[str] = []
    parties: list[PartyIn] = []


class CasePatch(Schema):
    category: str | None = None
    channel: str | None = None
    urgency: str | None = None
    narrative: str | None = None
    request: str | None = None
    risk_factors: list[str] | None = None


class TransitionIn(Schema):
    """A step of the case's life, with the fields that step takes (the others are ignored)."""

    action: str
    handler_id: int | None = Field(None, description="accept:承办人(默认本人)")
    to: str = Field("", description="refer:转介去向")
    organisation: str = Field("", description="refer:接收单位名称")
    referred_on: dt.date | None = Field(None, description="refer:转介日期(默认今天)")
    answer: str = Field("", description="answer_referral:反馈内容")
    answered_on: dt.date | None = Field(None, description="answer_referral:反馈日期(默认今天)")
    outcome: str = Field("", description="finish:办理结果")
    violence_stopped: bool = Field(False, description="finish:制止了家庭暴力")
    note: str = Field("", description="accept、start、refer、finish、close、approve_close、note:说明")
    reason: str = Field("", description="reject_close、reopen、transfer、reject_transfer:理由")
    to_unit_id: int | None = Field(None, description="transfer:转往单位")


class ScheduleIn(Schema):
    due_on: dt.date | None = None


class FollowUpIn(Schema):
    done_on: dt.date | None = Field(None, description="默认今天")
    way: str = ""
    result: str = ""
    satisfied: bool | None = None
    next_due: dt.date | None = None


class OverdueFollowUpOut(FollowUpOut):
    case: CaseRef


class OverdueOut(Schema):
    cases: list[CaseOut]
    cases_count: int
    follow_ups: list[OverdueFollowUpOut]
    follow_ups_count: int


class ReportRow(Schema):
    key: str
    label: str
    count: int


class MonthlyReportOut(Schema):
    unit: UnitRef
    month: str
    received: int
    by_channel: list[ReportRow]
    by_kind: list[ReportRow]
    by_category: list[ReportRow]
    by_unit: list[ReportRow]
    finished: int
    by_outcome: list[ReportRow]
    violence_stopped: int
    family_cases: int
    violence_cases: int
    violence_share: str | None
    open_at_end: int
    overdue_at_end: int
    closed: int
    follow_ups_done: int
    follow_ups_answered: int
    follow_ups_satisfied: int
    satisfaction: str | None
    follow_ups_overdue: int


# --- key families -----------------------------------------------------------------------------------


class FamilyOut(Schema):
    """A key family as the list gives it: the reason only as "******"."""

    id: int
    unit: UnitRef
    person: PersonRef
    household_id: int | None
    colour: str
    colour_label: str
    reason: str
    responsible: UserRef
    visit_interval_days: int
    next_visit_due: dt.date
    visit_overdue: bool
    listed_on: dt.date
    lifted_on: dt.date | None
    case: CaseRef | None

    @staticmethod
    def resolve_colour_label(obj: Any) -> str:
        return _label(Colour, obj.colour)

    @staticmethod
    def resolve_reason(obj: Any) -> str:
        return mask_text(obj.reason)

    @staticmethod
    def resolve_responsible(obj: Any) -> dict[str, Any] | None:
        return _user(obj.responsible)

    @staticmethod
    def resolve_visit_overdue(obj: Any) -> bool:
        return obj.is_visit_overdue()

    @staticmethod
    def resolve_case(obj: Any) -> dict[str, Any] | None:
        return {"id": obj.case.pk, "number": obj.case.number} if obj.case_id else None


class VisitOut(Schema):
    id: int
    visited_on: dt.date
    visitor: UserRef
    companions: str
    found: str
    next_step: str

    @staticmethod
    def resolve_visitor(obj: Any) -> dict[str, Any] | None:
        return _user(obj.visitor)


class FamilyDetailOut(FamilyOut):
    """A key family opened: the reason and the visits' findings in full."""

    listed_by: UserRef
    lift_reason: str
    lifted_by: UserRef | None
    visits: list[VisitOut]

    @staticmethod
    def resolve_reason(obj: Any) -> str:
        return obj.reason

    @staticmethod
    def resolve_listed_by(obj: Any) -> dict[str, Any] | None:
        return _user(obj.listed_by)

    @staticmethod
    def resolve_lifted_by(obj: Any) -> dict[str, Any] | None:
        return _user(obj.lifted_by)

    @staticmethod
    def resolve_visits(obj: Any) -> list[Any]:
        return list(obj.visits.all())


class FamilyIn(Schema):
    unit_id: int
    person_id: int | None = None
    colour: str = ""
    reason: str = ""
    responsible_id: int | None = Field(None, description="默认本人")
    visit_interval_days: int | None = Field(None, description="默认:红7天、橙30天、黄60天")
    household_id: int | None = None


class VisitIn(Schema):
    visited_on: dt.date | None = Field(None, description="默认今天")
    found: str = ""
    next_step: str = ""
    companions: str = ""


class LiftIn(Schema):
    reason: str = ""
    lifted_on: dt.date | None = Field(None, description="默认今天")
