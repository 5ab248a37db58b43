"""The monthly report counted from a month of work built at exact moments in Asia/Shanghai.

October 2026 (helpers.october), received_at / accepted / finished / closed (Shanghai):

C1  东街道   petition  来访  婚姻家庭   10-01 00:00:00  never accepted (accept by 10-04)         open, overdue
C2  东一社区 violence  电话  家庭暴力   10-05  accepted 10-05, finished 10-06 resolved + stopped, closed 10-07
C3  东一社区 violence  来访  家庭暴力   10-10  accepted 10-30 (finish by 11-14)                  open
C4  东二社区 mediation 来访  婚姻家庭   10-12  finished 10-31 23:00 partly
C5  西街道   petition  来信  家庭暴力   10-15  finished 10-20 referred_out, closed 11-03
C6  西一社区 petition  网上  劳动就业   10-16  accepted 10-16 (finish by 10-31), finished 11-01 00:00  open, overdue
C7  西一社区 mediation 转办  财产土地   10-31 23:59:59  never accepted (accept by 11-03)         open
C8  示范区   petition  电话  其他       10-25  accepted only 11-02 (accept by 10-28)            open, overdue
C9  东街道   petition  来信  婚姻家庭   09-30 23:59:59  never accepted                          open, overdue
C10 西街道   petition  来访  劳动就业   11-01 00:00:00  (November)
C11 东一社区 petition  来访  儿童权益   09-10  finished 10-08 resolved, closed 10-09
C12 西一社区 violence  电话  家庭暴力   09-15  finished 10-03 resolved + stopped, closed 10-04
C13 东二社区 mediation 来访  婚姻家庭   08-20  finished 09-20, closed 09-25
C14 西街道   petition  电话  人身权利   09-05  accepted 09-06 (finish by 09-21), finished 11-05  open, overdue
C15 东街道   petition  网上  其他       09-20  finished 09-30

Follow-ups: C2 done 10-25 (no verdict); C11 done 10-20 satisfied, next due 11-20; C12 due 10-15 never
done (overdue); C13 done 10-05 not satisfied, next due 10-30 done 11-02 (overdue at the month's end).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jinguo.cases.models import CaseCategory, Kind
from jinguo.cases.report import MonthlyReport, monthly_report, parse_month
from jinguo.core.errors import ActionError

from .helpers import at, october, refused, register

pytestmark = pytest.mark.django_db

OCTOBER = dt.date(2026, 10, 1)
CHANNELS = ["来信", "来访", "电话/12338", "网上", "上级转办"]
KINDS = ["来信来访", "调解", "家庭暴力"]
CATEGORIES = ["婚姻家庭", "家庭暴力", "财产与土地权益", "劳动就业", "人身权利", "儿童权益", "其他"]
OUTCOMES = ["已解决", "部分解决", "未解决", "转有关部门处理", "当事人撤回"]


@pytest.fixture
def month(tree, people):
    return october(people, tree)


def counts(rows, labels=None):
    got = [(r.label, r.count) for r in rows]
    if labels is not None:
        assert [label for label, _ in got] == labels
    return [n for _, n in got]


def figures(report: MonthlyReport) -> dict:
    return {
        "received": report.received,
        "by_channel": counts(report.by_channel, CHANNELS),
        "by_kind": counts(report.by_kind, KINDS),
        "by_category": counts(report.by_category, CATEGORIES),
        "by_unit": [(r.label, r.count) for r in report.by_unit],
        "finished": report.finished,
        "by_outcome": counts(report.by_outcome, OUTCOMES),
        "violence_stopped": report.violence_stopped,
        "family_cases": report.family_cases,
        "violence_cases": report.violence_cases,
        "violence_share": report.violence_share,
        "open_at_end": report.open_at_end,
        "overdue_at_end": report.overdue_at_end,
        "closed": report.closed,
        "follow_ups_done": report.follow_ups_done,
        "follow_ups_answered": report.follow_ups_answered,
        "follow_ups_satisfied": report.follow_ups_satisfied,
        "satisfaction": report.satisfaction,
        "follow_ups_overdue": report.follow_ups_overdue,
    }


def test_the_district_report_of_october_counts_both_streets(people, tree, month):
    report = monthly_report(people.district_leader, tree.district, OCTOBER)
    assert figures(report) == {
        "received": 8,
        "by_channel": [1, 3, 2, 1, 1],
        "by_kind": [4, 2, 2],
        "by_category": [2, 3, 1, 1, 0, 0, 1],
        "by_unit": [("示范区(本级)", 1), ("东街道", 4), ("西街道", 3)],
        "finished": 5,
        "by_outcome": [3, 1, 0, 1, 0],
        "violence_stopped": 2,
        "family_cases": 5,
        "violence_cases": 3,
        "violence_share": Decimal("60.0"),
        "open_at_end": 7,
        "overdue_at_end": 5,
        "closed": 3,
        "follow_ups_done": 3,
        "follow_ups_answered": 2,
        "follow_ups_satisfied": 1,
        "satisfaction": Decimal("50.0"),
        "follow_ups_overdue": 2,
    }
    assert report.sentence() == (
        "2026年10月,共受理来信来访及调解、家暴案件8件,其中来信1件、来访3件、电话/12338 2件、网上1件、"
        "上级转办1件,办结5件,结案3件,制止家庭暴力2起,家庭暴力占婚姻家庭问题的60.0%,月末在办7件,"
        "其中超期5件,回访3次,满意率50.0%。"
    )
    assert (report.unit, report.month, report.month_label) == (tree.district, OCTOBER, "2026年10月")


def test_a_street_cadres_report_of_her_street_excludes_the_other_street(people, tree, month):
    report = monthly_report(people.street_cadre, tree.east, OCTOBER)
    assert figures(report) == {
        "received": 4,
        "by_channel": [0, 3, 1, 0, 0],
        "by_kind": [1, 1, 2],
        "by_category": [2, 2, 0, 0, 0, 0, 0],
        "by_unit": [("东街道(本级)", 1), ("东一社区", 2), ("东二社区", 1)],
        "finished": 3,
        "by_outcome": [2, 1, 0, 0, 0],
        "violence_stopped": 1,
        "family_cases": 4,
        "violence_cases": 2,
        "violence_share": Decimal("50.0"),
        "open_at_end": 3,
        "overdue_at_end": 2,
        "closed": 2,
        "follow_ups_done": 3,
        "follow_ups_answered": 2,
        "follow_ups_satisfied": 1,
        "satisfaction": Decimal("50.0"),
        "follow_ups_overdue": 1,
    }
    assert report.sentence() == (
        "2026年10月,共受理来信来访及调解、家暴案件4件,其中来访3件、电话/12338 1件,办结3件,结案2件,"
        "制止家庭暴力1起,家庭暴力占婚姻家庭问题的50.0%,月末在办3件,其中超期2件,回访3次,满意率50.0%。"
    )


def test_the_west_street_report_has_no_follow_up_done_and_no_satisfaction(people, tree, month):
    report = monthly_report(people.sibling_street_cadre, tree.west, OCTOBER)
    assert figures(report) == {
        "received": 3,
        "by_channel": [1, 0, 0, 1, 1],
        "by_kind": [2, 1, 0],
        "by_category": [0, 1, 1, 1, 0, 0, 0],
        "by_unit": [("西街道(本级)", 1), ("西一社区", 2), ("西二社区", 0)],
        "finished": 2,
        "by_outcome": [1, 0, 0, 1, 0],
        "violence_stopped": 1,
        "family_cases": 1,
        "violence_cases": 1,
        "violence_share": Decimal("100.0"),
        "open_at_end": 3,
        "overdue_at_end": 2,
        "closed": 1,
        "follow_ups_done": 0,
        "follow_ups_answered": 0,
        "follow_ups_satisfied": 0,
        "satisfaction": None,
        "follow_ups_overdue": 1,
    }
    assert report.sentence() == (
        "2026年10月,共受理来信来访及调解、家暴案件3件,其中来信1件、网上1件、上级转办1件,办结2件,结案1件,"
        "制止家庭暴力1起,家庭暴力占婚姻家庭问题的100.0%,月末在办3件,其中超期2件。"
    )


def test_a_street_cadres_report_of_the_district_counts_only_what_she_may_see(people, tree, month):
    report = monthly_report(people.street_cadre, tree.district, OCTOBER)
    east = figures(monthly_report(people.street_cadre, tree.east, OCTOBER))
    assert figures(report) == {**east, "by_unit": [("东街道", 4), ("西街道", 0)]}


def test_a_street_cadres_report_of_the_other_street_is_empty(people, tree, month):
    report = monthly_report(people.street_cadre, tree.west, OCTOBER)
    assert figures(report) == {
        "received": 0,
        "by_channel": [0, 0, 0, 0, 0],
        "by_kind": [0, 0, 0],
        "by_category": [0, 0, 0, 0, 0, 0, 0],
        "by_unit": [("西一社区", 0), ("西二社区", 0)],
        "finished": 0,
        "by_outcome": [0, 0, 0, 0, 0],
        "violence_stopped": 0,
        "family_cases": 0,
        "violence_cases": 0,
        "violence_share": None,
        "open_at_end": 0,
        "overdue_at_end": 0,
        "closed": 0,
        "follow_ups_done": 0,
        "follow_ups_answered": 0,
        "follow_ups_satisfied": 0,
        "satisfaction": None,
        "follow_ups_overdue": 0,
    }
    assert report.sentence() == (
        "2026年10月,共受理来信来访及调解、家暴案件0件,办结0件,结案0件,月末在办0件,其中超期0件。"
    )


@pytest.mark.parametrize("user", ["outsider", "sys_admin", "audit_admin"])
def test_a_user_without_record_rights_gets_an_empty_report(people, tree, month, user):
    report = monthly_report(getattr(people, user), tree.district, OCTOBER)
    assert (report.received, report.finished, report.open_at_end, report.follow_ups_done) == (0, 0, 0, 0)


def test_the_months_around_october(people, tree, month):
    september = monthly_report(people.district_leader, tree.district, dt.date(2026, 9, 1))
    assert (september.received, september.finished, september.closed) == (5, 2, 1)
    assert counts(september.by_outcome) == [1, 0, 1, 0, 0]
    assert (september.open_at_end, september.overdue_at_end) == (4, 3)  # C9, C11, C12, C14; all but C9 late
    november = monthly_report(people.district_leader, tree.district, dt.date(2026, 11, 1))
    assert (november.received, november.finished, november.closed) == (1, 2, 1)
    assert counts(november.by_channel) == [0, 1, 0, 0, 0]
    assert (november.follow_ups_done, november.follow_ups_answered, november.satisfaction) == (1, 1, Decimal("100.0"))


def test_the_report_as_a_dictionary(people, tree, month):
    data = monthly_report(people.district_leader, tree.district, OCTOBER).as_dict()
    assert (data["unit"], data["month"], data["received"]) == ({"id": tree.district.pk, "name": "示范区"}, "2026-10", 8)
    assert (data["violence_share"], data["satisfaction"], data["follow_ups_overdue"]) == ("60.0", "50.0", 2)
    assert data["by_unit"][0] == {"key": tree.district.path, "label": "示范区(本级)", "count": 1}
    assert data["by_category"][1] == {"key": "domestic_violence", "label": "家庭暴力", "count": 3}
    assert data["by_outcome"][3] == {"key": "referred_out", "label": "转有关部门处理", "count": 1}


def test_the_report_takes_a_fixed_number_of_queries(people, tree, month, django_assert_num_queries):
    leader = people.district_leader
    monthly_report(leader, tree.district, OCTOBER)  # the user's memberships are read once and kept
    # received (one pass: channel, kind, category, unit), categories, child units, finished, closed,
    # open and overdue at the month's end, follow-ups done, follow-ups overdue
    with django_assert_num_queries(8):
        monthly_report(leader, tree.district, OCTOBER)
    for i in range(5):
        register(people.district_cadre, tree.east1, received_at=at(2026, 10, 20 + i))
    with django_assert_num_queries(8):
        assert monthly_report(leader, tree.district, OCTOBER).received == 13


def test_a_category_added_by_a_street_shows_in_its_report_and_where_it_was_used(people, tree):
    CaseCategory.objects.create(code="west_land", name="西街道征地", unit=tree.west, sort=15, is_family=False)
    register(people.sibling_street_cadre, tree.west1, category="west_land", received_at=at(2026, 10, 3))
    west = monthly_report(people.district_leader, tree.west, OCTOBER)
    assert [(r.label, r.count) for r in west.by_category][:3] == [("婚姻家庭", 0), ("西街道征地", 1), ("家庭暴力", 0)]
    district = monthly_report(people.district_leader, tree.district, OCTOBER)
    assert [r.label for r in district.by_category][:3] == ["婚姻家庭", "西街道征地", "家庭暴力"]
    east = monthly_report(people.district_leader, tree.east, OCTOBER)
    assert "西街道征地" not in [r.label for r in east.by_category]


def test_a_violence_petition_counts_as_violence_among_family_cases(people, tree):
    register(people.street_cadre, tree.east, kind=Kind.VIOLENCE, received_at=at(2026, 6, 1))
    register(people.street_cadre, tree.east, category="marriage_family", received_at=at(2026, 6, 2))
    register(people.street_cadre, tree.east, category="marriage_family", received_at=at(2026, 6, 3))
    register(people.street_cadre, tree.east, category="labour", received_at=at(2026, 6, 4))
    report = monthly_report(people.street_cadre, tree.east, dt.date(2026, 6, 1))
    assert (report.family_cases, report.violence_cases, report.violence_share) == (3, 1, Decimal("33.3"))


# --- the month asked for -------------------------------------------------------------------------

TODAY = dt.date(2026, 12, 2)


@pytest.mark.parametrize(
    ("value", "first"),
    [
        ("2026-03", dt.date(2026, 3, 1)),
        (" 2026-12 ", dt.date(2026, 12, 1)),
        ("", dt.date(2026, 12, 1)),
        (None, TODAY.replace(day=1)),
    ],
)
def test_parse_month_reads_a_month(value, first):
    assert parse_month(value, today=TODAY) == first


@pytest.mark.parametrize("value", ["2026-13", "26-03", "2026-00", "2026-3", "2026/03", "三月", "2026-03-01"])
def test_parse_month_refuses_a_bad_month(value):
    assert refused(parse_month, value=value, today=TODAY) == "月份格式应为 YYYY-MM,如 2026-03"


@pytest.mark.parametrize("value", ["2027-01", "2026-12"])
def test_parse_month_refuses_a_future_month(value):
    today = dt.date(2026, 11, 30)
    with pytest.raises(ActionError) as exc:
        parse_month(value, today=today)
    assert (exc.value.message, exc.value.field) == ("不能统计未来的月份", "month")
