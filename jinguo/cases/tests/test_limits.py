"""Time limits: the nearest unit above a case that set one decides, else 3 days to accept, 15 to
finish and 30 to the first follow-up; overdue cases and follow-ups on given dates; who may set a
limit and within which bounds."""

from __future__ import annotations

import datetime as dt

import pytest

from jinguo.cases import actions, limits
from jinguo.cases.models import Case, FollowUp, Kind, Status, TimeLimit

from .helpers import at, case_in, days_from_today, drive, make_leader, refused, register, set_times

pytestmark = pytest.mark.django_db

D = dt.date


def set_limit(people, unit, kind, step, days):
    return actions.do_set_time_limit(actor=people.district_leader, unit=unit, kind=kind, step=step, days=days)


def limit_rows():
    return list(
        TimeLimit.objects.order_by("unit__path", "kind", "step").values_list("unit__name", "kind", "step", "days")
    )


# --- which limit applies -------------------------------------------------------------------------


def test_without_any_limit_a_case_has_3_days_to_accept_15_to_finish_and_30_to_the_follow_up(people, tree):
    case = register(people.street_cadre, tree.east1, received_at=at(2026, 3, 1))
    assert case.accept_due == D(2026, 3, 4)
    case = drive(case, Status.CLOSED, cadre=people.street_cadre, leader=people.district_leader)
    assert Case.objects.get(pk=case.pk).finish_due == days_from_today(15)
    assert list(FollowUp.objects.filter(case=case).values_list("due_on", flat=True)) == [days_from_today(30)]


def test_a_street_of_its_own_wins_over_the_district_and_the_other_street_follows_the_district(people, tree):
    set_limit(people, tree.district, Kind.PETITION, "accept", 5)
    set_limit(people, tree.east, Kind.PETITION, "accept", 2)
    received = at(2026, 3, 1)
    dues = {
        unit.name: register(people.district_cadre, unit, received_at=received).accept_due
        for unit in (tree.district, tree.east, tree.east1, tree.east2, tree.west, tree.west1)
    }
    assert dues == {
        "示范区": D(2026, 3, 6),
        "东街道": D(2026, 3, 3),
        "东一社区": D(2026, 3, 3),
        "东二社区": D(2026, 3, 3),
        "西街道": D(2026, 3, 6),
        "西一社区": D(2026, 3, 6),
    }
    # a limit is per kind: a mediation at the street still has the default
    assert register(people.district_cadre, tree.east1, kind=Kind.MEDIATION, received_at=received).accept_due == D(
        2026, 3, 4
    )


def test_finish_and_follow_up_limits_apply_when_accepting_and_closing(people, tree):
    set_limit(people, tree.district, Kind.VIOLENCE, "finish", 7)
    set_limit(people, tree.west, Kind.VIOLENCE, "follow_up", 3)
    east = case_in(
        Status.CLOSED, unit=tree.east1, cadre=people.district_cadre, leader=people.district_leader, kind=Kind.VIOLENCE
    )
    west = case_in(
        Status.CLOSED, unit=tree.west1, cadre=people.district_cadre, leader=people.district_leader, kind=Kind.VIOLENCE
    )
    assert Case.objects.get(pk=east.pk).finish_due == days_from_today(7)
    assert Case.objects.get(pk=west.pk).finish_due == days_from_today(7)
    assert FollowUp.objects.get(case=east).due_on == days_from_today(30)
    assert FollowUp.objects.get(case=west).due_on == days_from_today(3)


def test_days_for_reads_the_deepest_unit_that_set_one(people, tree):
    set_limit(people, tree.district, Kind.PETITION, "finish", 20)
    set_limit(people, tree.east1, Kind.PETITION, "finish", 10)
    assert [
        limits.days_for(u, Kind.PETITION, "finish") for u in (tree.district, tree.east, tree.east1, tree.east2)
    ] == [
        20,
        20,
        10,
        20,
    ]
    assert limits.due(D(2026, 2, 25), tree.east1, Kind.PETITION, "finish") == D(2026, 3, 7)


def test_the_table_of_a_unit_shows_every_kind_and_step_and_which_it_set_itself(people, tree):
    set_limit(people, tree.district, Kind.PETITION, "accept", 5)
    set_limit(people, tree.east, Kind.PETITION, "accept", 2)
    set_limit(people, tree.district, Kind.VIOLENCE, "finish", 7)
    set_limit(people, tree.east, Kind.MEDIATION, "follow_up", 45)

    def table(unit):
        return [(r["kind_label"], r["step_label"], r["days"], r["own"]) for r in limits.table_for(unit)]

    assert table(tree.east) == [
        ("来信来访", "受理时限", 2, True),
        ("来信来访", "办结时限", 15, False),
        ("来信来访", "首次回访", 30, False),
        ("调解", "受理时限", 3, False),
        ("调解", "办结时限", 15, False),
        ("调解", "首次回访", 45, True),
        ("家庭暴力", "受理时限", 3, False),
        ("家庭暴力", "办结时限", 7, False),
        ("家庭暴力", "首次回访", 30, False),
    ]
    assert [(r[2], r[3]) for r in table(tree.district)] == [
        (5, True),
        (15, False),
        (30, False),
        (3, False),
        (15, False),
        (30, False),
        (3, False),
        (7, True),
        (30, False),
    ]
    assert [r[2] for r in table(tree.east1)] == [2, 15, 30, 3, 15, 45, 3, 7, 30]
    assert [r[3] for r in table(tree.east1)] == [False] * 9
    assert [r[2] for r in table(tree.west1)] == [5, 15, 30, 3, 15, 30, 3, 7, 30]
    assert limits.table_for(tree.east)[0] == {
        "kind": "petition",
        "kind_label": "来信来访",
        "step": "accept",
        "step_label": "受理时限",
        "days": 2,
        "own": True,
    }


