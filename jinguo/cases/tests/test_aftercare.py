"""After closing, the follow-up visits (回访); during a mediation, its mediators, sessions and
agreement. Each with its refusals, which change nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from jinguo.cases import actions
from jinguo.cases.models import Case, CaseEvent, CaseMediator, FollowUp, FollowUpWay, Kind, MediationSession, Status
from jinguo.core.dates import cn_date
from jinguo.people.tests.helpers import build_registry

from .helpers import case_in, days_from_today, follow_ups_of, last_event, refused, set_times, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def reg(tree, people):
    return build_registry(tree, people.district_cadre)


def closed_case(people, tree, **kwargs):
    return case_in(Status.CLOSED, unit=tree.east, cadre=people.street_cadre, leader=people.district_leader, **kwargs)


def follow_up_row(follow_up):
    return (
        FollowUp.objects.filter(pk=follow_up.pk).values("due_on", "done_on", "way", "result", "satisfied", "by").get()
    )


def record(people, follow_up, **kwargs):
    return actions.do_record_follow_up(**record_arguments(people, follow_up, **kwargs))


def record_arguments(people, follow_up, **kwargs):
    return {
        "actor": people.street_cadre,
        "follow_up": follow_up,
        "done_on": today(),
        "way": FollowUpWay.PHONE,
        "result": "家庭关系缓和",
        "satisfied": True,
        **kwargs,
    }


# --- follow-ups ----------------------------------------------------------------------------------


def test_recording_a_follow_up_keeps_how_what_and_whether_she_is_satisfied(people, tree):
    case = closed_case(people, tree)
    planned = FollowUp.objects.get(case=case)
    done = record(people, planned, way=FollowUpWay.HOME, result=" 上门了解,已和好 ", satisfied=True)
    assert follow_up_row(done) == {
        "due_on": days_from_today(30),
        "done_on": today(),
        "way": "home",
        "result": "上门了解,已和好",
        "satisfied": True,
        "by": people.street_cadre.pk,
    }
    event = last_event(case)
    assert (event.action, event.from_status, event.to_status, event.note) == (
        "follow_up",
        "closed",
        "closed",
        "上门回访,满意",
    )


@pytest.mark.parametrize(("satisfied", "note"), [(False, "电话回访,不满意"), (None, "电话回访,未表态")])
def test_a_follow_up_records_dissatisfaction_or_no_answer(people, tree, satisfied, note):
    case = closed_case(people, tree)
    record(people, FollowUp.objects.get(case=case), satisfied=satisfied)
    assert follow_ups_of(case) == [(days_from_today(30), today(), satisfied)]
    assert last_event(case).note == note


def test_the_next_follow_up_is_planned_when_recording_one(people, tree):
    case = closed_case(people, tree)
    record(people, FollowUp.objects.get(case=case), next_due=days_from_today(60))
    assert follow_ups_of(case) == [(days_from_today(30), today(), True), (days_from_today(60), None, None)]


def test_a_follow_up_may_be_dated_on_the_closing_day_but_not_before_it(people, tree):
    case = closed_case(people, tree)
    closed_on = days_from_today(-10)
    set_times(case, closed_at=dt.datetime.combine(closed_on, dt.time(9), tzinfo=dt.UTC))
    planned = FollowUp.objects.get(case=case)
    before = follow_up_row(planned)
    message = refused(actions.do_record_follow_up, **record_arguments(people, planned, done_on=days_from_today(-11)))
    assert message == "回访日期不能早于结案日期"
    assert follow_up_row(planned) == before
    record(people, planned, done_on=closed_on)
    assert follow_ups_of(case) == [(days_from_today(30), closed_on, True)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"done_on": "tomorrow"}, "回访日期不能晚于今天"),
        ({"way": "letter"}, "请选择回访方式"),
        ({"way": ""}, "请选择回访方式"),
        ({"result": "  "}, "请填写回访情况"),
        ({"next_due": "today"}, "下次回访日期应晚于本次回访日期"),
        ({"next_due": "yesterday"}, "下次回访日期应晚于本次回访日期"),
    ],
)
def test_a_bad_follow_up_is_refused_and_changes_nothing(people, tree, change, message):
    dates = {"tomorrow": days_from_today(1), "today": today(), "yesterday": days_from_today(-1)}
    change = {k: dates.get(v, v) if k in ("done_on", "next_due") else v for k, v in change.items()}
    case = closed_case(people, tree)
    planned = FollowUp.objects.get(case=case)
    before = follow_up_row(planned)
    events = CaseEvent.objects.filter(case=case).count()
    assert refused(actions.do_record_follow_up, **record_arguments(people, planned, **change)) == message
    assert follow_up_row(planned) == before
    assert FollowUp.objects.filter(case=case).count() == 1
    assert CaseEvent.objects.filter(case=case).count() == events


def test_a_follow_up_is_recorded_once(people, tree):
    case = closed_case(people, tree)
    planned = FollowUp.objects.get(case=case)
    record(people, planned)
    message = refused(actions.do_record_follow_up, **record_arguments(people, planned, satisfied=False))
    assert message == "该次回访已登记"
    assert follow_ups_of(case) == [(days_from_today(30), today(), True)]


def test_a_follow_up_of_a_reopened_case_is_refused(people, tree):
    case = closed_case(people, tree)
    planned = FollowUp.objects.get(case=case)
    actions.do_reopen(actor=people.street_cadre, case=case, reason="当事人再次求助")
    message = refused(actions.do_record_follow_up, **record_arguments(people, planned))
    assert message == "案件已重新办理,该次回访不再需要"
    assert follow_ups_of(case) == []


def test_a_follow_up_left_on_a_case_that_is_no_longer_closed_is_refused(people, tree):
    case = closed_case(people, tree)
    planned = FollowUp.objects.get(case=case)
    Case.objects.filter(pk=case.pk).update(status=Status.IN_PROGRESS)
    message = refused(actions.do_record_follow_up, **record_arguments(people, planned))
    assert message == "案件已重新办理,该次回访不再需要"
    assert follow_ups_of(case) == [(days_from_today(30), None, None)]


@pytest.mark.parametrize("actor", ["readonly_user", "sibling_street_cadre", "community_cadre"])
def test_a_user_who_cannot_edit_at_the_unit_cannot_record_a_follow_up(people, tree, actor):
    case = closed_case(people, tree)
    planned = FollowUp.objects.get(case=case)
    message = refused(actions.do_record_follow_up, **record_arguments(people, planned, actor=getattr(people, actor)))
    assert message == "您无权在该单位办理案件"
    assert follow_ups_of(case) == [(days_from_today(30), None, None)]


def test_another_follow_up_is_planned_on_a_closed_case(people, tree):
    case = closed_case(people, tree)
    row = actions.do_schedule_follow_up(actor=people.street_cadre, case=case, due_on=today())
    assert (row.due_on, row.done_on) == (today(), None)
    assert follow_ups_of(case) == [(today(), None, None), (days_from_today(30), None, None)]
    assert last_event(case).note == f"计划{cn_date(today())}回访"


def test_a_follow_up_is_planned_neither_before_closing_nor_in_the_past(people, tree):
    open_case = case_in(Status.FINISHED, unit=tree.east, cadre=people.street_cadre, leader=people.district_leader)
    message = refused(
        actions.do_schedule_follow_up, actor=people.street_cadre, case=open_case, due_on=days_from_today(3)
    )
    assert message == "结案后才能安排回访"
    case = closed_case(people, tree)
    message = refused(actions.do_schedule_follow_up, actor=people.street_cadre, case=case, due_on=days_from_today(-1))
    assert message == "计划回访日期不能早于今天"
    assert FollowUp.objects.count() == 1


# --- mediation -----------------------------------------------------------------------------------


def mediation(people, tree, status=Status.IN_PROGRESS):
    return case_in(
        status, unit=tree.east, cadre=people.street_cadre, leader=people.district_leader, kind=Kind.MEDIATION
    )


def mediators_of(case):
    return [m.name for m in CaseMediator.objects.filter(case=case).select_related("user", "person").order_by("id")]


def test_mediators_are_users_who_may_view_at_the_unit_and_persons_the_cadre_can_see(people, tree, reg):
    case = mediation(people, tree)
    rows = actions.do_set_mediators(
        actor=people.street_cadre,
        case=case,
        users=[people.street_cadre, people.readonly_user, people.district_leader],
        persons=[reg.zhang],
    )
    assert [m.name for m in rows] == ["street_cadre", "readonly_user", "district_leader", "张晓燕"]
    assert mediators_of(case) == ["street_cadre", "readonly_user", "district_leader", "张晓燕"]
    assert last_event(case).note == "调解员:street_cadre、readonly_user、district_leader、张晓燕"


def test_setting_the_mediators_again_replaces_them(people, tree, reg):
    case = mediation(people, tree)
    actions.do_set_mediators(actor=people.street_cadre, case=case, users=[people.street_cadre], persons=[reg.zhang])
    actions.do_set_mediators(actor=people.street_cadre, case=case, users=[], persons=[reg.shan])
    assert mediators_of(case) == ["单丽"]


@pytest.mark.parametrize(
    ("users", "persons", "message"),
    [
        (["sibling_street_cadre"], [], "sibling_street_cadre不在本单位或上级单位,不能担任调解员"),
        (["community_cadre"], [], "community_cadre不在本单位或上级单位,不能担任调解员"),
        (["sys_admin"], [], "sys_admin不在本单位或上级单位,不能担任调解员"),
        (["street_cadre"], ["li"], "调解员不在您可查看的人员范围内"),
        ([], [], "请至少选择一名调解员"),
    ],
)
def test_a_mediator_outside_the_unit_or_the_cadres_view_is_refused(people, tree, reg, users, persons, message):
    case = mediation(people, tree)
    actions.do_set_mediators(actor=people.street_cadre, case=case, users=[people.street_cadre], persons=[])
    got = refused(
        actions.do_set_mediators,
        actor=people.street_cadre,
        case=case,
        users=[getattr(people, u) for u in users],
        persons=[getattr(reg, p) for p in persons],
    )
    assert got == message
    assert mediators_of(case) == ["street_cadre"]


def test_a_session_is_recorded_with_its_place_and_outcome(people, tree):
    case = mediation(people, tree)
    held = days_from_today(-2)
    session = actions.do_record_session(
        actor=people.street_cadre,
        case=case,
        held_on=held,
        place=" 东街道调解室 ",
        parties_present="双方到场",
        outcome="初步同意",
    )
    stored = MediationSession.objects.get(pk=session.pk)
    assert (stored.held_on, stored.place, stored.parties_present, stored.outcome, stored.recorded_by) == (
        held,
        "东街道调解室",
        "双方到场",
        "初步同意",
        people.street_cadre,
    )
    assert last_event(case).note == f"{cn_date(held)}在东街道调解室调解"


def test_a_session_in_the_future_or_without_a_place_is_refused(people, tree):
    case = mediation(people, tree)
    message = refused(
        actions.do_record_session, actor=people.street_cadre, case=case, held_on=days_from_today(1), place="调解室"
    )
    assert message == "调解日期不能晚于今天"
    message = refused(actions.do_record_session, actor=people.street_cadre, case=case, held_on=today(), place=" ")
    assert message == "请填写调解地点"
    assert MediationSession.objects.count() == 0


def test_an_agreement_needs_a_session_and_when_reached_its_terms(people, tree):
    case = mediation(people, tree)
    message = refused(actions.do_record_agreement, actor=people.street_cadre, case=case, reached=True, terms="x")
    assert message == "请先登记调解记录"
    actions.do_record_session(actor=people.street_cadre, case=case, held_on=today(), place="调解室")
    message = refused(actions.do_record_agreement, actor=people.street_cadre, case=case, reached=True, terms=" ")
    assert message == "达成协议的,请填写协议内容"
    message = refused(
        actions.do_record_agreement,
        actor=people.street_cadre,
        case=case,
        reached=True,
        terms="每月支付抚养费1500元",
        agreed_on=days_from_today(1),
    )
    assert message == "协议日期不能晚于今天"
    stored = Case.objects.get(pk=case.pk)
    assert (stored.agreement_reached, stored.agreement_terms, stored.agreement_on) == (None, "", None)


def test_an_agreement_reached_keeps_its_terms_and_date_and_one_not_reached_clears_them(people, tree):
    case = mediation(people, tree)
    actions.do_record_session(actor=people.street_cadre, case=case, held_on=today(), place="调解室")
    agreed = days_from_today(-1)
    actions.do_record_agreement(
        actor=people.street_cadre, case=case, reached=True, terms=" 每月支付抚养费1500元 ", agreed_on=agreed
    )
    stored = Case.objects.get(pk=case.pk)
    assert (stored.agreement_reached, stored.agreement_terms, stored.agreement_on) == (
        True,
        "每月支付抚养费1500元",
        agreed,
    )
    assert last_event(case).note == "达成调解协议"
    actions.do_record_agreement(actor=people.street_cadre, case=case, reached=False, terms="作废")
    stored = Case.objects.get(pk=case.pk)
    assert (stored.agreement_reached, stored.agreement_terms, stored.agreement_on) == (False, "", None)
    assert last_event(case).note == "未达成调解协议"


def test_mediation_steps_are_refused_on_a_case_that_is_not_a_mediation(people, tree, reg):
    for kind in (Kind.PETITION, Kind.VIOLENCE):
        case = case_in(
            Status.IN_PROGRESS, unit=tree.east, cadre=people.street_cadre, leader=people.district_leader, kind=kind
        )
        cadre = people.street_cadre
        expected = "只有调解案件有调解记录"
        assert refused(actions.do_set_mediators, actor=cadre, case=case, users=[cadre], persons=[]) == expected
        assert refused(actions.do_record_session, actor=cadre, case=case, held_on=today(), place="调解室") == expected
        assert refused(actions.do_record_agreement, actor=cadre, case=case, reached=True, terms="x") == expected
    assert (CaseMediator.objects.count(), MediationSession.objects.count()) == (0, 0)


@pytest.mark.parametrize("status", [Status.CLOSING, Status.CLOSED])
def test_mediation_steps_are_refused_once_closing_is_asked(people, tree, status):
    case = mediation(people, tree, status)
    cadre = people.street_cadre
    expected = "案件已申请结案或已结案,不能再登记调解"
    assert refused(actions.do_set_mediators, actor=cadre, case=case, users=[cadre], persons=[]) == expected
    assert refused(actions.do_record_session, actor=cadre, case=case, held_on=today(), place="调解室") == expected
    assert refused(actions.do_record_agreement, actor=cadre, case=case, reached=False) == expected


def test_a_sibling_street_cadre_cannot_record_a_session(people, tree):
    case = mediation(people, tree)
    message = refused(
        actions.do_record_session, actor=people.sibling_street_cadre, case=case, held_on=today(), place="调解室"
    )
    assert message == "您无权在该单位办理案件"
    assert MediationSession.objects.count() == 0
