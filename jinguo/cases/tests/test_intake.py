"""Registering a case (登记): who came, what kind, its number, its accept date, the risk of a
domestic-violence incident; and every refusal, which leaves nothing behind."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from jinguo.cases import actions
from jinguo.cases.models import (
    RISK_FACTORS,
    Case,
    CaseEvent,
    CaseNumber,
    CaseParty,
    Channel,
    Kind,
    PartyRole,
    RiskLevel,
    Status,
    Urgency,
    risk_level_of,
)
from jinguo.people.models import Person
from jinguo.people.tests.helpers import build_registry

from .helpers import NARRATIVE, SHANGHAI, at, case_row, refused, register, timeline

pytestmark = pytest.mark.django_db

GRAVE = [code for code, (_, weight) in RISK_FACTORS.items() if weight == RiskLevel.HIGH]
MEDIUM = [code for code, (_, weight) in RISK_FACTORS.items() if weight == RiskLevel.MEDIUM]
LIGHT = [code for code, (_, weight) in RISK_FACTORS.items() if weight == RiskLevel.LOW]


@pytest.fixture
def reg(tree, people):
    return build_registry(tree, people.district_cadre)


def nothing_written() -> tuple[int, int, int, int]:
    return Case.objects.count(), CaseEvent.objects.count(), CaseParty.objects.count(), CaseNumber.objects.count()


# --- who came ------------------------------------------------------------------------------------


def test_petition_of_a_registered_person_is_registered_with_every_field(tree, people, reg):
    case = actions.do_register_case(
        actor=people.street_cadre,
        unit=tree.east1,
        kind=Kind.PETITION,
        channel=Channel.LETTER,
        category="marriage_family",
        received_at=at(2026, 3, 2, 9, 30),
        person=reg.zhang,
        narrative="  丈夫不给生活费  ",
        request="要求协调",
        urgency=Urgency.URGENT,
        parties=[actions.Party(name=" 李强 ", relation="丈夫", phone="13900001111")],
    )
    case = Case.objects.select_related("category").get(pk=case.pk)
    assert (case.number, case.kind, case.category.name, case.channel, case.received_at) == (
        "2026XF00001",
        "petition",
        "婚姻家庭",
        "letter",
        at(2026, 3, 2, 9, 30),
    )
    assert (case.person, case.anonymous, case.narrative, case.request, case.urgency) == (
        reg.zhang,
        False,
        "丈夫不给生活费",
        "要求协调",
        "urgent",
    )
    assert (case.unit, case.unit_path, case.status, case.handler, case.registered_by) == (
        tree.east1,
        tree.east1.path,
        Status.REGISTERED,
        None,
        people.street_cadre,
    )
    assert (case.accept_due, case.finish_due, case.risk_level, case.risk_factors) == (dt.date(2026, 3, 5), None, "", "")
    assert [(p.role, p.name, p.relation, p.phone) for p in case.parties.all()] == [
        (PartyRole.RESPONDENT, "李强", "丈夫", "13900001111")
    ]
    assert timeline(case) == [("register", "", "registered")]
    assert CaseEvent.objects.get(case=case).actor == people.street_cadre


def test_a_new_person_is_registered_on_the_spot_in_the_unit_of_the_case(tree, people, reg):
    before = Person.objects.count()
    case = register(
        people.street_cadre,
        tree.east2,
        new_person={"name": "周小梅", "gender": "F", "birth_date": dt.date(1992, 4, 8), "phone": "13711112222"},
    )
    assert Person.objects.count() == before + 1
    person = Person.objects.get(name="周小梅")
    assert (person.unit, person.gender, person.birth_date, person.phone, person.created_by) == (
        tree.east2,
        "F",
        dt.date(1992, 4, 8),
        "13711112222",
        people.street_cadre,
    )
    assert (case.person, case.anonymous) == (person, False)


def test_an_anonymous_caller_is_registered_without_a_person(tree, people):
    case = register(people.street_cadre, tree.east, channel=Channel.PHONE, anonymous=True)
    assert (case.person, case.anonymous, case.channel) == (None, True, "phone")


@pytest.mark.parametrize(
    ("who", "label"),
    [
        ({}, "none"),
        ({"anonymous": True, "person": "zhang"}, "anonymous and a person"),
        ({"person": "zhang", "new_person": {"name": "周小梅", "gender": "F"}}, "a person and a new one"),
        ({"anonymous": True, "new_person": {"name": "周小梅", "gender": "F"}}, "anonymous and a new one"),
        ({"new_person": {}}, "an empty new person is none"),
    ],
)
def test_exactly_one_of_person_new_person_and_anonymous_is_required(tree, people, reg, who, label):
    if who.get("person") == "zhang":
        who = {**who, "person": reg.zhang}
    persons = Person.objects.count()
    message = refused(
        actions.do_register_case,
        actor=people.street_cadre,
        unit=tree.east1,
        kind=Kind.PETITION,
        channel=Channel.VISIT,
        category="marriage_family",
        narrative=NARRATIVE,
        **who,
    )
    assert message == "请选择已登记的人员、登记新人员或匿名,三者选一", label
    assert nothing_written() == (0, 0, 0, 0)
    assert Person.objects.count() == persons


def test_a_person_outside_the_cadres_view_is_refused(tree, people, reg):
    message = refused(
        actions.do_register_case,
        actor=people.street_cadre,
        unit=tree.east,
        kind=Kind.PETITION,
        channel=Channel.VISIT,
        category="labour",
        narrative=NARRATIVE,
        person=reg.li,  # 西一社区
    )
    assert message == "该人员不在您可查看的范围内"
    assert nothing_written() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("actor", "unit"),
    [
        ("street_cadre", "west"),
        ("street_cadre", "district"),
        ("community_cadre", "east"),
        ("readonly_user", "east"),
        ("sys_admin", "east"),
        ("outsider", "east"),
    ],
)
def test_a_unit_outside_the_edit_scope_is_refused_and_nothing_is_created(tree, people, actor, unit):
    persons = Person.objects.count()
    message = refused(
        actions.do_register_case,
        actor=getattr(people, actor),
        unit=getattr(tree, unit),
        kind=Kind.PETITION,
        channel=Channel.VISIT,
        category="marriage_family",
        narrative=NARRATIVE,
        new_person={"name": "周小梅", "gender": "F"},
    )
    assert message == "您无权在该单位办理案件"
    assert nothing_written() == (0, 0, 0, 0)
    assert Person.objects.count() == persons


def test_a_closed_unit_cannot_register(tree, people):
    tree.east2.is_closed = True
    tree.east2.save()
    assert refused(register, actor=people.street_cadre, unit=tree.east2) == "该单位已撤销,不能登记案件"
    assert nothing_written() == (0, 0, 0, 0)


@pytest.mark.parametrize("narrative", ["", "   ", None])
def test_the_narrative_is_required(tree, people, narrative):
    assert refused(register, actor=people.street_cadre, unit=tree.east, narrative=narrative) == "请填写事由"
    assert nothing_written() == (0, 0, 0, 0)


def test_a_narrative_over_5000_characters_is_refused(tree, people):
    message = refused(register, actor=people.street_cadre, unit=tree.east, narrative="事" * 5001)
    assert message == "事由不能超过5000个字"
    assert register(people.street_cadre, tree.east, narrative="事" * 5000).narrative == "事" * 5000


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", "appeal", "案件类型“appeal”无效,可选:来信来访、调解、家庭暴力"),
        ("channel", "fax", "来源渠道“fax”无效,可选:来信、来访、电话/12338、网上、上级转办"),
        ("urgency", "asap", "紧急程度“asap”无效,可选:一般、紧急、特急"),
        ("category", "nonsense", "案件类别“nonsense”不存在"),
        ("category", "", "请选择案件类别"),
        ("category", None, "请选择案件类别"),
    ],
)
def test_a_bad_kind_channel_urgency_or_category_gets_the_chinese_message(tree, people, field, value, message):
    arguments = {
        "actor": people.street_cadre,
        "unit": tree.east,
        "kind": Kind.PETITION,
        "channel": Channel.VISIT,
        "category": "marriage_family",
        "urgency": Urgency.NORMAL,
        "narrative": NARRATIVE,
        "anonymous": True,
        field: value,
    }
    assert refused(actions.do_register_case, **arguments) == message
    assert nothing_written() == (0, 0, 0, 0)


def test_a_category_a_district_added_is_available_below_it_and_not_elsewhere(tree, people):
    from jinguo.cases.models import CaseCategory

    CaseCategory.objects.create(code="east_only", name="东街道专项", unit=tree.east, sort=200)
    assert register(people.district_cadre, tree.east1, category="east_only").category.name == "东街道专项"
    message = refused(register, actor=people.district_cadre, unit=tree.west1, category="east_only")
    assert message == "案件类别“east_only”不存在"


def test_a_received_time_in_the_future_is_refused(tree, people):
    from django.utils import timezone

    later = timezone.now() + dt.timedelta(hours=1)
    assert refused(register, actor=people.street_cadre, unit=tree.east, received_at=later) == "登记时间不能晚于现在"


def test_a_bad_party_is_refused_with_nothing_written(tree, people):
    message = refused(register, actor=people.street_cadre, unit=tree.east, parties=[actions.Party(name="  ")])
    assert message == "请填写当事人姓名"
    message = refused(
        register, actor=people.street_cadre, unit=tree.east, parties=[actions.Party(name="李强", role="judge")]
    )
    assert message == "当事人身份“judge”无效,可选:对方当事人、施暴人、其他当事人"
    assert nothing_written() == (0, 0, 0, 0)


# --- domestic violence ---------------------------------------------------------------------------


def test_a_violence_incident_is_of_the_category_domestic_violence_whatever_was_asked(tree, people):
    case = actions.do_register_case(
        actor=people.street_cadre,
        unit=tree.east,
        kind=Kind.VIOLENCE,
        channel=Channel.PHONE,
        category="labour",
        narrative="昨晚被丈夫殴打",
        anonymous=True,
        risk_factors=["injury", "children"],
    )
    assert (case.category.code, case.category.name, case.is_violence) == ("domestic_violence", "家庭暴力", True)
    assert (case.risk_level, case.factor_codes, case.factor_labels()) == (
        RiskLevel.HIGH,
        ["injury", "children"],
        ["已造成明显身体伤害", "对子女施暴或当着子女施暴"],
    )


def test_a_violence_incident_without_factors_is_of_low_risk(tree, people):
    case = register(people.street_cadre, tree.east, kind=Kind.VIOLENCE)
    assert (case.risk_level, case.risk_factors) == (RiskLevel.LOW, "")


def test_repeated_factors_count_once_and_keep_their_order(tree, people):
    case = register(
        people.street_cadre, tree.east, kind=Kind.VIOLENCE, risk_factors=["pregnant", "escalating", "pregnant"]
    )
    assert (case.risk_factors, case.risk_level) == ("pregnant,escalating", RiskLevel.MEDIUM)


def test_a_petition_about_domestic_violence_is_assessed_too(tree, people):
    case = register(people.street_cadre, tree.east, category="domestic_violence", risk_factors=["weapon"])
    year = case.received_at.astimezone(SHANGHAI).year
    assert (case.kind, case.number, case.risk_level) == ("petition", f"{year}XF00001", RiskLevel.HIGH)


def test_factors_on_a_case_that_is_not_about_violence_are_refused(tree, people):
    message = refused(register, actor=people.street_cadre, unit=tree.east, risk_factors=["injury"])
    assert message == "只有家庭暴力案件需要评估风险因素"
    message = refused(
        register, actor=people.street_cadre, unit=tree.east, kind=Kind.MEDIATION, risk_factors=["isolation"]
    )
    assert message == "只有家庭暴力案件需要评估风险因素"
    assert nothing_written() == (0, 0, 0, 0)


def test_an_unknown_factor_is_refused(tree, people):
    message = refused(register, actor=people.street_cadre, unit=tree.east, kind=Kind.VIOLENCE, risk_factors=["x"])
    assert message == "风险因素“x”无效"


def expected_level(factors: tuple[str, ...]) -> str:
    grave = sum(f in GRAVE for f in factors)
    medium = sum(f in MEDIUM for f in factors)
    if grave or medium >= 3:
        return RiskLevel.HIGH
    return RiskLevel.MEDIUM if medium else RiskLevel.LOW


def test_the_factor_weights_are_four_grave_six_medium_one_light():
    assert GRAVE == ["weapon", "threat_to_kill", "strangling", "injury"]
    assert MEDIUM == ["escalating", "pregnant", "children", "substance", "control", "separation"]
    assert LIGHT == ["isolation"]


@pytest.mark.parametrize(
    ("factors", "level"),
    [
        ([], RiskLevel.LOW),
        (["isolation"], RiskLevel.LOW),
        (["escalating"], RiskLevel.MEDIUM),
        (["escalating", "isolation"], RiskLevel.MEDIUM),
        (["escalating", "pregnant"], RiskLevel.MEDIUM),
        (["escalating", "pregnant", "isolation"], RiskLevel.MEDIUM),
        (["escalating", "pregnant", "children"], RiskLevel.HIGH),
        (["weapon"], RiskLevel.HIGH),
        (["threat_to_kill"], RiskLevel.HIGH),
        (["strangling"], RiskLevel.HIGH),
        (["injury"], RiskLevel.HIGH),
        (["isolation", "injury"], RiskLevel.HIGH),
        (MEDIUM, RiskLevel.HIGH),
        (["nonsense"], RiskLevel.LOW),
    ],
)
def test_risk_level_of_named_combinations(factors, level):
    assert risk_level_of(factors) == level


def test_risk_level_of_every_combination_of_up_to_four_factors():
    codes = list(RISK_FACTORS)
    checked = 0
    for n in range(5):
        for combo in itertools.combinations(codes, n):
            assert risk_level_of(list(combo)) == expected_level(combo), combo
            checked += 1
    assert checked == 1 + 11 + 55 + 165 + 330


def test_changing_the_factors_changes_the_level_and_records_it(tree, people):
    case = register(people.street_cadre, tree.east, kind=Kind.VIOLENCE, risk_factors=["escalating"])
    case = actions.do_update_case(actor=people.street_cadre, case=case, risk_factors=["escalating", "strangling"])
    assert (case.risk_level, case.risk_factors) == (RiskLevel.HIGH, "escalating,strangling")
    assert CaseEvent.objects.filter(case=case, action="update").get().note == "修改了风险等级(中→高)"


# --- numbers and dates ---------------------------------------------------------------------------


def test_case_numbers_run_per_kind_and_year(tree, people):
    numbers = [
        register(people.street_cadre, tree.east, received_at=at(2026, 1, 5)).number,
        register(people.street_cadre, tree.east, received_at=at(2026, 1, 6)).number,
        register(people.street_cadre, tree.east, kind=Kind.VIOLENCE, received_at=at(2026, 1, 6)).number,
        register(people.sibling_street_cadre, tree.west, received_at=at(2026, 2, 1)).number,
        register(people.street_cadre, tree.east, kind=Kind.MEDIATION, received_at=at(2026, 2, 1)).number,
        register(people.street_cadre, tree.east, received_at=at(2025, 12, 31, 23, 59)).number,
        register(people.street_cadre, tree.east, kind=Kind.VIOLENCE, received_at=at(2026, 3, 1)).number,
    ]
    assert numbers == [
        "2026XF00001",
        "2026XF00002",
        "2026JB00001",
        "2026XF00003",
        "2026TJ00001",
        "2025XF00001",
        "2026JB00002",
    ]


def test_the_year_of_the_number_is_the_year_in_shanghai(tree, people):
    # 2026-01-01 00:30 in Shanghai is still 2025 in UTC
    assert register(people.street_cadre, tree.east, received_at=at(2026, 1, 1, 0, 30)).number == "2026XF00001"


def test_accept_due_is_the_received_date_plus_the_accept_limit(tree, people):
    case = register(people.street_cadre, tree.east, received_at=at(2026, 2, 27, 23, 50))
    assert case.accept_due == dt.date(2026, 3, 2)  # 3 days by default, counted from the date in Shanghai
    actions.do_set_time_limit(actor=people.district_leader, unit=tree.east, kind=Kind.PETITION, step="accept", days=7)
    assert register(people.street_cadre, tree.east1, received_at=at(2026, 2, 27)).accept_due == dt.date(2026, 3, 6)
    assert register(people.street_cadre, tree.east1, kind=Kind.MEDIATION, received_at=at(2026, 2, 27)).accept_due == (
        dt.date(2026, 3, 2)
    )


# --- changing what was registered ----------------------------------------------------------------


def test_updating_a_case_changes_the_fields_and_writes_one_event(tree, people):
    case = register(people.street_cadre, tree.east)
    case = actions.do_update_case(
        actor=people.street_cadre, case=case, category="labour", channel=Channel.ONLINE, request="补发工资"
    )
    case = Case.objects.select_related("category").get(pk=case.pk)
    assert (case.category.code, case.channel, case.request) == ("labour", "online", "补发工资")
    event = CaseEvent.objects.get(case=case, action="update")
    assert (event.note, event.from_status, event.to_status) == (
        "修改了类别、来源渠道、诉求",
        "registered",
        "registered",
    )


def test_updating_an_unknown_field_is_refused_and_changes_nothing(tree, people):
    case = register(people.street_cadre, tree.east)
    before = case_row(case)
    message = refused(actions.do_update_case, actor=people.street_cadre, case=case, channel="letter", status="closed")
    assert message == "不能修改:status"
    assert case_row(case) == before


def test_a_sibling_street_cadre_cannot_update_the_case(tree, people):
    case = register(people.street_cadre, tree.east)
    before = case_row(case)
    message = refused(actions.do_update_case, actor=people.sibling_street_cadre, case=case, request="x")
    assert message == "您无权在该单位办理案件"
    assert case_row(case) == before


def test_adding_and_removing_a_party_is_recorded_on_the_timeline(tree, people):
    case = register(people.street_cadre, tree.east)
    party = actions.do_add_party(
        actor=people.street_cadre, case=case, party=actions.Party(name="李强", role=PartyRole.ABUSER)
    )
    assert [(p.name, p.role) for p in case.parties.all()] == [("李强", "abuser")]
    actions.do_remove_party(actor=people.street_cadre, party=party)
    assert list(case.parties.all()) == []
    assert [e.note for e in CaseEvent.objects.filter(case=case, action="party").order_by("id")] == [
        "增加当事人",
        "删除当事人",
    ]