# --- setting a limit -----------------------------------------------------------------------------


def test_a_leader_sets_changes_and_removes_a_limit_of_her_unit(people, tree):
    row = set_limit(people, tree.east, Kind.PETITION, "accept", 4)
    assert (row.unit, row.kind, row.step, row.days) == (tree.east, "petition", "accept", 4)
    again = set_limit(people, tree.east, Kind.PETITION, "accept", 6)
    assert again.pk == row.pk
    assert limit_rows() == [("东街道", "petition", "accept", 6)]
    assert set_limit(people, tree.east, Kind.PETITION, "accept", None) is None
    assert limit_rows() == []
    assert limits.days_for(tree.east1, Kind.PETITION, "accept") == 3
    assert set_limit(people, tree.east, Kind.PETITION, "accept", None) is None  # nothing to remove


def test_removing_a_street_limit_returns_to_the_district_one(people, tree):
    set_limit(people, tree.district, Kind.PETITION, "accept", 5)
    set_limit(people, tree.east, Kind.PETITION, "accept", 2)
    set_limit(people, tree.east, Kind.PETITION, "accept", None)
    assert limit_rows() == [("示范区", "petition", "accept", 5)]
    assert limits.days_for(tree.east1, Kind.PETITION, "accept") == 5


@pytest.mark.parametrize("days", [1, 365])
def test_the_bounds_are_one_day_and_one_year(people, tree, days):
    assert set_limit(people, tree.east, Kind.MEDIATION, "finish", days).days == days


@pytest.mark.parametrize("days", [0, -1, 366, 1000])
def test_a_limit_out_of_bounds_is_refused(people, tree, days):
    set_limit(people, tree.east, Kind.MEDIATION, "finish", 20)
    message = refused(
        actions.do_set_time_limit,
        actor=people.district_leader,
        unit=tree.east,
        kind="mediation",
        step="finish",
        days=days,
    )
    assert message == "时限应在1到365天之间"
    assert limit_rows() == [("东街道", "mediation", "finish", 20)]


@pytest.mark.parametrize(("kind", "step"), [("appeal", "accept"), ("petition", "close"), ("", "")])
def test_an_unknown_kind_or_step_is_refused(people, tree, kind, step):
    message = refused(
        actions.do_set_time_limit, actor=people.district_leader, unit=tree.east, kind=kind, step=step, days=5
    )
    assert message == "时限类型无效"
    assert limit_rows() == []


@pytest.mark.parametrize("actor", ["district_cadre", "street_cadre", "readonly_user", "sys_admin", "outsider"])
def test_only_a_leader_may_set_a_limit(people, tree, actor):
    set_limit(people, tree.east, Kind.PETITION, "accept", 2)
    for days in (9, None):
        message = refused(
            actions.do_set_time_limit,
            actor=getattr(people, actor),
            unit=tree.east,
            kind="petition",
            step="accept",
            days=days,
        )
        assert message == "只有本单位或上级单位的领导可以设置办理时限"
    assert limit_rows() == [("东街道", "petition", "accept", 2)]


def test_a_street_leader_sets_limits_for_her_street_and_below_only(people, tree):
    leader = make_leader("street_leader", tree.east)
    actions.do_set_time_limit(actor=leader, unit=tree.east1, kind="petition", step="accept", days=1)
    for unit in (tree.district, tree.west):
        message = refused(actions.do_set_time_limit, actor=leader, unit=unit, kind="petition", step="accept", days=1)
        assert message == "只有本单位或上级单位的领导可以设置办理时限"
    assert limit_rows() == [("东一社区", "petition", "accept", 1)]


def test_a_new_limit_does_not_move_the_dates_of_cases_already_registered(people, tree):
    case = register(people.street_cadre, tree.east, received_at=at(2026, 3, 1))
    set_limit(people, tree.east, Kind.PETITION, "accept", 10)
    assert Case.objects.get(pk=case.pk).accept_due == D(2026, 3, 4)


# --- overdue -------------------------------------------------------------------------------------


def overdue_numbers(today):
    return sorted(Case.objects.overdue(today=today).values_list("number", flat=True))


