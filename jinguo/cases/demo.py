"""A year of fictitious cases in 示范区 (seed_demo), shaped like a district's real year
(DOMAIN.md §5-6): about 650 letters, visits and hotline calls, a few dozen mediations and violence
incidents, twelve of them stopped; domestic violence a little under three fifths of the marriage-
and-family problems; most cases closed and visited again, the last weeks' still open, a few late.
Plus the key-family register (red, orange, yellow families with their visits) and two villages'
screenings. A fixed seed gives the same year every time; it is written once.

The rows go in with bulk writes: the demo is not a user and writes no audit rows (seed_demo runs
with auditlog disabled). Every step is on the case's timeline as the workflow would have written it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from jinguo.accounts.models import User
from jinguo.orgs.models import Unit, UnitKind
from jinguo.people.models import Household, Person

from . import limits
from .categories import ensure_default_case_categories
from .models import (
    DEFAULT_INTERVAL,
    RISK_FACTORS,
    Case,
    CaseCategory,
    CaseEvent,
    CaseMediator,
    CaseNumber,
    CaseParty,
    Channel,
    Colour,
    FollowUp,
    FollowUpWay,
    KeyFamily,
    KeyFamilyVisit,
    Kind,
    MediationSession,
    Outcome,
    PartyRole,
    Referral,
    ReferralTo,
    Screening,
    ScreeningResult,
    Status,
    Urgency,
    risk_level_of,
)

SEED = 20261202
FIRST = dt.date(2025, 12, 1)  # the demo year: December 2025 to November 2026
LAST = dt.date(2026, 11, 30)
PER_MONTH = {"petition": 54, "mediation": 4, "violence": 3}
CHANNELS = [(Channel.VISIT, 45), (Channel.PHONE, 30), (Channel.ONLINE, 10), (Channel.LETTER, 8), (Channel.REFERRED, 7)]
CATEGORIES = [
    ("domestic_violence", 38),
    ("marriage_family", 24),
    ("property_land", 13),
    ("labour", 11),
    ("personal_rights", 7),
    ("child_rights", 5),
    ("other", 5),
]
NARRATIVES = {
    "domestic_violence": [
        "丈夫酒后多次殴打,身上有淤青",
        "丈夫长期辱骂、限制外出",
        "前夫离婚后仍上门纠缠、威胁",
        "丈夫因琐事动手,孩子受到惊吓",
    ],
    "marriage_family": [
        "夫妻感情不和,丈夫提出离婚,对孩子抚养有争议",
        "婆媳矛盾激化,要求分家",
        "丈夫长期在外务工不寄生活费",
        "离婚后对方不按时支付抚养费",
    ],
    "property_land": ["出嫁后村里不分土地征收款", "离婚后宅基地权益无人认可", "丈夫去世后公婆不让继承房产"],
    "labour": ["怀孕后被单位调岗降薪", "工厂拖欠三个月工资", "家政工作受伤,雇主不予赔偿"],
    "personal_rights": ["被邻居辱骂殴打", "在网上被人散布隐私", "上班途中被人跟踪骚扰"],
    "child_rights": ["孩子在学校受到欺凌", "留守孩子无人照看,要求帮助", "前夫拒绝让其探望孩子"],
    "other": ["咨询低保申请", "咨询妇女创业贷款", "反映小区噪音影响休息"],
}
REQUESTS = ["希望妇联出面调解", "要求依法处理", "希望得到法律援助", "希望帮助解决实际困难", "了解相关政策"]
RELATIONS = {
    "domestic_violence": "丈夫",
    "marriage_family": "配偶",
    "property_land": "村委会",
    "labour": "用工单位",
    "personal_rights": "邻居",
    "child_rights": "前夫",
    "other": "",
}
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗郑"
GIVEN = ["建国", "伟", "强", "军", "勇", "明", "磊", "斌", "海", "刚"]
ORGANISATIONS = {
    ReferralTo.LEGAL_AID: "示范区法律援助中心",
    ReferralTo.POLICE: "示范区公安分局",
    ReferralTo.COURT: "示范区人民法院",
    ReferralTo.CIVIL_AFFAIRS: "示范区民政局",
    ReferralTo.HEALTH: "示范区妇幼保健院",
}


FINDING_OF: dict[str, str] = {
    Colour.RED: ScreeningResult.Finding.VIOLENCE,
    Colour.ORANGE: ScreeningResult.Finding.DISPUTE,
    Colour.YELLOW: ScreeningResult.Finding.HARDSHIP,
}


def _weighted(rng: random.Random, pairs: list[tuple[Any, int]]) -> Any:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


class Planner:
    def __init__(self, district: Unit) -> None:
        self.rng = random.Random(SEED)  # noqa: S311 - fictitious data, not secrets
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.district = district
        units = list(Unit.objects.filter(path__startswith=district.path).order_by("path"))
        self.places = [u for u in units if u.kind in (UnitKind.COMMUNITY, UnitKind.VILLAGE)]
        self.streets = [
            u for u in units if u.depth == district.depth + 1 and u.kind in (UnitKind.STREET, UnitKind.TOWN)
        ]
        adult = dt.date(2008, 1, 1)
        women = list(
            Person.objects.filter(unit_path__startswith=district.path, gender="F", birth_date__lt=adult).order_by("pk")
        )
        self.women = {u.pk: [p for p in women if p.unit_path.startswith(u.path)] for u in [*self.places, *self.streets]}
        self.limit_days: dict[tuple[int, str, str], int] = {}
        self.users = {
            u.username: u
            for u in User.objects.filter(username__in=["qu_ganbu", "qu_lingdao", "jd1_ganbu", "jd2_ganbu", "sq1_ganbu"])
        }
        ensure_default_case_categories()
        self.categories = {c.code: c for c in CaseCategory.objects.filter(unit__isnull=True)}
        self.numbers: Counter[tuple[int, str]] = Counter()
        self.cases: list[Case] = []
        self.events: list[CaseEvent] = []
        self.parties: list[CaseParty] = []
        self.follow_ups: list[FollowUp] = []
        self.referrals: list[Referral] = []
        self.sessions: list[MediationSession] = []
        self.mediators: list[CaseMediator] = []

    def handler_for(self, unit: Unit) -> User:
        east = next(s for s in self.streets if s.name == "城东街道")
        west = next(s for s in self.streets if s.name == "城西街道")
        if unit.name == "东湖社区":
            return self.users["sq1_ganbu"]
        if unit.path.startswith(east.path):
            return self.users["jd1_ganbu"]
        if unit.path.startswith(west.path):
            return self.users["jd2_ganbu"]
        return self.users["qu_ganbu"]

    def at(self, day: dt.date, hour: int | None = None) -> dt.datetime:
        h = hour if hour is not None else self.rng.randint(8, 17)
        return dt.datetime.combine(day, dt.time(h, self.rng.randrange(60)), tzinfo=self.zone)

    def due(self, day: dt.date, unit: Unit, kind: str, step: str) -> dt.date:
        key = (unit.pk, kind, step)
        if key not in self.limit_days:
            self.limit_days[key] = limits.days_for(unit, kind, step)
        return day + dt.timedelta(days=self.limit_days[key])

    def number_all(self) -> None:
        """Numbers in the order the cases came in, per kind and year."""
        self.cases.sort(key=lambda c: c.received_at)
        prefix = {"petition": "XF", "mediation": "TJ", "violence": "JB"}
        for case in self.cases:
            year = case.received_at.astimezone(self.zone).year
            self.numbers[(year, case.kind)] += 1
            case.number = f"{year}{prefix[case.kind]}{self.numbers[(year, case.kind)]:05d}"

    def event(
        self, case: Case, at: dt.datetime, actor: User | None, action: str, before: str, after: str, note: str = ""
    ) -> None:
        self.events.append(
            CaseEvent(case=case, at=at, actor=actor, action=action, from_status=before, to_status=after, note=note)
        )

    def build(self, today: dt.date) -> None:
        month = FIRST
        while month <= LAST:
            end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            for kind, n in PER_MONTH.items():
                for _ in range(n + self.rng.randint(-n // 6, n // 6)):
                    day = month + dt.timedelta(days=self.rng.randrange((end - month).days))
                    if day <= today:
                        self.case(kind, day, today)
            month = end

    def case(self, kind: str, day: dt.date, today: dt.date) -> None:
        rng = self.rng
        code = "domestic_violence" if kind == Kind.VIOLENCE else _weighted(rng, CATEGORIES)
        if kind == Kind.MEDIATION and code not in ("marriage_family", "property_land", "personal_rights"):
            code = "marriage_family"
        unit = rng.choice(self.places) if rng.random() < 0.7 else rng.choice(self.streets)
        pool = self.women.get(unit.pk)
        person = rng.choice(pool) if pool and rng.random() > 0.05 else None
        received = self.at(day)
        factors: list[str] = []
        if code == "domestic_violence":
            factors = rng.sample(list(RISK_FACTORS), rng.choice([0, 1, 1, 2, 2, 3]))
        handler = self.handler_for(unit)
        case = Case(
            unit=unit,
            unit_path=unit.path,
            number="",
            kind=kind,
            category=self.categories[code],
            channel=Channel.PHONE if kind == Kind.VIOLENCE and rng.random() < 0.5 else _weighted(rng, CHANNELS),
            received_at=received,
            person=person,
            anonymous=person is None,
            narrative=rng.choice(NARRATIVES[code]),
            request=rng.choice(REQUESTS),
            urgency=Urgency.URGENT if factors and rng.random() < 0.4 else Urgency.NORMAL,
            risk_level=risk_level_of(factors) if code == "domestic_violence" else "",
            risk_factors=",".join(factors),
            registered_by=handler,
            accept_due=self.due(day, unit, kind, "accept"),
        )
        self.cases.append(case)
        self.event(case, received, handler, "register", "", Status.REGISTERED)
        if RELATIONS[code]:
            role = PartyRole.ABUSER if code == "domestic_violence" else PartyRole.RESPONDENT
            name = (
                rng.choice(SURNAMES) + rng.choice(GIVEN)
                if RELATIONS[code] in ("丈夫", "配偶", "前夫", "邻居")
                else RELATIONS[code]
            )
            self.parties.append(CaseParty(case=case, role=role, name=name, relation=RELATIONS[code]))
        age = (today - day).days
        if age < 2 and rng.random() < 0.7:
            case.status = Status.REGISTERED
            return
        if 5 < age < 30 and rng.random() < 0.05:  # a few of the last weeks' not accepted in time
            case.status = Status.REGISTERED
            return
        accepted = received + dt.timedelta(hours=rng.randint(2, 60))
        case.handler, case.accepted_at = handler, accepted
        case.finish_due = self.due(accepted.date(), unit, kind, "finish")
        case.status = Status.ACCEPTED
        self.event(
            case, accepted, handler, "accept", Status.REGISTERED, Status.ACCEPTED, f"承办人:{handler.display_name}"
        )
        if kind == Kind.MEDIATION:
            self.mediators.append(CaseMediator(case=case, user=handler))
            held = accepted.date() + dt.timedelta(days=rng.randint(1, 6))
            if held <= today:
                self.sessions.append(
                    MediationSession(
                        case=case,
                        held_on=held,
                        place=f"{unit.name}妇女之家",
                        parties_present="双方当事人",
                        outcome="双方陈述意见,调解员释法说理",
                        recorded_by=handler,
                    )
                )
        if rng.random() < 0.12 and age > 10:
            to = rng.choice(list(ORGANISATIONS))
            on = accepted.date() + dt.timedelta(days=rng.randint(1, 4))
            answered = on + dt.timedelta(days=rng.randint(2, 9))
            self.referrals.append(
                Referral(
                    case=case,
                    to=to,
                    organisation=ORGANISATIONS[to],
                    referred_on=on,
                    referred_by=handler,
                    answer="已受理并处理" if answered <= today else "",
                    answered_on=answered if answered <= today else None,
                )
            )
            self.event(
                case, self.at(on), handler, "refer", Status.ACCEPTED, Status.REFERRED, f"转介至{ORGANISATIONS[to]}"
            )
            if answered > today:
                case.status = Status.REFERRED
                return
            self.event(case, self.at(answered), handler, "answer_referral", Status.REFERRED, Status.IN_PROGRESS)
        lasting = rng.randint(2, 13)
        finished_on = accepted.date() + dt.timedelta(days=lasting)
        if finished_on > today or (age < 25 and rng.random() < 0.1):
            case.status = Status.IN_PROGRESS  # still handled; late ones stand in the overdue list
            return
        finished = self.at(finished_on)
        stopped = code == "domestic_violence" and kind == Kind.VIOLENCE and rng.random() < 0.45
        outcome = _weighted(
            rng,
            [
                (Outcome.RESOLVED, 70),
                (Outcome.PARTLY, 14),
                (Outcome.REFERRED_OUT, 8),
                (Outcome.UNRESOLVED, 4),
                (Outcome.WITHDRAWN, 4),
            ],
        )
        if stopped:
            outcome = Outcome.RESOLVED
        case.status, case.finished_at, case.outcome, case.violence_stopped = Status.FINISHED, finished, outcome, stopped
        if kind == Kind.MEDIATION:
            reached = outcome in (Outcome.RESOLVED, Outcome.PARTLY)
            case.agreement_reached = reached
            if reached:
                case.agreement_terms, case.agreement_on = (
                    "一、双方互相尊重,不得打骂;二、男方每月按时支付家庭生活费。",
                    finished_on,
                )
        self.event(case, finished, handler, "finish", Status.IN_PROGRESS, Status.FINISHED, Outcome(outcome).label)
        closed_on = finished_on + dt.timedelta(days=rng.randint(1, 5))
        if closed_on > today:
            return
        closed = self.at(closed_on)
        case.status, case.closed_at, case.close_requested_by = Status.CLOSED, closed, handler
        self.event(case, closed - dt.timedelta(hours=2), handler, "close", Status.FINISHED, Status.CLOSING)
        self.event(case, closed, self.users["qu_lingdao"], "approve_close", Status.CLOSING, Status.CLOSED)
        due = self.due(closed_on, unit, kind, "follow_up")
        visit = FollowUp(case=case, due_on=due)
        self.follow_ups.append(visit)
        done_on = due - dt.timedelta(days=rng.randint(0, 10))
        if done_on <= today and (due < today - dt.timedelta(days=7) or rng.random() < 0.5):
            visit.done_on, visit.way, visit.by = (
                done_on,
                _weighted(rng, [(FollowUpWay.PHONE, 60), (FollowUpWay.HOME, 30), (FollowUpWay.MESSAGE, 10)]),
                handler,
            )
            visit.satisfied = rng.random() < 0.93 if rng.random() < 0.95 else None
            visit.result = "当事人表示问题已解决,生活恢复正常" if visit.satisfied else "当事人认为对方仍未履行承诺"
            self.event(
                case,
                self.at(done_on),
                handler,
                "follow_up",
                Status.CLOSED,
                Status.CLOSED,
                f"{FollowUpWay(visit.way).label}回访",
            )


def _bulk(model: Any, rows: list[Any]) -> None:
    model.objects.bulk_create(rows, batch_size=500)


def build_demo_cases(district: Unit, *, today: dt.date | None = None) -> int:
    """Write the demo year once; returns the number of cases written (0: already there)."""
    if Case.objects.filter(unit_path__startswith=district.path).exists():
        return 0
    from django.utils import timezone

    plan = Planner(district)
    plan.build(min(today or timezone.localdate(), LAST))
    plan.number_all()
    _bulk(Case, plan.cases)
    for rows, model in (
        (plan.events, CaseEvent),
        (plan.parties, CaseParty),
        (plan.follow_ups, FollowUp),
        (plan.referrals, Referral),
        (plan.sessions, MediationSession),
        (plan.mediators, CaseMediator),
    ):
        _bulk(model, rows)
    for (year, kind), last in plan.numbers.items():
        CaseNumber.objects.update_or_create(year=year, kind=kind, defaults={"last": last})
    build_demo_families(district, plan, today or timezone.localdate())
    return len(plan.cases)


def build_demo_families(district: Unit, plan: Planner, today: dt.date) -> None:
    """About thirty families on the register, with their visits; two villages screened."""
    rng = random.Random(SEED + 1)  # noqa: S311 - fictitious data, not secrets
    heads = list(
        Household.objects.filter(unit_path__startswith=district.path).select_related("head", "unit").order_by("pk")
    )
    rng.shuffle(heads)
    violence = {c.person_id: c for c in plan.cases if c.category.code == "domestic_violence" and c.person_id}
    families = []
    visits = []
    for i, household in enumerate(h for h in heads[:30] if h.head is not None):
        colour = Colour.RED if i < 8 else Colour.ORANGE if i < 20 else Colour.YELLOW
        interval = DEFAULT_INTERVAL[colour]
        listed_on = today - dt.timedelta(days=rng.randint(20, 300))
        responsible = plan.handler_for(household.unit)
        reason = {
            Colour.RED: "丈夫有家暴行为,已登记案件",
            Colour.ORANGE: "夫妻长期争吵,有离婚纠纷",
            Colour.YELLOW: "家庭收入低,有重病人",
        }[colour]
        family = KeyFamily(
            unit=household.unit,
            unit_path=household.unit.path,
            person=household.head,
            household=household,
            colour=colour,
            reason=reason,
            responsible=responsible,
            visit_interval_days=interval,
            listed_on=listed_on,
            listed_by=responsible,
            case=violence.get(household.head_id or 0),
            next_visit_due=listed_on,
        )
        day = listed_on + dt.timedelta(days=rng.randint(3, interval))
        last = listed_on
        while day <= today and (i % 7 != 3 or day < today - dt.timedelta(days=interval * 2)):
            visits.append(
                (
                    family,
                    KeyFamilyVisit(
                        visited_on=day,
                        visitor=responsible,
                        found=rng.choice(
                            ["家庭关系有所缓和", "当事人情绪稳定", "仍有争吵,已做疏导", "生活困难,已联系民政部门"]
                        ),
                        next_step="按期回访",
                    ),
                )
            )
            last = day
            day += dt.timedelta(days=interval + rng.randint(-3, 5))
        family.next_visit_due = last + dt.timedelta(days=interval)
        if i in (5, 17, 26):
            family.lifted_on, family.lift_reason, family.lifted_by = (
                today - dt.timedelta(days=10),
                "矛盾已化解,家庭关系和睦",
                responsible,
            )
        families.append(family)
    _bulk(KeyFamily, families)
    for family, visit in visits:
        visit.family = family
    _bulk(KeyFamilyVisit, [v for _, v in visits])
    listed = {f.person_id: f for f in families}
    for village_name in ("口头庄村", "青山村"):
        village = Unit.objects.filter(path__startswith=district.path, name=village_name).first()
        if village is None:
            continue
        members = list(Household.objects.filter(unit=village).select_related("head"))
        if not members:
            continue
        screening = Screening.objects.create(
            unit=village, held_on=today - dt.timedelta(days=45), note="春季婚姻矛盾家庭排查", by=plan.users["qu_ganbu"]
        )
        rows = []
        for h in members:
            if h.head is None:
                continue
            known = listed.get(h.head_id or 0)
            finding: str = ScreeningResult.Finding.NONE
            if known is not None:
                finding = FINDING_OF[known.colour]
            elif rng.random() < 0.08:
                finding = ScreeningResult.Finding.DISPUTE
            rows.append(ScreeningResult(screening=screening, person=h.head, finding=finding, family=known))
        _bulk(ScreeningResult, rows)


def describe(district: Unit) -> str:
    """One line for seed_demo: cases of the demo year."""
    qs = Case.objects.filter(unit_path__startswith=district.path)
    by_kind = Counter(qs.values_list("kind", flat=True))
    stopped = qs.filter(violence_stopped=True).count()
    families = KeyFamily.objects.filter(unit_path__startswith=district.path).count()
    counts = [f"{label} {by_kind.get(kind, 0)} 件" for kind, label in Kind.choices]
    return "、".join(counts) + f"(制止家暴 {stopped} 起),重点家庭 {families} 户"
