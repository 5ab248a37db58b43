"""The key-family register: listing a family (red, orange, yellow), visiting it at its interval,
lifting it with its history kept; and a village's screening, which lists the families found at
risk at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jinguo.cases import actions
from jinguo.cases.actions import Finding
from jinguo.cases.models import Colour, KeyFamily, KeyFamilyVisit, Screening, ScreeningResult
from jinguo.people.tests.helpers import build_registry

from .helpers import days_from_today, refused, today

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def reg(tree, people):
    return build_registry(tree, people.district_cadre)


def list_family(people, tree, reg, **kwargs):
    return actions.do_list_family(**list_arguments(people, tree, reg, **kwargs))


def list_arguments(people, tree, reg, **kwargs):
    return {
        "actor": people.street_cadre,
        "unit": tree.east1,
        "person": reg.zhang,
        "colour": Colour.RED,
        "reason": "丈夫多次施暴",
        "responsible": people.community_cadre,
        "visit_interval_days": 7,
        "listed_on": D(2026, 11, 1),
        **kwargs,
    }


def family_rows():
    return list(
        KeyFamily.objects.order_by("pk").values_list(
            "person__name", "unit__name", "colour", "next_visit_due", "listed_on", "lifted_on"
        )
    )


# --- listing -------------------------------------------------------------------------------------


def test_a_family_is_listed_with_its_colour_reason_responsible_and_first_visit_date(people, tree, reg):
    family = list_family(people, tree, reg, household=reg.household)
    stored = KeyFamily.objects.get(pk=family.pk)
    assert (stored.unit, stored.unit_path, stored.person, stored.household, stored.colour, stored.reason) == (
        tree.east1,
        tree.east1.path,
        reg.zhang,
        reg.household,
        "red",
        "丈夫多次施暴",
    )
    assert (stored.responsible, stored.visit_interval_days, stored.listed_on, stored.next_visit_due) == (
        people.community_cadre,
        7,
        D(2026, 11, 1),
        D(2026, 11, 8),
    )
    assert (stored.listed_by, stored.lifted_on, stored.is_listed, str(stored)) == (
        people.street_cadre,
        None,
        True,
        "张晓燕家(红)",
    )


def test_listed_today_the_first_visit_is_due_one_interval_from_today(people, tree, reg):
    family = list_family(people, tree, reg, colour=Colour.YELLOW, visit_interval_days=60, listed_on=None)
    assert (family.listed_on, family.next_visit_due, str(family)) == (today(), days_from_today(60), "张晓燕家(黄)")


def test_a_family_may_be_listed_at_a_unit_above_its_persons_unit(people, tree, reg):
    family = list_family(people, tree, reg, unit=tree.east, responsible=people.street_cadre)
    assert family.unit == tree.east


@pytest.mark.parametrize("colour", ["", "green", None])
def test_a_bad_colour_is_refused(people, tree, reg, colour):
    message = refused(actions.do_list_family, **list_arguments(people, tree, reg, colour=colour))
    assert message == "请选择重点家庭类别(红、橙、黄)"
    assert family_rows() == []


@pytest.mark.parametrize("responsible", ["readonly_user", "sibling_street_cadre", "sys_admin", "outsider", None])
def test_the_responsible_must_hold_edit_rights_at_the_unit(people, tree, reg, responsible):
    who = getattr(people, responsible) if responsible else None
    message = refused(actions.do_list_family, **list_arguments(people, tree, reg, responsible=who))
    assert message == "责任人须是本单位或上级单位有办理权限的干部"
    assert family_rows() == []


def test_a_community_cadre_is_not_responsible_for_another_community(people, tree, reg):
    arguments = list_arguments(people, tree, reg, unit=tree.east2, person=reg.shan, responsible=people.community_cadre)
    assert refused(actions.do_list_family, **arguments) == "责任人须是本单位或上级单位有办理权限的干部"
    arguments["responsible"] = people.district_cadre
    assert actions.do_list_family(**arguments).responsible == people.district_cadre


def test_a_person_outside_the_cadres_view_is_refused(people, tree, reg):
    message = refused(actions.do_list_family, **list_arguments(people, tree, reg, unit=tree.east, person=reg.li))
    assert message == "请从人员台账中选择家庭联系人"
    message = refused(actions.do_list_family, **list_arguments(people, tree, reg, person=None))
    assert message == "请从人员台账中选择家庭联系人"
    assert family_rows() == []


def test_a_person_of_another_unit_is_refused(people, tree, reg):
    message = refused(
        actions.do_list_family,
        **list_arguments(people, tree, reg, actor=people.district_cadre, person=reg.shan),  # 东二社区
    )
    assert message == "家庭联系人不在该单位"
    assert family_rows() == []


@pytest.mark.parametrize("actor", ["readonly_user", "sibling_street_cadre", "outsider"])
def test_a_user_who_cannot_edit_at_the_unit_cannot_list(people, tree, reg, actor):
    message = refused(actions.do_list_family, **list_arguments(people, tree, reg, actor=getattr(people, actor)))
    assert message == "您无权在该单位登记重点家庭"
    assert family_rows() == []


@pytest.mark.parametrize("interval", [1, 365])
def test_the_interval_is_one_day_to_a_year(people, tree, reg, interval):
    family = list_family(people, tree, reg, visit_interval_days=interval)
    assert family.next_visit_due == D(2026, 11, 1) + dt.timedelta(days=interval)


@pytest.mark.parametrize("interval", [0, 366, -7])
def test_an_interval_out_of_bounds_is_refused(people, tree, reg, interval):
    message = refused(actions.do_list_family, **list_arguments(people, tree, reg, visit_interval_days=interval))
    assert message == "走访间隔应在1到365天之间"
    assert family_rows() == []


def test_the_reason_is_required(people, tree, reg):
    assert refused(actions.do_list_family, **list_arguments(people, tree, reg, reason="  ")) == "请填写列入原因"


def test_a_family_is_not_listed_twice_even_at_another_unit(people, tree, reg):
    list_family(people, tree, reg)
    message = refused(
        actions.do_list_family, **list_arguments(people, tree, reg, unit=tree.east, responsible=people.street_cadre)
    )
    assert message == "张晓燕家已在重点家庭名册中"
    assert family_rows() == [("张晓燕", "东一社区", "red", D(2026, 11, 8), D(2026, 11, 1), None)]


def test_the_household_must_be_the_persons(people, tree, reg):
    assert list_family(people, tree, reg, person=reg.zeng, household=reg.household).household == reg.household
    message = refused(
        actions.do_list_family,
        **list_arguments(
            people,
            tree,
            reg,
            actor=people.district_cadre,
            unit=tree.east,
            person=reg.shan,
            household=reg.household,
            responsible=people.street_cadre,
        ),
    )
    assert message == "联系人不是该家庭的成员"


def test_changing_a_family_recomputes_the_next_visit_from_the_last_one(people, tree, reg):
    family = list_family(people, tree, reg)
    family = actions.do_update_family(
        actor=people.street_cadre,
        family=family,
        colour=Colour.ORANGE,
        reason="暴力已停止,仍有矛盾",
        responsible=people.street_cadre,
        visit_interval_days=30,
    )
    assert (family.colour, family.responsible, family.next_visit_due) == ("orange", people.street_cadre, D(2026, 12, 1))
    actions.do_record_visit(actor=people.street_cadre, family=family, visited_on=D(2026, 11, 20), found="关系缓和")
    family = actions.do_update_family(
        actor=people.street_cadre,
        family=family,
        colour=Colour.YELLOW,
        reason="生活困难",
        responsible=people.street_cadre,
        visit_interval_days=60,
    )
    assert family.next_visit_due == D(2027, 1, 19)


# --- visits --------------------------------------------------------------------------------------


def test_a_visit_moves_the_next_visit_to_the_latest_visit_plus_the_interval(people, tree, reg):
    family = list_family(people, tree, reg)
    visit = actions.do_record_visit(
        actor=people.community_cadre,
        family=family,
        visited_on=D(2026, 11, 10),
        found=" 夫妻关系缓和 ",
        next_step="继续观察",
        companions="社区民警",
    )
    stored = KeyFamilyVisit.objects.get(pk=visit.pk)
    assert (stored.visited_on, stored.visitor, stored.found, stored.next_step, stored.companions) == (
        D(2026, 11, 10),
        people.community_cadre,
        "夫妻关系缓和",
        "继续观察",
        "社区民警",
    )
    assert KeyFamily.objects.get(pk=family.pk).next_visit_due == D(2026, 11, 17)
    # a visit recorded late, dated before the latest one, does not move the date back
    actions.do_record_visit(actor=people.community_cadre, family=family, visited_on=D(2026, 11, 5), found="补录")
    assert KeyFamily.objects.get(pk=family.pk).next_visit_due == D(2026, 11, 17)
    actions.do_record_visit(actor=people.community_cadre, family=family, visited_on=D(2026, 11, 20), found="稳定")
    assert KeyFamily.objects.get(pk=family.pk).next_visit_due == D(2026, 11, 27)
    assert list(family.visits.values_list("visited_on", flat=True)) == [
        D(2026, 11, 20),
        D(2026, 11, 10),
        D(2026, 11, 5),
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"visited_on": "tomorrow"}, "走访日期不能晚于今天"),
        ({"visited_on": D(2026, 10, 31)}, "走访日期不能早于列入日期"),
        ({"found": " "}, "请填写走访情况"),
        ({"actor": "sibling_street_cadre"}, "您无权走访该家庭"),
        ({"actor": "readonly_user"}, "您无权走访该家庭"),
    ],
)
def test_a_bad_visit_is_refused_and_changes_nothing(people, tree, reg, change, message):
    family = list_family(people, tree, reg)
    arguments = {"actor": people.street_cadre, "family": family, "visited_on": D(2026, 11, 3), "found": "正常"}
    for key, value in change.items():
        if value == "tomorrow":
            value = days_from_today(1)
        arguments[key] = getattr(people, value) if key == "actor" else value
    assert refused(actions.do_record_visit, **arguments) == message
    assert KeyFamilyVisit.objects.count() == 0
    assert KeyFamily.objects.get(pk=family.pk).next_visit_due == D(2026, 11, 8)


def test_visit_overdue_on_given_dates(people, tree, reg):
    red = list_family(people, tree, reg)  # due 11-08
    orange = list_family(people, tree, reg, person=reg.zeng, colour=Colour.ORANGE, visit_interval_days=30)  # 12-01
    lifted = list_family(
        people,
        tree,
        reg,
        actor=people.district_cadre,
        unit=tree.west1,
        person=reg.li,
        responsible=people.district_cadre,
    )
    actions.do_lift_family(actor=people.district_cadre, family=lifted, reason="已搬离", lifted_on=D(2026, 11, 2))

    def late(day):
        return sorted(KeyFamily.objects.visit_overdue(today=day).values_list("person__name", flat=True))

    assert late(D(2026, 11, 8)) == []
    assert late(D(2026, 11, 9)) == ["张晓燕"]
    assert late(D(2026, 12, 1)) == ["张晓燕"]
    assert late(D(2026, 12, 2)) == ["张晓燕", "曾晓燕"]
    assert [red.is_visit_overdue(D(2026, 11, 9)), orange.is_visit_overdue(D(2026, 11, 9))] == [True, False]
    assert KeyFamily.objects.get(pk=lifted.pk).is_visit_overdue(D(2026, 12, 2)) is False
    actions.do_record_visit(actor=people.street_cadre, family=red, visited_on=D(2026, 11, 10), found="正常")
    assert late(D(2026, 11, 17)) == []
    assert late(D(2026, 11, 18)) == ["张晓燕"]


# --- lifting -------------------------------------------------------------------------------------


def test_lifting_keeps_the_row_with_its_date_reason_and_who(people, tree, reg):
    family = list_family(people, tree, reg)
    actions.do_lift_family(
        actor=people.street_cadre, family=family, reason=" 已离婚分开居住 ", lifted_on=D(2026, 11, 30)
    )
    stored = KeyFamily.objects.get(pk=family.pk)
    assert (stored.lifted_on, stored.lift_reason, stored.lifted_by, stored.is_listed) == (
        D(2026, 11, 30),
        "已离婚分开居住",
        people.street_cadre,
        False,
    )
    assert list(KeyFamily.objects.listed()) == []
    assert family_rows() == [("张晓燕", "东一社区", "red", D(2026, 11, 8), D(2026, 11, 1), D(2026, 11, 30))]


def test_after_lifting_there_is_no_visit_no_change_and_no_second_lifting(people, tree, reg):
    family = list_family(people, tree, reg)
    actions.do_lift_family(actor=people.street_cadre, family=family, reason="风险解除")
    message = refused(
        actions.do_record_visit, actor=people.street_cadre, family=family, visited_on=today(), found="回访"
    )
    assert message == "该家庭已撤销重点管理"
    message = refused(actions.do_lift_family, actor=people.street_cadre, family=family, reason="再次")
    assert message == "该家庭已撤销重点管理"
    message = refused(
        actions.do_update_family,
        actor=people.street_cadre,
        family=family,
        colour=Colour.RED,
        reason="x",
        responsible=people.street_cadre,
        visit_interval_days=7,
    )
    assert message == "该家庭已撤销重点管理"
    assert KeyFamilyVisit.objects.count() == 0
    assert KeyFamily.objects.get(pk=family.pk).lift_reason == "风险解除"


def test_a_lifted_family_may_be_listed_again_and_both_rows_remain(people, tree, reg):
    first = list_family(people, tree, reg)
    actions.do_lift_family(actor=people.street_cadre, family=first, reason="风险解除", lifted_on=D(2026, 11, 15))
    second = list_family(people, tree, reg, colour=Colour.ORANGE, listed_on=D(2026, 11, 20), visit_interval_days=30)
    assert family_rows() == [
        ("张晓燕", "东一社区", "red", D(2026, 11, 8), D(2026, 11, 1), D(2026, 11, 15)),
        ("张晓燕", "东一社区", "orange", D(2026, 12, 20), D(2026, 11, 20), None),
    ]
    assert list(KeyFamily.objects.listed().values_list("pk", flat=True)) == [second.pk]


def test_lifting_needs_a_reason_a_date_not_before_listing_and_the_right(people, tree, reg):
    family = list_family(people, tree, reg)
    assert refused(actions.do_lift_family, actor=people.street_cadre, family=family, reason=" ") == "请填写撤销原因"
    message = refused(
        actions.do_lift_family, actor=people.street_cadre, family=family, reason="x", lifted_on=D(2026, 10, 31)
    )
    assert message == "撤销日期不能早于列入日期"
    message = refused(actions.do_lift_family, actor=people.readonly_user, family=family, reason="x")
    assert message == "您无权撤销该家庭的重点管理"
    assert family_rows() == [("张晓燕", "东一社区", "red", D(2026, 11, 8), D(2026, 11, 1), None)]


def test_a_family_is_neither_listed_nor_lifted_on_a_day_still_to_come(people, tree, reg):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    message = refused(actions.do_list_family, **list_arguments(people, tree, reg, listed_on=tomorrow))
    assert message == "列入日期不能晚于今天"
    assert family_rows() == []
    family = list_family(people, tree, reg)
    message = refused(actions.do_lift_family, actor=people.street_cadre, family=family, reason="x", lifted_on=tomorrow)
    assert message == "撤销日期不能晚于今天"
    assert family_rows() == [("张晓燕", "东一社区", "red", D(2026, 11, 8), D(2026, 11, 1), None)]


def test_a_family_is_not_linked_to_a_case_the_cadre_cannot_see(people, tree, reg):
    from .helpers import register

    other = register(people.sibling_street_cadre, tree.west1)
    message = refused(actions.do_list_family, **list_arguments(people, tree, reg, case=other))
    assert message == "来源案件不存在,或不在您可查看的范围内"
    assert family_rows() == []


# --- screening -----------------------------------------------------------------------------------


def result_rows(screening):
    return [
        (r.person.name, r.finding, r.note, r.family.colour if r.family else None)
        for r in ScreeningResult.objects.filter(screening=screening).select_related("person", "family").order_by("id")
    ]


def test_a_screening_records_one_result_per_family_and_lists_those_asked_for(people, tree, reg):
    held = D(2026, 11, 20)
    screening = actions.do_record_screening(
        actor=people.street_cadre,
        unit=tree.east,
        held_on=held,
        note="第四季度排查",
        findings=[
            Finding(reg.zhang, ScreeningResult.Finding.VIOLENCE, list_family=True),
            Finding(reg.shan, ScreeningResult.Finding.DISPUTE, note="因赡养老人争吵", list_family=True),
            Finding(reg.wei, ScreeningResult.Finding.HARDSHIP, note="  ", list_family=True),
            Finding(reg.zeng, ScreeningResult.Finding.NONE),
        ],
    )
    assert (screening.unit, screening.held_on, screening.note, screening.by) == (
        tree.east,
        held,
        "第四季度排查",
        people.street_cadre,
    )
    assert result_rows(screening) == [
        ("张晓燕", "violence", "", "red"),
        ("单丽", "dispute", "因赡养老人争吵", "orange"),
        ("张伟", "hardship", "", "yellow"),
        ("曾晓燕", "none", "", None),
    ]
    families = list(
        KeyFamily.objects.order_by("pk").values_list(
            "person__name", "unit__name", "colour", "visit_interval_days", "listed_on", "next_visit_due", "reason"
        )
    )
    assert families == [
        ("张晓燕", "东街道", "red", 7, held, D(2026, 11, 27), "2026年11月20日排查发现:家暴风险"),
        ("单丽", "东街道", "orange", 30, held, D(2026, 12, 20), "因赡养老人争吵"),
        ("张伟", "东街道", "yellow", 60, held, D(2027, 1, 19), "2026年11月20日排查发现:生活困难"),
    ]
    assert set(KeyFamily.objects.values_list("responsible", flat=True)) == {people.street_cadre.pk}


def test_a_finding_not_asked_to_be_listed_is_only_recorded(people, tree, reg):
    screening = actions.do_record_screening(
        actor=people.community_cadre,
        unit=tree.east1,
        held_on=today(),
        findings=[Finding(reg.zhang, ScreeningResult.Finding.DISPUTE, note="偶有争吵")],
        responsible=people.community_cadre,
    )
    assert result_rows(screening) == [("张晓燕", "dispute", "偶有争吵", None)]
    assert family_rows() == []


def test_the_screening_lists_with_the_responsible_named(people, tree, reg):
    actions.do_record_screening(
        actor=people.street_cadre,
        unit=tree.east,
        held_on=today(),
        findings=[Finding(reg.zhang, ScreeningResult.Finding.VIOLENCE, list_family=True)],
        responsible=people.district_cadre,
    )
    assert KeyFamily.objects.get().responsible == people.district_cadre


def screening_rows():
    return Screening.objects.count(), ScreeningResult.objects.count(), KeyFamily.objects.count()


@pytest.mark.parametrize(
    ("findings", "message"),
    [
        ([("zeng", "none", True)], "曾晓燕家排查无矛盾,不需列入重点家庭"),
        (
            [("zhang", "violence", True), ("zeng", "none", False), ("zhang", "dispute", False)],
            "张晓燕家在本次排查中登记了两次",
        ),
        ([("zhang", "violence", True), ("li", "dispute", False)], "排查的家庭须是本单位登记的人员"),
        ([("zhang", "quarrel", False)], "排查结果无效"),
        ([], "请至少登记一户的排查结果"),
    ],
)
def test_a_bad_screening_is_refused_and_nothing_is_created(people, tree, reg, findings, message):
    rows = [Finding(getattr(reg, p), f, list_family=listed) for p, f, listed in findings]
    got = refused(
        actions.do_record_screening, actor=people.district_cadre, unit=tree.east, held_on=today(), findings=rows
    )
    assert got == message
    assert screening_rows() == (0, 0, 0)


def test_a_screening_in_the_future_or_without_the_right_is_refused(people, tree, reg):
    rows = [Finding(reg.zhang, ScreeningResult.Finding.NONE)]
    message = refused(
        actions.do_record_screening,
        actor=people.street_cadre,
        unit=tree.east,
        held_on=days_from_today(1),
        findings=rows,
    )
    assert message == "排查日期不能晚于今天"
    message = refused(
        actions.do_record_screening, actor=people.readonly_user, unit=tree.east, held_on=today(), findings=rows
    )
    assert message == "您无权在该单位登记排查"
    assert screening_rows() == (0, 0, 0)


def test_a_screening_that_would_list_a_family_already_listed_writes_nothing(people, tree, reg):
    list_family(people, tree, reg)
    message = refused(
        actions.do_record_screening,
        actor=people.street_cadre,
        unit=tree.east,
        held_on=today(),
        findings=[
            Finding(reg.shan, ScreeningResult.Finding.DISPUTE, list_family=True),
            Finding(reg.zhang, ScreeningResult.Finding.VIOLENCE, list_family=True),
        ],
    )
    assert message == "张晓燕家已在重点家庭名册中"
    assert screening_rows() == (0, 0, 1)