def test_overdue_cases_on_given_dates(people, tree):
    cadre, leader = people.street_cadre, people.district_leader

    def case(status, received, **times):
        c = drive(register(cadre, tree.east, received_at=received), status, cadre=cadre, leader=leader)
        return set_times(c, **times) if times else c

    registered = case(Status.REGISTERED, at(2026, 3, 1))  # accept by 3-4
    registered_later = case(Status.REGISTERED, at(2026, 3, 17))  # accept by 3-20
    accepted = case(Status.ACCEPTED, at(2026, 2, 1), finish_due=D(2026, 3, 10))
    in_progress = case(Status.IN_PROGRESS, at(2026, 2, 1), finish_due=D(2026, 3, 10))
    referred = case(Status.REFERRED, at(2026, 2, 1), finish_due=D(2026, 3, 12))
    finished = case(Status.FINISHED, at(2026, 2, 1), finish_due=D(2026, 2, 2))
    closing = case(Status.CLOSING, at(2026, 2, 1), finish_due=D(2026, 2, 2))
    closed = case(Status.CLOSED, at(2026, 2, 1), finish_due=D(2026, 2, 2))
    numbers = {
        c.pk: c.number
        for c in (registered, registered_later, accepted, in_progress, referred, finished, closing, closed)
    }
    # an accepted case is judged by its finish date, never by its (past) accept date
    assert accepted.accept_due == D(2026, 2, 4)

    expected = {
        D(2026, 3, 4): [],
        D(2026, 3, 5): [registered],
        D(2026, 3, 10): [registered],
        D(2026, 3, 11): [registered, accepted, in_progress],
        D(2026, 3, 12): [registered, accepted, in_progress],
        D(2026, 3, 13): [registered, accepted, in_progress, referred],
        D(2026, 3, 20): [registered, accepted, in_progress, referred],
        D(2026, 3, 21): [registered, registered_later, accepted, in_progress, referred],
    }
    for day, late in expected.items():
        assert overdue_numbers(day) == sorted(numbers[c.pk] for c in late), day
        for c in Case.objects.filter(pk__in=numbers):
            assert c.is_overdue(day) == (c.pk in {x.pk for x in late}), (day, c.number)
    assert sorted(Case.objects.open().overdue(today=D(2026, 3, 21)).values_list("pk", flat=True)) == sorted(
        c.pk for c in expected[D(2026, 3, 21)]
    )
    # without a date: today, long after all of them
    assert overdue_numbers(None) == overdue_numbers(D(2026, 3, 21))


def test_overdue_follows_the_limits_of_each_street(people, tree):
    set_limit(people, tree.district, Kind.PETITION, "accept", 5)
    set_limit(people, tree.east, Kind.PETITION, "accept", 2)
    east = register(people.district_cadre, tree.east1, received_at=at(2026, 3, 1))
    west = register(people.district_cadre, tree.west1, received_at=at(2026, 3, 1))
    assert (east.accept_due, west.accept_due) == (D(2026, 3, 3), D(2026, 3, 6))
    assert overdue_numbers(D(2026, 3, 3)) == []
    assert overdue_numbers(D(2026, 3, 4)) == [east.number]
    assert overdue_numbers(D(2026, 3, 6)) == [east.number]
    assert overdue_numbers(D(2026, 3, 7)) == [east.number, west.number]


def test_a_case_accepted_in_time_is_no_longer_late_to_accept(people, tree):
    case = register(people.street_cadre, tree.east, received_at=at(2026, 3, 1))
    assert overdue_numbers(D(2026, 3, 5)) == [case.number]
    case = actions.do_accept(actor=people.street_cadre, case=case, handler=people.street_cadre)
    assert overdue_numbers(D(2026, 3, 5)) == []


def test_overdue_follow_ups_on_given_dates(people, tree):
    cadre, leader = people.street_cadre, people.district_leader
    first = case_in(Status.CLOSED, unit=tree.east, cadre=cadre, leader=leader)
    second = case_in(Status.CLOSED, unit=tree.west, cadre=people.sibling_street_cadre, leader=leader)
    third = case_in(Status.CLOSED, unit=tree.east, cadre=cadre, leader=leader)
    FollowUp.objects.filter(case=first).update(due_on=D(2026, 4, 10))
    FollowUp.objects.filter(case=second).update(due_on=D(2026, 4, 12))
    FollowUp.objects.filter(case=third).update(due_on=D(2026, 4, 1), done_on=D(2026, 4, 2))

    def late(day):
        return sorted(FollowUp.objects.overdue(today=day).values_list("case__number", flat=True))

    assert late(D(2026, 4, 10)) == []
    assert late(D(2026, 4, 11)) == [first.number]
    assert late(D(2026, 4, 12)) == [first.number]
    assert late(D(2026, 4, 13)) == sorted([first.number, second.number])
    assert sorted(FollowUp.objects.pending().values_list("case__number", flat=True)) == sorted(
        [first.number, second.number]
    )
