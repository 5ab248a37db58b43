"""The cases API (/api/cases/…, /api/key-families/…) driven with personal tokens, as a client of a
cadre's would: the register and its filters, intake, the case record, every step, follow-ups, the
overdue lists, the monthly report, key families; and every denial, which changes nothing."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client

from jinguo.accounts.actions import do_issue_token
from jinguo.cases import actions
from jinguo.cases.models import (
    Case,
    CaseEvent,
    CaseNumber,
    CaseParty,
    Channel,
    FollowUp,
    KeyFamily,
    KeyFamilyVisit,
    Kind,
    Outcome,
    Referral,
    Status,
    Transfer,
)
from jinguo.core.dates import cn_date
from jinguo.core.models import AuditEntry
from jinguo.people.models import Person
from jinguo.people.tests.helpers import build_registry

from .helpers import at, case_in, case_row, days_from_today, make_leader, register, set_times, today

pytestmark = pytest.mark.django_db

NOT_FOUND = {"detail": "未找到该记录,或您无权访问"}
UNAUTHENTICATED = {"detail": "未登录或令牌无效"}


# --- clients and readers ----------------------------------------------------------------------------


def api(user: Any) -> Client:
    token, _ = do_issue_token(user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {token}"})


def post(client: Client, url: str, payload: Any) -> Any:
    return client.post(url, data=json.dumps(payload), content_type="application/json")


def patch(client: Client, url: str, payload: Any) -> Any:
    return client.patch(url, data=json.dumps(payload), content_type="application/json")


def js(value: Any) -> Any:
    """A date or a moment as the API writes it."""
    return None if value is None else DjangoJSONEncoder().default(value)


def rows(event: str) -> list[tuple[Any, str, str, Any]]:
    """The audit log's rows of `event`: (actor, model, object pk, detail)."""
    return [
        (e.actor, e.content_type.model if e.content_type else "", e.object_pk, e.additional_data)
        for e in AuditEntry.objects.filter(event=event).order_by("pk")
    ]


def audit_mark() -> int:
    """The last audit row so far: model_rows(since=…) reads what came after it."""
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def model_rows(since: int = 0) -> list[tuple[str, str]]:
    """(event, model) of the change rows written after `since` for the register's tables and persons."""
    models = {"case", "caseparty", "referral", "transfer", "followup", "keyfamily", "keyfamilyvisit", "person"}
    entries = AuditEntry.objects.filter(pk__gt=since, content_type__model__in=models).select_related("content_type")
    return [(e.event, e.content_type.model) for e in entries.order_by("pk") if e.content_type]


def snapshot() -> list[Any]:
    """Every row of the register that a write could touch, to prove a denial changed nothing."""
    return [
        list(
            Case.objects.order_by("pk").values_list(
                "pk", "status", "unit_id", "handler_id", "transfer_to_id", "updated_at", "finish_due", "urgency"
            )
        ),
        [(c.pk, c.narrative, c.request, c.risk_factors) for c in Case.objects.order_by("pk")],
        list(CaseEvent.objects.order_by("pk").values_list("pk", "action")),
        list(CaseParty.objects.order_by("pk").values_list("pk", "case_id")),
        list(Referral.objects.order_by("pk").values_list("pk", "answered_on")),
        list(Transfer.objects.order_by("pk").values_list("pk", "state")),
        list(FollowUp.objects.order_by("pk").values_list("pk", "due_on", "done_on")),
        list(KeyFamily.objects.order_by("pk").values_list("pk", "next_visit_due", "lifted_on")),
        list(KeyFamilyVisit.objects.order_by("pk").values_list("pk", "family_id")),
        list(CaseNumber.objects.order_by("pk").values_list("pk", "last")),
        Person.objects.count(),
    ]


def user_ref(user: Any) -> dict[str, Any]:
    return {"id": user.pk, "username": user.username, "name": user.display_name}


# --- a small register -------------------------------------------------------------------------------


@pytest.fixture
def reg(tree, people):
    return build_registry(tree, people.district_cadre)


class Register:
    """A: petition at 东一社区 for 张晓燕 by letter, 2026-11-02, waiting to be accepted (overdue).
    B: mediation at 东二社区, anonymous, received now, accepted by the street cadre.
    C: violence at 东街道 itself, anonymous, by phone, 2026-11-20, a weapon (overdue).
    D: petition at 西一社区 for 李明, online, labour, 2026-11-10 (overdue)."""

    def __init__(self, tree: Any, people: Any, reg: Any) -> None:
        cadre = people.street_cadre
        self.a = register(
            cadre,
            tree.east1,
            channel=Channel.LETTER,
            person=reg.zhang,
            received_at=at(2026, 11, 2, 9, 30),
            narrative="丈夫不给生活费",
            request="要求协调",
        )
        self.b = register(cadre, tree.east2, kind=Kind.MEDIATION, category="property_land", narrative="宅基地纠纷")
        self.b = actions.do_accept(actor=cadre, case=self.b, handler=cadre)
        self.c = register(
            cadre,
            tree.east,
            kind=Kind.VIOLENCE,
            channel=Channel.PHONE,
            received_at=at(2026, 11, 20, 14),
            narrative="丈夫持刀威胁",
            risk_factors=["weapon"],
        )
        self.d = register(
            people.sibling_street_cadre,
            tree.west1,
            channel=Channel.ONLINE,
            category="labour",
            person=reg.li,
            received_at=at(2026, 11, 10),
            narrative="拖欠工资",
        )


@pytest.fixture
def cases(tree, people, reg):
    return Register(tree, people, reg)


# --- the list ---------------------------------------------------------------------------------------


def test_list_gives_the_cases_of_her_scope_newest_first_with_the_narrative_masked(cases, people, tree, reg):
    body = api(people.street_cadre).get("/api/cases/").json()
    assert (body["count"], body["count_capped"]) == (3, False)
    assert [c["id"] for c in body["items"]] == [cases.b.pk, cases.c.pk, cases.a.pk]
    assert body["items"][2] == {
        "id": cases.a.pk,
        "number": "2026XF00001",
        "kind": "petition",
        "kind_label": "来信来访",
        "category": {"code": "marriage_family", "name": "婚姻家庭"},
        "channel": "letter",
        "channel_label": "来信",
        "received_at": "2026-11-02T01:30:00Z",
        "status": "registered",
        "status_label": "登记",
        "urgency": "normal",
        "urgency_label": "一般",
        "risk_level": "",
        "risk_level_label": "",
        "unit": {"id": tree.east1.pk, "name": "东一社区"},
        "person": {"id": reg.zhang.pk, "name": "张晓燕"},
        "anonymous": False,
        "handler": None,
        "accept_due": "2026-11-05",
        "finish_due": None,
        "overdue": True,
        "transfer_to": None,
        "narrative_masked": "******",
    }
    b = body["items"][0]
    assert (b["number"], b["status"], b["handler"], b["person"], b["anonymous"], b["finish_due"], b["overdue"]) == (
        "2026TJ00001",
        "accepted",
        user_ref(people.street_cadre),
        None,
        True,
        js(days_from_today(15)),
        False,
    )
    c = body["items"][1]
    assert (c["number"], c["category"], c["risk_level"], c["risk_level_label"], c["unit"]) == (
        "2026JB00001",
        {"code": "domestic_violence", "name": "家庭暴力"},
        "high",
        "高",
        {"id": tree.east.pk, "name": "东街道"},
    )
    text = json.dumps(body, ensure_ascii=False)
    assert all(secret not in text for secret in ("丈夫不给生活费", "要求协调", "宅基地纠纷", "丈夫持刀威胁"))
    assert rows("access") == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, "bcda"),
        ({"kind": "petition"}, "da"),
        ({"status": "accepted"}, "b"),
        ({"status": "open"}, "bcda"),
        ({"status": "overdue"}, "cda"),
        ({"overdue": "true"}, "cda"),
        ({"overdue": "true", "kind": "violence"}, "c"),
        ({"category": "labour"}, "d"),
        ({"channel": "phone"}, "c"),
        ({"unit": "east"}, "bca"),
        ({"unit": "east1"}, "a"),
        ({"q": "2026XF00002"}, "d"),
        ({"q": "2026xf00001"}, "a"),
        ({"q": "张"}, "a"),
        ({"q": "李明"}, "d"),
        ({"q": "王"}, ""),
        ({"received_from": "2026-11-10"}, "bcd"),
        ({"received_to": "2026-11-10"}, "da"),
        ({"received_from": "2026-11-10", "received_to": "2026-11-20"}, "cd"),
        ({"limit": 2, "offset": 1}, "cd"),
    ],
)
def test_list_filters(cases, people, tree, params, expected):
    if "unit" in params:
        params = {**params, "unit": getattr(tree, params["unit"]).pk}
    body = api(people.district_cadre).get("/api/cases/", params).json()
    assert [c["id"] for c in body["items"]] == [getattr(cases, x).pk for x in expected]
    assert body["count"] == (4 if "limit" in params else len(expected))


def test_mine_gives_the_cases_she_handles(cases, people):
    body = api(people.street_cadre).get("/api/cases/", {"mine": "true"}).json()
    assert (body["count"], [c["id"] for c in body["items"]]) == (1, [cases.b.pk])
    assert api(people.district_cadre).get("/api/cases/", {"mine": "true"}).json()["count"] == 0


def test_a_unit_outside_her_scope_filters_to_nothing(cases, people, tree):
    body = api(people.street_cadre).get("/api/cases/", {"unit": tree.west.pk}).json()
    assert (body["count"], body["items"]) == (0, [])


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"kind": "letter"}, {"detail": "案件类型“letter”无效,可选:petition、mediation、violence", "field": "kind"}),
        (
            {"status": "done"},
            {
                "detail": "案件状态“done”无效,可选:registered、accepted、in_progress、referred、finished、closing、"
                "closed、open、overdue、to_accept、transfer_in",
                "field": "status",
            },
        ),
        (
            {"channel": "fax"},
            {"detail": "来源渠道“fax”无效,可选:letter、visit、phone、online、referred", "field": "channel"},
        ),
    ],
)
def test_list_refuses_an_unknown_filter_value(cases, people, params, error):
    response = api(people.street_cadre).get("/api/cases/", params)
    assert (response.status_code, response.json()) == (400, error)


@pytest.mark.parametrize("who", ["outsider", "sys_admin", "security_admin", "audit_admin"])
@pytest.mark.parametrize("url", ["/api/cases/", "/api/cases/overdue/", "/api/cases/monthly-report/"])
def test_lists_are_a_404_for_those_who_hold_no_record_permission(cases, people, who, url):
    user = getattr(people, who)
    response = api(user).get(url)
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert rows("denied") == [(user, "case", "", {"reason": "no unit"})]


@pytest.mark.parametrize(
    "url", ["/api/cases/", "/api/cases/overdue/", "/api/cases/monthly-report/", "/api/key-families/"]
)
def test_lists_without_a_token_are_a_401(cases, url):
    response = Client().get(url)
    assert (response.status_code, response.json()) == (401, UNAUTHENTICATED)


def test_the_list_query_count_does_not_grow_with_the_rows(cases, people, tree, django_assert_num_queries):
    client = api(people.district_cadre)
    client.get("/api/cases/")
    # token, memberships, count, rows
    with django_assert_num_queries(4):
        assert client.get("/api/cases/").json()["count"] == 4
    for i in range(10):
        register(people.street_cadre, tree.east2, narrative=f"第{i}件")
    with django_assert_num_queries(4):
        assert len(client.get("/api/cases/").json()["items"]) == 14


# --- intake -----------------------------------------------------------------------------------------


def test_register_a_petition_of_a_registered_person_gives_201_and_the_record(reg, people, tree):
    client = api(people.street_cadre)
    mark = audit_mark()
    response = post(
        client,
        "/api/cases/",
        {
            "unit_id": tree.east1.pk,
            "kind": "petition",
            "channel": "visit",
            "category": "marriage_family",
            "received_at": "2026-11-30T09:00:00+08:00",
            "person_id": reg.zhang.pk,
            "narrative": "  丈夫不给生活费  ",
            "request": "要求协调",
            "urgency": "urgent",
            "parties": [{"name": "王强", "role": "respondent", "relation": "丈夫", "phone": "13900001111"}],
        },
    )
    assert response.status_code == 201
    case = Case.objects.get()
    event = CaseEvent.objects.get()
    party = CaseParty.objects.get()
    assert response.json() == {
        "id": case.pk,
        "number": "2026XF00001",
        "kind": "petition",
        "kind_label": "来信来访",
        "category": {"code": "marriage_family", "name": "婚姻家庭"},
        "channel": "visit",
        "channel_label": "来访",
        "received_at": "2026-11-30T01:00:00Z",
        "status": "registered",
        "status_label": "登记",
        "urgency": "urgent",
        "urgency_label": "紧急",
        "risk_level": "",
        "risk_level_label": "",
        "unit": {"id": tree.east1.pk, "name": "东一社区"},
        "person": {"id": reg.zhang.pk, "name": "张晓燕"},
        "anonymous": False,
        "handler": None,
        "accept_due": "2026-12-03",
        "finish_due": None,
        "overdue": case.is_overdue(),
        "transfer_to": None,
        "narrative_masked": "******",
        "narrative": "丈夫不给生活费",
        "request": "要求协调",
        "risk_factors": [],
        "registered_by": user_ref(people.street_cadre),
        "accepted_at": None,
        "finished_at": None,
        "closed_at": None,
        "outcome": "",
        "outcome_label": "",
        "outcome_note": "",
        "violence_stopped": False,
        "close_requested_by": None,
        "parties": [
            {
                "id": party.pk,
                "role": "respondent",
                "role_label": "对方当事人",
                "name": "王强",
                "relation": "丈夫",
                "phone": "139****1111",
            }
        ],
        "events": [
            {
                "at": js(event.at),
                "actor": "street_cadre",
                "action": "register",
                "from_status": "",
                "to_status": "registered",
                "note": "",
            }
        ],
        "referrals": [],
        "transfers": [],
        "follow_ups": [],
        "mediators": [],
        "sessions": [],
        "agreement_reached": None,
        "agreement_terms": "",
        "agreement_on": None,
        "actions": ["accept", "transfer", "note"],
    }
    assert (party.phone, case.registered_by, case.person) == ("13900001111", people.street_cadre, reg.zhang)
    assert model_rows(mark) == [("create", "case"), ("create", "caseparty")]
    assert rows("access") == []


def test_register_a_new_person_on_the_spot(reg, people, tree):
    client = api(people.street_cadre)
    mark = audit_mark()
    response = post(
        client,
        "/api/cases/",
        {
            "unit_id": tree.east2.pk,
            "kind": "mediation",
            "channel": "phone",
            "category": "property_land",
            "new_person": {"name": "刘芳", "gender": "F", "phone": "13911112222"},
            "narrative": "邻里宅基地纠纷",
        },
    )
    assert response.status_code == 201
    person = Person.objects.get(name="刘芳")
    body = response.json()
    assert (body["number"], body["person"], body["anonymous"], body["unit"]["name"]) == (
        "2026TJ00001",
        {"id": person.pk, "name": "刘芳"},
        False,
        "东二社区",
    )
    assert (person.unit, person.phone, person.gender) == (tree.east2, "13911112222", "F")
    assert model_rows(mark) == [("create", "person"), ("create", "case")]


def test_register_an_anonymous_violence_incident_with_its_risk_and_one_access_row(people, tree):
    response = post(
        api(people.community_cadre),
        "/api/cases/",
        {
            "unit_id": tree.east1.pk,
            "kind": "violence",
            "channel": "phone",
            "anonymous": True,
            "narrative": "邻居报告听到呼救",
            "risk_factors": ["escalating", "children", "children"],
            "parties": [{"name": "赵某", "role": "abuser"}],
        },
    )
    assert response.status_code == 201
    body = response.json()
    case = Case.objects.get()
    assert (body["number"], body["category"], body["person"], body["risk_level"], body["risk_factors"]) == (
        "2026JB00001",
        {"code": "domestic_violence", "name": "家庭暴力"},
        None,
        "medium",
        [
            {"code": "escalating", "label": "暴力次数增多、程度加重"},
            {"code": "children", "label": "对子女施暴或当着子女施暴"},
        ],
    )
    assert [(p["name"], p["role_label"], p["phone"]) for p in body["parties"]] == [("赵某", "施暴人", "")]
    assert rows("access") == [(people.community_cadre, "case", str(case.pk), {"opened": "violence_case"})]


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"narrative": ""}, {"detail": "请填写事由", "field": "narrative"}),
        ({"narrative": "   "}, {"detail": "请填写事由", "field": "narrative"}),
        (
            {"channel": "fax"},
            {"detail": "来源渠道“fax”无效,可选:来信、来访、电话/12338、网上、上级转办", "field": "channel"},
        ),
        ({"kind": "letter"}, {"detail": "案件类型“letter”无效,可选:来信来访、调解、家庭暴力", "field": "kind"}),
        ({"urgency": "now"}, {"detail": "紧急程度“now”无效,可选:一般、紧急、特急", "field": "urgency"}),
        ({"category": None}, {"detail": "请选择案件类别", "field": "category"}),
        ({"category": "nope"}, {"detail": "案件类别“nope”不存在", "field": "category"}),
        ({"person_id": "li"}, {"detail": "该人员不存在,或不在您可查看的范围内", "field": "person_id"}),
        ({"person_id": 999999}, {"detail": "该人员不存在,或不在您可查看的范围内", "field": "person_id"}),
        (
            {"person_id": "zhang", "anonymous": True},
            {"detail": "请选择已登记的人员、登记新人员或匿名,三者选一", "field": "person"},
        ),
        ({"person_id": None}, {"detail": "请选择已登记的人员、登记新人员或匿名,三者选一", "field": "person"}),
        (
            {"risk_factors": ["weapon"]},
            {"detail": "只有家庭暴力案件需要评估风险因素", "field": "risk_factors"},
        ),
        (
            {"kind": "violence", "risk_factors": ["knife"]},
            {"detail": "风险因素“knife”无效", "field": "risk_factors"},
        ),
        ({"received_at": "2099-01-01T00:00:00+08:00"}, {"detail": "登记时间不能晚于现在", "field": "received_at"}),
        ({"parties": [{"name": " "}]}, {"detail": "请填写当事人姓名", "field": "parties"}),
        (
            {"parties": [{"name": "王强", "role": "judge"}]},
            {"detail": "当事人身份“judge”无效,可选:对方当事人、施暴人、其他当事人", "field": "parties"},
        ),
        (
            {"person_id": None, "new_person": {"name": "刘芳"}},
            {"detail": "请选择性别", "field": "new_person.gender"},
        ),
        (
            {"person_id": None, "new_person": {"name": "刘芳", "gender": "F", "phone": "12345"}},
            {"detail": "电话号码无效:手机号应为11位,固定电话请带区号", "field": "new_person.phone"},
        ),
    ],
)
def test_register_refuses_bad_input_with_400_and_creates_nothing(reg, people, tree, payload, error):
    payload = dict(payload)
    for key in ("person_id",):
        if isinstance(payload.get(key), str):
            payload[key] = getattr(reg, payload[key]).pk
    body = {
        "unit_id": tree.east1.pk,
        "kind": "petition",
        "channel": "visit",
        "category": "marriage_family",
        "person_id": reg.zhang.pk,
        "narrative": "丈夫不给生活费",
        **payload,
    }
    client = api(people.street_cadre)
    before, mark = snapshot(), audit_mark()
    response = post(client, "/api/cases/", body)
    assert (response.status_code, response.json()) == (400, error)
    assert snapshot() == before
    assert model_rows(mark) == []


@pytest.mark.parametrize(
    ("who", "unit"), [("street_cadre", "west1"), ("readonly_user", "east1"), ("outsider", "east1")]
)
def test_register_at_a_unit_she_may_not_work_at_is_a_404(reg, people, tree, who, unit):
    before = snapshot()
    response = post(
        api(getattr(people, who)),
        "/api/cases/",
        {
            "unit_id": getattr(tree, unit).pk,
            "kind": "petition",
            "channel": "visit",
            "category": "marriage_family",
            "anonymous": True,
            "narrative": "丈夫不给生活费",
        },
    )
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert snapshot() == before
    assert len(rows("denied")) == 1


# --- the record -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("street_cadre", 200),
        ("community_cadre", 200),
        ("readonly_user", 200),
        ("district_cadre", 200),
        ("district_leader", 200),
        ("sibling_street_cadre", 404),
        ("outsider", 404),
        ("sys_admin", 404),
        ("security_admin", 404),
        ("audit_admin", 404),
    ],
)
def test_who_may_open_a_case_of_dong_yi(cases, people, who, status):
    user = getattr(people, who)
    response = api(user).get(f"/api/cases/{cases.a.pk}/")
    assert response.status_code == status
    if status == 404:
        assert response.json() == NOT_FOUND
        assert rows("denied") == [(user, "case", str(cases.a.pk), None)]
    else:
        assert (response.json()["id"], response.json()["narrative"]) == (cases.a.pk, "丈夫不给生活费")
        assert rows("denied") == []


def test_a_community_cadre_cannot_open_a_case_of_her_street(cases, people):
    response = api(people.community_cadre).get(f"/api/cases/{cases.c.pk}/")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_a_case_without_a_token_is_a_401(cases):
    response = Client().get(f"/api/cases/{cases.a.pk}/")
    assert (response.status_code, response.json()) == (401, UNAUTHENTICATED)


def test_a_missing_case_is_the_same_404(cases, people):
    response = api(people.street_cadre).get("/api/cases/999999/")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_each_opening_of_a_violence_case_writes_exactly_one_access_row(cases, people):
    client = api(people.district_leader)
    url = f"/api/cases/{cases.c.pk}/"
    assert client.get(url).status_code == 200
    assert rows("access") == [(people.district_leader, "case", str(cases.c.pk), {"opened": "violence_case"})]
    body = client.get(url).json()
    assert body["narrative"] == "丈夫持刀威胁"
    assert len(rows("access")) == 2
    client.get(f"/api/cases/{cases.a.pk}/")  # a petition: no access row
    client.get("/api/cases/")
    assert len(rows("access")) == 2


def test_a_refused_opening_of_a_violence_case_writes_no_access_row(cases, people):
    assert api(people.sibling_street_cadre).get(f"/api/cases/{cases.c.pk}/").status_code == 404
    assert rows("access") == []
    assert rows("denied") == [(people.sibling_street_cadre, "case", str(cases.c.pk), None)]


def test_the_steps_offered_depend_on_who_asks(cases, people):
    def steps(user: Any, case: Case) -> list[str]:
        return api(user).get(f"/api/cases/{case.pk}/").json()["actions"]

    assert steps(people.street_cadre, cases.a) == ["accept", "transfer", "note"]
    assert steps(people.district_leader, cases.b) == ["start", "refer", "finish", "transfer", "note"]
    assert steps(people.readonly_user, cases.a) == []
    assert steps(people.community_cadre, cases.a) == ["accept", "transfer", "note"]


# --- writes refused ---------------------------------------------------------------------------------


WRITES = [
    ("patch", "", {"narrative": "改写"}),
    ("post", "transitions/", {"action": "accept"}),
    ("post", "transitions/", {"action": "note", "note": "电话联系"}),
    ("post", "follow-ups/", {"due_on": "2099-01-01"}),
]


@pytest.mark.parametrize(("method", "tail", "payload"), WRITES)
@pytest.mark.parametrize("who", ["sibling_street_cadre", "readonly_user", "outsider", "audit_admin"])
def test_writes_of_those_who_may_not_handle_the_case_are_a_404_and_change_nothing(
    cases, people, who, method, tail, payload
):
    user = getattr(people, who)
    before = snapshot()
    client = api(user)
    send = patch if method == "patch" else post
    response = send(client, f"/api/cases/{cases.a.pk}/{tail}", payload)
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert snapshot() == before
    reason = {"reason": "edit_records"} if who == "readonly_user" else None
    assert rows("denied") == [(user, "case", str(cases.a.pk), reason)]


def test_the_readonly_user_reads_but_cannot_record_a_follow_up(tree, people):
    case = case_in(Status.CLOSED, unit=tree.east1, cadre=people.street_cadre, leader=people.district_leader)
    follow_up = FollowUp.objects.get(case=case)
    client = api(people.readonly_user)
    listed = client.get(f"/api/cases/{case.pk}/follow-ups/")
    assert (listed.status_code, [f["id"] for f in listed.json()]) == (200, [follow_up.pk])
    before = snapshot()
    response = post(client, f"/api/cases/{case.pk}/follow-ups/{follow_up.pk}/", {"way": "phone", "result": "好"})
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert snapshot() == before


def test_anonymous_writes_are_a_401(cases):
    before = snapshot()
    response = post(Client(), f"/api/cases/{cases.a.pk}/transitions/", {"action": "note", "note": "x"})
    assert (response.status_code, response.json()) == (401, UNAUTHENTICATED)
    assert snapshot() == before


# --- changing what was registered -------------------------------------------------------------------


def test_patch_changes_only_what_is_sent_and_notes_it_in_the_timeline(cases, people):
    response = patch(
        api(people.street_cadre), f"/api/cases/{cases.a.pk}/", {"urgency": "critical", "narrative": "丈夫拒付抚养费"}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["urgency"], body["narrative"], body["request"], body["channel"]) == (
        "critical",
        "丈夫拒付抚养费",
        "要求协调",
        "letter",
    )
    assert [(e["action"], e["note"]) for e in body["events"]] == [("register", ""), ("update", "修改了紧急程度、事由")]
    case = Case.objects.get(pk=cases.a.pk)
    assert (case.urgency, case.narrative) == ("critical", "丈夫拒付抚养费")


def test_patch_of_the_risk_factors_moves_the_level(cases, people):
    response = patch(api(people.street_cadre), f"/api/cases/{cases.c.pk}/", {"risk_factors": ["escalating"]})
    body = response.json()
    assert (body["risk_level"], body["risk_factors"], body["events"][-1]["note"]) == (
        "medium",
        [{"code": "escalating", "label": "暴力次数增多、程度加重"}],
        "修改了风险等级(高→中)",
    )
    assert rows("access") == [(people.street_cadre, "case", str(cases.c.pk), {"opened": "violence_case"})]


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"narrative": ""}, {"detail": "请填写事由", "field": "narrative"}),
        ({"channel": None}, {"detail": "请选择来源渠道", "field": "channel"}),
        ({"urgency": "x"}, {"detail": "紧急程度“x”无效,可选:一般、紧急、特急", "field": "urgency"}),
        ({"category": "nope"}, {"detail": "案件类别“nope”不存在", "field": "category"}),
        ({"risk_factors": ["weapon"]}, {"detail": "只有家庭暴力案件需要评估风险因素", "field": "risk_factors"}),
    ],
)
def test_patch_refuses_bad_input_and_changes_nothing(cases, people, payload, error):
    before = snapshot()
    response = patch(api(people.street_cadre), f"/api/cases/{cases.a.pk}/", payload)
    assert (response.status_code, response.json()) == (400, error)
    assert snapshot() == before


def test_a_closed_case_is_not_changed(tree, people):
    case = case_in(Status.CLOSED, unit=tree.east1, cadre=people.street_cadre, leader=people.district_leader)
    before = snapshot()
    response = patch(api(people.street_cadre), f"/api/cases/{case.pk}/", {"urgency": "urgent"})
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "案件已结案,如需修改请先重新办理", "field": "status"},
    )
    assert snapshot() == before


# --- the life of a case -----------------------------------------------------------------------------


def test_a_case_goes_from_registered_to_closed_and_followed_up(reg, people, tree):
    cadre, leader = api(people.street_cadre), api(people.district_leader)
    case = register(people.community_cadre, tree.east1, person=reg.zhang)
    url = f"/api/cases/{case.pk}/transitions/"

    def go(client: Client, payload: dict[str, Any]) -> dict[str, Any]:
        response = post(client, url, payload)
        assert response.status_code == 200, response.json()
        return response.json()

    body = go(cadre, {"action": "accept", "handler_id": people.community_cadre.pk})
    assert (body["status"], body["handler"], body["finish_due"], body["actions"]) == (
        "accepted",
        user_ref(people.community_cadre),
        js(days_from_today(15)),
        ["start", "refer", "finish", "transfer", "note"],
    )
    body = go(cadre, {"action": "start", "note": "约谈双方"})
    assert (body["status"], body["actions"]) == ("in_progress", ["refer", "finish", "transfer", "note"])
    body = go(cadre, {"action": "refer", "to": "legal_aid", "organisation": "区法律援助中心", "note": "需律师代理"})
    referral = Referral.objects.get()
    assert (body["status"], body["actions"], body["referrals"]) == (
        "referred",
        ["answer_referral", "finish", "note"],
        [
            {
                "id": referral.pk,
                "to": "legal_aid",
                "to_label": "法律援助",
                "organisation": "区法律援助中心",
                "referred_on": js(today()),
                "referred_by": "street_cadre",
                "note": "需律师代理",
                "answer": "",
                "answered_on": None,
            }
        ],
    )
    body = go(cadre, {"action": "answer_referral", "answer": "已指派律师"})
    assert (body["status"], body["referrals"][0]["answer"], body["referrals"][0]["answered_on"]) == (
        "in_progress",
        "已指派律师",
        js(today()),
    )
    body = go(cadre, {"action": "finish", "outcome": "resolved", "note": "达成和解"})
    assert (body["status"], body["outcome"], body["outcome_label"], body["outcome_note"], body["actions"]) == (
        "finished",
        "resolved",
        "已解决",
        "达成和解",
        ["close", "reopen", "note"],
    )
    body = go(cadre, {"action": "close"})
    assert (body["status"], body["close_requested_by"], body["actions"]) == (
        "closing",
        user_ref(people.street_cadre),
        ["reopen", "note"],
    )
    assert leader.get(f"/api/cases/{case.pk}/").json()["actions"] == ["approve_close", "reject_close", "reopen", "note"]
    body = go(leader, {"action": "approve_close"})
    follow_up = FollowUp.objects.get()
    due = days_from_today(30)
    assert (body["status"], body["actions"], body["follow_ups"]) == (
        "closed",
        ["reopen", "note"],
        [
            {
                "id": follow_up.pk,
                "due_on": js(due),
                "done_on": None,
                "way": "",
                "way_label": "",
                "result": "",
                "satisfied": None,
                "by": None,
                "overdue": False,
            }
        ],
    )
    response = post(
        cadre,
        f"/api/cases/{case.pk}/follow-ups/{follow_up.pk}/",
        {"way": "home", "result": "生活恢复正常", "satisfied": True},
    )
    assert (response.status_code, response.json()) == (
        200,
        {
            "id": follow_up.pk,
            "due_on": js(due),
            "done_on": js(today()),
            "way": "home",
            "way_label": "上门",
            "result": "生活恢复正常",
            "satisfied": True,
            "by": "street_cadre",
            "overdue": False,
        },
    )
    events = list(
        CaseEvent.objects.filter(case=case)
        .order_by("at", "pk")
        .values_list("action", "from_status", "to_status", "actor__username", "note")
    )
    assert events == [
        ("register", "", "registered", "community_cadre", ""),
        ("accept", "registered", "accepted", "street_cadre", "承办人:community_cadre"),
        ("start", "accepted", "in_progress", "street_cadre", "约谈双方"),
        ("refer", "in_progress", "referred", "street_cadre", "转介至区法律援助中心(法律援助)"),
        ("answer_referral", "referred", "in_progress", "street_cadre", "区法律援助中心已反馈"),
        ("finish", "in_progress", "finished", "street_cadre", "已解决"),
        ("close", "finished", "closing", "street_cadre", ""),
        (
            "approve_close",
            "closing",
            "closed",
            "district_leader",
            f"计划{cn_date(due)}前首次回访",
        ),
        ("follow_up", "closed", "closed", "street_cadre", "上门回访,满意"),
    ]
    timeline = api(people.readonly_user).get(f"/api/cases/{case.pk}/").json()["events"]
    assert [(e["action"], e["actor"], e["from_status"], e["to_status"], e["note"]) for e in timeline] == [
        (a, actor, f, t, n) for a, f, t, actor, n in events
    ]
    assert rows("access") == []


def test_the_handler_cannot_approve_the_close_of_her_own_case(tree, people):
    case = case_in(
        Status.CLOSING,
        unit=tree.east1,
        cadre=people.street_cadre,
        leader=people.district_leader,
        handler=people.district_leader,
    )
    client = api(people.district_leader)
    assert client.get(f"/api/cases/{case.pk}/").json()["actions"] == ["reopen", "note"]
    before, row = snapshot(), case_row(case)
    response = post(client, f"/api/cases/{case.pk}/transitions/", {"action": "approve_close"})
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "承办人或申请人不能批准自己办理的案件结案,请由其他领导审批"},
    )
    assert (snapshot(), case_row(case)) == (before, row)


def test_the_one_who_asked_to_close_cannot_approve_it_another_leader_can(tree, people):
    case = case_in(Status.FINISHED, unit=tree.east1, cadre=people.street_cadre, leader=people.district_leader)
    leader = api(people.district_leader)
    url = f"/api/cases/{case.pk}/transitions/"
    assert post(leader, url, {"action": "close"}).json()["status"] == "closing"
    before = snapshot()
    response = post(leader, url, {"action": "approve_close"})
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "承办人或申请人不能批准自己办理的案件结案,请由其他领导审批"},
    )
    assert snapshot() == before
    other = make_leader("another_leader", tree.district)
    response = post(api(other), url, {"action": "approve_close", "note": "同意结案"})
    assert (response.status_code, response.json()["status"], response.json()["events"][-1]["note"]) == (
        200,
        "closed",
        "同意结案",
    )
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED


def test_a_cadre_without_approval_cannot_approve_or_reject_a_close(tree, people):
    case = case_in(Status.CLOSING, unit=tree.east1, cadre=people.community_cadre, leader=people.district_leader)
    before = snapshot()
    client = api(people.street_cadre)
    url = f"/api/cases/{case.pk}/transitions/"
    approve = post(client, url, {"action": "approve_close"})
    reject = post(client, url, {"action": "reject_close", "reason": "材料不全"})
    assert (approve.status_code, approve.json()) == (
        400,
        {"detail": "只有本单位或上级单位的领导可以批准结案", "field": "unit"},
    )
    assert (reject.status_code, reject.json()) == (
        400,
        {"detail": "只有本单位或上级单位的领导可以审批结案", "field": "unit"},
    )
    assert snapshot() == before


def test_a_leader_sends_a_close_back_and_the_case_is_reopened(tree, people):
    case = case_in(Status.CLOSING, unit=tree.east1, cadre=people.street_cadre, leader=people.district_leader)
    url = f"/api/cases/{case.pk}/transitions/"
    body = post(api(people.district_leader), url, {"action": "reject_close", "reason": "缺少回访记录"}).json()
    assert (body["status"], body["close_requested_by"], body["events"][-1]["note"]) == (
        "finished",
        None,
        "缺少回访记录",
    )
    body = post(api(people.street_cadre), url, {"action": "reopen", "reason": "当事人再次求助"}).json()
    assert (body["status"], body["outcome"], body["finished_at"], body["finish_due"]) == (
        "in_progress",
        "",
        None,
        js(days_from_today(15)),
    )


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        (Status.REGISTERED, "start", "案件当前状态为“登记”,不能开始办理"),
        (Status.REGISTERED, "refer", "案件当前状态为“登记”,不能转介"),
        (Status.REGISTERED, "answer_referral", "案件当前状态为“登记”,不能登记转介反馈"),
        (Status.REGISTERED, "finish", "案件当前状态为“登记”,不能办结"),
        (Status.REGISTERED, "close", "案件当前状态为“登记”,不能申请结案"),
        (Status.REGISTERED, "approve_close", "案件当前状态为“登记”,不能批准结案"),
        (Status.REGISTERED, "reject_close", "案件当前状态为“登记”,不能退回结案申请"),
        (Status.REGISTERED, "reopen", "案件当前状态为“登记”,不能重新办理"),
        (Status.ACCEPTED, "accept", "案件当前状态为“受理”,不能受理"),
        (Status.ACCEPTED, "answer_referral", "案件当前状态为“受理”,不能登记转介反馈"),
        (Status.IN_PROGRESS, "close", "案件当前状态为“办理中”,不能申请结案"),
        (Status.IN_PROGRESS, "reopen", "案件当前状态为“办理中”,不能重新办理"),
        (Status.REFERRED, "refer", "案件当前状态为“转介中”,不能转介"),
        (Status.REFERRED, "transfer", "案件当前状态为“转介中”,不能转办"),
        (Status.FINISHED, "finish", "案件当前状态为“办结”,不能办结"),
        (Status.FINISHED, "transfer", "案件当前状态为“办结”,不能转办"),
        (Status.FINISHED, "approve_close", "案件当前状态为“办结”,不能批准结案"),
        (Status.CLOSING, "accept", "案件当前状态为“待审批结案”,不能受理"),
        (Status.CLOSING, "close", "案件当前状态为“待审批结案”,不能申请结案"),
        (Status.CLOSED, "approve_close", "案件当前状态为“结案”,不能批准结案"),
        (Status.CLOSED, "reject_close", "案件当前状态为“结案”,不能退回结案申请"),
        (Status.CLOSED, "start", "案件当前状态为“结案”,不能开始办理"),
        (Status.CLOSED, "accept_transfer", "该案件没有待接收的转办"),
        (Status.REGISTERED, "reject_transfer", "该案件没有待接收的转办"),
    ],
)
def test_every_illegal_step_is_refused_with_its_message_and_changes_nothing(tree, people, status, action, message):
    case = case_in(status, unit=tree.east1, cadre=people.street_cadre, leader=people.district_leader)
    # valid fields for every step: only the status stands in the way
    payload = {
        "action": action,
        "handler_id": people.street_cadre.pk,
        "to": "police",
        "organisation": "东街派出所",
        "answer": "已出警",
        "outcome": "resolved",
        "reason": "理由",
        "to_unit_id": tree.east2.pk,
    }
    before, row = snapshot(), case_row(case)
    response = post(api(people.district_leader), f"/api/cases/{case.pk}/transitions/", payload)
    assert (response.status_code, response.json()) == (400, {"detail": message})
    assert (snapshot(), case_row(case)) == (before, row)


def test_an_unknown_step_is_a_400_naming_the_valid_ones(cases, people):
    before = snapshot()
    response = post(api(people.street_cadre), f"/api/cases/{cases.a.pk}/transitions/", {"action": "delete"})
    assert (response.status_code, response.json()) == (
        400,
        {
            "detail": "操作“delete”无效,可选:accept、start、refer、answer_referral、finish、close、approve_close、"
            "reject_close、reopen、transfer、accept_transfer、reject_transfer、note",
            "field": "action",
        },
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"action": "accept", "handler_id": "readonly_user"}, "承办人须是本单位或上级单位有办理权限的干部"),
        ({"action": "accept", "handler_id": "sibling_street_cadre"}, "承办人须是本单位或上级单位有办理权限的干部"),
        ({"action": "accept", "handler_id": 999999}, "承办人须是本单位或上级单位有办理权限的干部"),
        ({"action": "note", "note": " "}, "请填写办理记录"),
        ({"action": "transfer", "reason": "属地", "to_unit_id": "west1"}, "只能转给上级或下级单位"),
        ({"action": "transfer", "reason": "属地", "to_unit_id": "east1"}, "请选择其他单位"),
        ({"action": "transfer", "reason": "", "to_unit_id": "east"}, "请填写转办理由"),
    ],
)
def test_a_step_with_bad_fields_is_refused(cases, people, tree, payload, error):
    payload = dict(payload)
    if isinstance(payload.get("handler_id"), str):
        payload["handler_id"] = getattr(people, payload["handler_id"]).pk
    if isinstance(payload.get("to_unit_id"), str):
        payload["to_unit_id"] = getattr(tree, payload["to_unit_id"]).pk
    before = snapshot()
    response = post(api(people.street_cadre), f"/api/cases/{cases.a.pk}/transitions/", payload)
    assert (response.status_code, response.json()["detail"]) == (400, error)
    assert snapshot() == before


def test_a_violence_case_finished_with_the_violence_stopped(cases, people):
    client = api(people.street_cadre)
    url = f"/api/cases/{cases.c.pk}/transitions/"
    post(client, url, {"action": "accept"})
    body = post(client, url, {"action": "finish", "outcome": "partly", "violence_stopped": True}).json()
    assert (body["status"], body["violence_stopped"], body["handler"], body["events"][-1]["note"]) == (
        "finished",
        True,
        user_ref(people.street_cadre),
        "部分解决(制止家庭暴力)",
    )
    # each answer carried the whole record of a violence case: one access row each
    assert rows("access") == [(people.street_cadre, "case", str(cases.c.pk), {"opened": "violence_case"})] * 2


# --- transfers --------------------------------------------------------------------------------------


def test_a_case_transferred_down_is_answered_by_the_receiving_community(cases, people, tree):
    street, community = api(people.street_cadre), api(people.community_cadre)
    url = f"/api/cases/{cases.c.pk}/transitions/"
    assert community.get(f"/api/cases/{cases.c.pk}/").status_code == 404
    body = post(street, url, {"action": "transfer", "to_unit_id": tree.east1.pk, "reason": "属地办理"}).json()
    transfer = Transfer.objects.get()
    # the street holds 东一社区 too, but the one who sent a transfer does not answer it
    assert (body["transfer_to"], body["actions"], body["transfers"]) == (
        {"id": tree.east1.pk, "name": "东一社区"},
        ["note"],
        [
            {
                "id": transfer.pk,
                "from_unit": {"id": tree.east.pk, "name": "东街道"},
                "to_unit": {"id": tree.east1.pk, "name": "东一社区"},
                "reason": "属地办理",
                "requested_by": "street_cadre",
                "requested_at": js(transfer.requested_at),
                "state": "pending",
                "state_label": "待接收",
                "decided_by": None,
                "decided_at": None,
                "decision_reason": "",
            }
        ],
    )
    assert community.get(f"/api/cases/{cases.c.pk}/").json()["actions"] == ["accept_transfer", "reject_transfer"]
    listed = community.get("/api/cases/", {"status": "transfer_in"}).json()
    assert [c["id"] for c in listed["items"]] == [cases.c.pk]
    # the receiver answers the transfer, she does not handle the case meanwhile; nor does the street
    before = snapshot()
    refused = post(community, url, {"action": "note", "note": "先看看"})
    assert (refused.status_code, refused.json()) == (404, NOT_FOUND)
    held = post(street, url, {"action": "start"})
    assert (held.status_code, held.json()) == (400, {"detail": "案件正在转办,等待接收单位处理,暂不能办理"})
    assert snapshot() == before
    body = post(community, url, {"action": "accept_transfer"}).json()
    assert (body["unit"], body["transfer_to"], body["status"], body["handler"], body["actions"]) == (
        {"id": tree.east1.pk, "name": "东一社区"},
        None,
        "registered",
        None,
        ["accept", "transfer", "note"],
    )
    assert (body["transfers"][0]["state"], body["transfers"][0]["decided_by"]) == ("accepted", "community_cadre")
    assert Case.objects.get(pk=cases.c.pk).unit == tree.east1


def test_a_case_transferred_up_is_answered_above_not_by_the_one_who_sent_it(cases, people, tree):
    street, community = api(people.street_cadre), api(people.community_cadre)
    url = f"/api/cases/{cases.a.pk}/transitions/"
    body = post(community, url, {"action": "transfer", "to_unit_id": tree.east.pk, "reason": "需街道协调"}).json()
    assert (body["transfer_to"], body["actions"]) == ({"id": tree.east.pk, "name": "东街道"}, ["note"])
    before = snapshot()
    not_hers = post(community, url, {"action": "accept_transfer"})
    assert (not_hers.status_code, not_hers.json()) == (400, {"detail": "只有接收单位可以接收转办", "field": "unit"})
    assert snapshot() == before
    body = post(street, url, {"action": "accept_transfer"}).json()
    assert (body["unit"], body["status"], body["accept_due"]) == (
        {"id": tree.east.pk, "name": "东街道"},
        "registered",
        js(days_from_today(3)),
    )
    assert community.get(f"/api/cases/{cases.a.pk}/").status_code == 404


def test_a_receiver_who_sends_a_transfer_back_loses_sight_of_the_case(cases, people, tree):
    street, community = api(people.street_cadre), api(people.community_cadre)
    url = f"/api/cases/{cases.c.pk}/transitions/"
    post(street, url, {"action": "transfer", "to_unit_id": tree.east1.pk, "reason": "属地办理"})
    response = post(community, url, {"action": "reject_transfer", "reason": "不在本社区"})
    assert response.status_code == 200
    body = response.json()
    assert (body["transfer_to"], body["unit"]["name"], body["actions"], body["transfers"][0]["state"]) == (
        None,
        "东街道",
        [],
        "rejected",
    )
    assert body["transfers"][0]["decision_reason"] == "不在本社区"
    assert community.get(f"/api/cases/{cases.c.pk}/").status_code == 404
    assert street.get(f"/api/cases/{cases.c.pk}/").json()["actions"] == ["accept", "transfer", "note"]


# --- follow-ups -------------------------------------------------------------------------------------


def test_follow_ups_are_listed_planned_and_recorded(tree, people):
    case = case_in(Status.CLOSED, unit=tree.east1, cadre=people.street_cadre, leader=people.district_leader)
    first = FollowUp.objects.get()
    client = api(people.street_cadre)
    url = f"/api/cases/{case.pk}/follow-ups/"
    planned = post(client, url, {"due_on": js(days_from_today(60))})
    second = FollowUp.objects.exclude(pk=first.pk).get()
    assert (planned.status_code, planned.json()) == (
        201,
        {
            "id": second.pk,
            "due_on": js(days_from_today(60)),
            "done_on": None,
            "way": "",
            "way_label": "",
            "result": "",
            "satisfied": None,
            "by": None,
            "overdue": False,
        },
    )
    done = post(
        client,
        f"{url}{first.pk}/",
        {"way": "phone", "result": "已复工", "satisfied": False, "next_due": js(days_from_today(90))},
    )
    assert (done.status_code, done.json()["done_on"], done.json()["satisfied"]) == (200, js(today()), False)
    listed = client.get(url).json()
    assert [(f["due_on"], f["done_on"], f["way"], f["by"]) for f in listed] == [
        (js(days_from_today(30)), js(today()), "phone", "street_cadre"),
        (js(days_from_today(60)), None, "", None),
        (js(days_from_today(90)), None, "", None),
    ]
    notes = [e.note for e in CaseEvent.objects.filter(case=case, action__startswith="follow_up").order_by("pk")]
    assert notes == [
        f"计划{cn_date(days_from_today(60))}回访",
        "电话回访,不满意",
    ]


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"way": "mail", "result": "好"}, {"detail": "请选择回访方式", "field": "way"}),
        ({"way": "phone", "result": ""}, {"detail": "请填写回访情况", "field": "result"}),
        (
            {"way": "phone", "result": "好", "done_on": "2099-01-01"},
            {"detail": "回访日期不能晚于今天", "field": "done_on"},
        ),
        (
            {"way": "phone", "result": "好", "done_on": "2020-01-01"},
            {"detail": "回访日期不能早于结案日期", "field": "done_on"},
        ),
    ],
)
def test_a_follow_up_with_bad_input_is_refused(tree, people, payload, error):
    case = case_in(Status.CLOSED, unit=tree.east1, cadre=people.street_cadre, leader=people.district_leader)
    follow_up = FollowUp.objects.get()
    before = snapshot()
    response = post(api(people.street_cadre), f"/api/cases/{case.pk}/follow-ups/{follow_up.pk}/", payload)
    assert (response.status_code, response.json()) == (400, error)
    assert snapshot() == before


def test_follow_ups_of_an_open_case_are_refused_and_another_cases_follow_up_is_a_404(cases, tree, people):
    client = api(people.street_cadre)
    planned = post(client, f"/api/cases/{cases.a.pk}/follow-ups/", {"due_on": js(days_from_today(3))})
    assert (planned.status_code, planned.json()) == (400, {"detail": "结案后才能安排回访"})
    missing = post(client, f"/api/cases/{cases.a.pk}/follow-ups/", {})
    assert (missing.status_code, missing.json()) == (400, {"detail": "请填写计划回访日期", "field": "due_on"})
    closed = case_in(Status.CLOSED, unit=tree.east1, cadre=people.street_cadre, leader=people.district_leader)
    other = FollowUp.objects.get(case=closed)
    before = snapshot()
    response = post(client, f"/api/cases/{cases.a.pk}/follow-ups/{other.pk}/", {"way": "phone", "result": "好"})
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert snapshot() == before


def test_the_follow_ups_of_a_violence_case_are_an_opening_of_it(tree, people):
    case = case_in(
        Status.CLOSED, unit=tree.east1, cadre=people.street_cadre, leader=people.district_leader, kind=Kind.VIOLENCE
    )
    assert len(api(people.district_cadre).get(f"/api/cases/{case.pk}/follow-ups/").json()) == 1
    assert rows("access") == [(people.district_cadre, "case", str(case.pk), {"opened": "violence_case"})]


# --- the overdue lists ------------------------------------------------------------------------------


def test_overdue_gives_the_late_cases_and_follow_ups_of_her_scope(cases, people, tree):
    closed = case_in(Status.CLOSED, unit=tree.east2, cadre=people.street_cadre, leader=people.district_leader)
    FollowUp.objects.filter(case=closed).update(due_on=days_from_today(-2))
    late = FollowUp.objects.get(case=closed)
    body = api(people.street_cadre).get("/api/cases/overdue/").json()
    assert (body["cases_count"], [c["id"] for c in body["cases"]], body["follow_ups_count"]) == (
        2,
        [cases.a.pk, cases.c.pk],
        1,
    )
    assert all(c["overdue"] and c["narrative_masked"] == "******" for c in body["cases"])
    assert body["follow_ups"] == [
        {
            "id": late.pk,
            "due_on": js(days_from_today(-2)),
            "done_on": None,
            "way": "",
            "way_label": "",
            "result": "",
            "satisfied": None,
            "by": None,
            "overdue": True,
            "case": {"id": closed.pk, "number": closed.number},
        }
    ]
    district = api(people.district_cadre).get("/api/cases/overdue/").json()
    assert (district["cases_count"], [c["id"] for c in district["cases"]], district["follow_ups_count"]) == (
        3,
        [cases.a.pk, cases.d.pk, cases.c.pk],
        1,
    )
    sibling = api(people.sibling_street_cadre).get("/api/cases/overdue/").json()
    assert (sibling["cases_count"], sibling["follow_ups_count"]) == (1, 0)


# --- the monthly report -----------------------------------------------------------------------------


def build_march(tree: Any, people: Any) -> dict[str, Case]:
    """2026-03 at 东街道:
    1 petition, visit, 婚姻家庭, 东一社区, received 3-02, finished (resolved) 3-18, closed 3-20,
      followed up 3-28 (satisfied), next follow-up due 3-30 not done
    2 violence, phone, 东二社区, received 3-10, finished (partly, violence stopped) 3-15
    3 petition, letter, 劳动就业, 东街道 itself, received 3-31 23:30 (accept by 4-03)
    4 mediation, visit, 婚姻家庭, 东一社区, received 3-05, accepted 3-06, to finish by 3-21: late
    5 petition at 东一社区 received 4-01 00:30: April's
    6 petition at 西一社区 in March: not 东街道's
    7 petition at 东一社区 received 2-10, never accepted: open and late at March's end"""
    cadre, leader = people.street_cadre, people.district_leader
    one = case_in(
        Status.CLOSED, unit=tree.east1, cadre=cadre, leader=leader, channel=Channel.VISIT, received_at=at(2026, 3, 2)
    )
    set_times(
        one, accepted_at=at(2026, 3, 3), finished_at=at(2026, 3, 18), closed_at=at(2026, 3, 20), finish_due="2026-03-18"
    )
    two = register(cadre, tree.east2, kind=Kind.VIOLENCE, channel=Channel.PHONE, received_at=at(2026, 3, 10))
    actions.do_accept(actor=cadre, case=two, handler=cadre)
    actions.do_finish(actor=cadre, case=two, outcome=Outcome.PARTLY, violence_stopped=True)
    set_times(two, accepted_at=at(2026, 3, 11), finished_at=at(2026, 3, 15))
    three = register(cadre, tree.east, channel=Channel.LETTER, category="labour", received_at=at(2026, 3, 31, 23, 30))
    four = register(cadre, tree.east1, kind=Kind.MEDIATION, received_at=at(2026, 3, 5))
    actions.do_accept(actor=cadre, case=four, handler=cadre)
    actions.do_start(actor=cadre, case=four)
    set_times(four, accepted_at=at(2026, 3, 6), finish_due=dt.date(2026, 3, 21))
    five = register(cadre, tree.east1, received_at=at(2026, 4, 1, 0, 30))
    six = register(people.sibling_street_cadre, tree.west1, received_at=at(2026, 3, 12))
    seven = register(cadre, tree.east1, received_at=at(2026, 2, 10))
    return {"one": one, "two": two, "three": three, "four": four, "five": five, "six": six, "seven": seven}


def test_the_monthly_report_of_a_street(tree, people):
    march = build_march(tree, people)
    client = api(people.street_cadre)
    follow_up = FollowUp.objects.get(case=march["one"])
    recorded = post(
        client,
        f"/api/cases/{march['one'].pk}/follow-ups/{follow_up.pk}/",
        {
            "done_on": "2026-03-28",
            "way": "phone",
            "result": "生活恢复正常",
            "satisfied": True,
            "next_due": "2026-03-30",
        },
    )
    assert recorded.status_code == 200
    response = client.get("/api/cases/monthly-report/", {"unit": tree.east.pk, "month": "2026-03"})
    assert response.status_code == 200

    def zero(*keys_labels: tuple[str, str], **counts: int) -> list[dict[str, Any]]:
        return [{"key": k, "label": label, "count": counts.get(k, 0)} for k, label in keys_labels]

    assert response.json() == {
        "unit": {"id": tree.east.pk, "name": "东街道"},
        "month": "2026-03",
        "received": 4,
        "by_channel": zero(*Channel.choices, letter=1, visit=2, phone=1),
        "by_kind": zero(*Kind.choices, petition=2, mediation=1, violence=1),
        "by_category": zero(
            ("marriage_family", "婚姻家庭"),
            ("domestic_violence", "家庭暴力"),
            ("property_land", "财产与土地权益"),
            ("labour", "劳动就业"),
            ("personal_rights", "人身权利"),
            ("child_rights", "儿童权益"),
            ("other", "其他"),
            marriage_family=2,
            domestic_violence=1,
            labour=1,
        ),
        "by_unit": [
            {"key": tree.east.path, "label": "东街道(本级)", "count": 1},
            {"key": tree.east1.path, "label": "东一社区", "count": 2},
            {"key": tree.east2.path, "label": "东二社区", "count": 1},
        ],
        "finished": 2,
        "by_outcome": zero(*Outcome.choices, resolved=1, partly=1),
        "violence_stopped": 1,
        "family_cases": 3,
        "violence_cases": 1,
        "violence_share": "33.3",
        "open_at_end": 3,
        "overdue_at_end": 2,
        "closed": 1,
        "follow_ups_done": 1,
        "follow_ups_answered": 1,
        "follow_ups_satisfied": 1,
        "satisfaction": "100.0",
        "follow_ups_overdue": 1,
    }
    district = api(people.district_cadre).get(
        "/api/cases/monthly-report/", {"unit": tree.district.pk, "month": "2026-03"}
    )
    figures = district.json()
    assert (figures["received"], figures["by_unit"]) == (
        5,
        [
            {"key": tree.east.path, "label": "东街道", "count": 4},
            {"key": tree.west.path, "label": "西街道", "count": 1},
        ],
    )
    april = client.get("/api/cases/monthly-report/", {"unit": tree.east.pk, "month": "2026-04"}).json()
    assert (april["received"], april["open_at_end"], april["overdue_at_end"]) == (1, 4, 4)


def test_the_report_of_this_month_counts_as_late_only_what_is_late_today(tree, people):
    register(people.street_cadre, tree.east1)  # received now: to be accepted within 3 days
    body = api(people.street_cadre).get("/api/cases/monthly-report/", {"unit": tree.east.pk}).json()
    assert (body["month"], body["received"], body["open_at_end"], body["overdue_at_end"]) == (
        f"{today():%Y-%m}",
        1,
        1,
        0,
    )


def test_the_report_defaults_to_her_own_unit(tree, people):
    body = api(people.community_cadre).get("/api/cases/monthly-report/", {"month": "2026-03"}).json()
    assert (body["unit"], body["received"]) == ({"id": tree.east1.pk, "name": "东一社区"}, 0)


@pytest.mark.parametrize(
    ("month", "error"),
    [
        ("2026-13", "月份格式应为 YYYY-MM,如 2026-03"),
        ("2026-00", "月份格式应为 YYYY-MM,如 2026-03"),
        ("2026/03", "月份格式应为 YYYY-MM,如 2026-03"),
        ("三月", "月份格式应为 YYYY-MM,如 2026-03"),
        ("2099-01", "不能统计未来的月份"),
    ],
)
def test_a_bad_month_is_a_400(tree, people, month, error):
    response = api(people.street_cadre).get("/api/cases/monthly-report/", {"unit": tree.east.pk, "month": month})
    assert (response.status_code, response.json()) == (400, {"detail": error, "field": "month"})


@pytest.mark.parametrize(
    ("who", "unit"), [("street_cadre", "west"), ("street_cadre", "district"), ("community_cadre", "east")]
)
def test_the_report_of_a_unit_outside_her_view_is_a_404(tree, people, who, unit):
    user = getattr(people, who)
    response = api(user).get("/api/cases/monthly-report/", {"unit": getattr(tree, unit).pk, "month": "2026-03"})
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert rows("denied") == [(user, "unit", str(getattr(tree, unit).pk), None)]


# --- key families -----------------------------------------------------------------------------------


def list_red(client: Client, reg: Any, tree: Any, people: Any) -> Any:
    return post(
        client,
        "/api/key-families/",
        {
            "unit_id": tree.east1.pk,
            "person_id": reg.zhang.pk,
            "colour": "red",
            "reason": "丈夫酗酒后多次施暴",
            "responsible_id": people.community_cadre.pk,
            "household_id": reg.household.pk,
        },
    )


def test_a_family_is_listed_visited_and_lifted(reg, people, tree):
    client = api(people.street_cadre)
    mark = audit_mark()
    response = list_red(client, reg, tree, people)
    assert response.status_code == 201
    family = KeyFamily.objects.get()
    expected = {
        "id": family.pk,
        "unit": {"id": tree.east1.pk, "name": "东一社区"},
        "person": {"id": reg.zhang.pk, "name": "张晓燕"},
        "household_id": reg.household.pk,
        "colour": "red",
        "colour_label": "红色(家暴风险)",
        "reason": "丈夫酗酒后多次施暴",
        "responsible": user_ref(people.community_cadre),
        "visit_interval_days": 7,
        "next_visit_due": js(days_from_today(7)),
        "visit_overdue": False,
        "listed_on": js(today()),
        "lifted_on": None,
        "case": None,
        "listed_by": user_ref(people.street_cadre),
        "lift_reason": "",
        "lifted_by": None,
        "visits": [],
    }
    assert response.json() == expected
    listed = client.get("/api/key-families/").json()
    row = {k: v for k, v in expected.items() if k not in ("listed_by", "lift_reason", "lifted_by", "visits")}
    assert listed == {"items": [{**row, "reason": "******"}], "count": 1, "count_capped": False}

    KeyFamily.objects.filter(pk=family.pk).update(listed_on=days_from_today(-3))
    visited = post(
        api(people.community_cadre),
        f"/api/key-families/{family.pk}/visits/",
        {"visited_on": js(days_from_today(-1)), "found": "情绪稳定", "next_step": "一周后再访", "companions": "网格员"},
    )
    visit = KeyFamilyVisit.objects.get()
    assert visited.status_code == 201
    assert (visited.json()["next_visit_due"], visited.json()["visits"]) == (
        js(days_from_today(6)),
        [
            {
                "id": visit.pk,
                "visited_on": js(days_from_today(-1)),
                "visitor": user_ref(people.community_cadre),
                "companions": "网格员",
                "found": "情绪稳定",
                "next_step": "一周后再访",
            }
        ],
    )
    assert "情绪稳定" not in json.dumps(client.get("/api/key-families/").json(), ensure_ascii=False)

    lifted = post(client, f"/api/key-families/{family.pk}/lift/", {"reason": "已离婚搬离"})
    assert (
        lifted.status_code,
        lifted.json()["lifted_on"],
        lifted.json()["lift_reason"],
        lifted.json()["lifted_by"],
    ) == (
        200,
        js(today()),
        "已离婚搬离",
        user_ref(people.street_cadre),
    )
    assert client.get("/api/key-families/").json()["count"] == 0
    off = client.get("/api/key-families/", {"listed": "false"}).json()
    assert (off["count"], [f["id"] for f in off["items"]]) == (1, [family.pk])
    assert model_rows(mark) == [
        ("create", "keyfamily"),
        ("create", "keyfamilyvisit"),
        ("update", "keyfamily"),
        ("update", "keyfamily"),
    ]


def test_the_family_list_filters(reg, people, tree):
    cadre = people.district_cadre
    red = actions.do_list_family(
        actor=cadre,
        unit=tree.east1,
        person=reg.zhang,
        colour="red",
        reason="家暴",
        responsible=cadre,
        visit_interval_days=7,
    )
    yellow = actions.do_list_family(
        actor=cadre,
        unit=tree.west1,
        person=reg.li,
        colour="yellow",
        reason="独居困难",
        responsible=cadre,
        visit_interval_days=60,
    )
    KeyFamily.objects.filter(pk=red.pk).update(next_visit_due=days_from_today(-1))
    client = api(cadre)

    def ids(params: dict[str, Any]) -> list[int]:
        return [f["id"] for f in client.get("/api/key-families/", params).json()["items"]]

    assert ids({}) == [red.pk, yellow.pk]
    assert ids({"colour": "yellow"}) == [yellow.pk]
    assert ids({"overdue": "true"}) == [red.pk]
    assert ids({"unit": tree.west.pk}) == [yellow.pk]
    assert api(people.street_cadre).get("/api/key-families/", {"unit": tree.west.pk}).json()["count"] == 0
    assert [f["id"] for f in api(people.sibling_street_cadre).get("/api/key-families/").json()["items"]] == [yellow.pk]
    bad = client.get("/api/key-families/", {"colour": "blue"})
    assert (bad.status_code, bad.json()) == (
        400,
        {"detail": "重点家庭类别“blue”无效,可选:red、orange、yellow", "field": "colour"},
    )


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"colour": "blue"}, {"detail": "请选择重点家庭类别(红、橙、黄)", "field": "colour"}),
        ({"reason": " "}, {"detail": "请填写列入原因", "field": "reason"}),
        ({"person_id": "li"}, {"detail": "请从人员台账中选择家庭联系人", "field": "person"}),
        ({"person_id": "shan"}, {"detail": "家庭联系人不在该单位", "field": "person"}),
        (
            {"responsible_id": "readonly_user"},
            {"detail": "责任人须是本单位或上级单位有办理权限的干部", "field": "responsible"},
        ),
        ({"visit_interval_days": 0}, {"detail": "走访间隔应在1到365天之间", "field": "visit_interval_days"}),
        ({"household_id": 999999}, {"detail": "家庭不存在,或不在您可查看的范围内", "field": "household_id"}),
    ],
)
def test_listing_a_family_refuses_bad_input(reg, people, tree, payload, error):
    payload = dict(payload)
    if isinstance(payload.get("person_id"), str):
        payload["person_id"] = getattr(reg, payload["person_id"]).pk
    if isinstance(payload.get("responsible_id"), str):
        payload["responsible_id"] = getattr(people, payload["responsible_id"]).pk
    body = {"unit_id": tree.east1.pk, "person_id": reg.zhang.pk, "colour": "orange", "reason": "婚姻矛盾", **payload}
    before = snapshot()
    response = post(api(people.street_cadre), "/api/key-families/", body)
    assert (response.status_code, response.json()) == (400, error)
    assert snapshot() == before


def test_a_family_is_listed_once(reg, people, tree):
    client = api(people.street_cadre)
    assert list_red(client, reg, tree, people).status_code == 201
    again = list_red(client, reg, tree, people)
    assert (again.status_code, again.json()) == (400, {"detail": "张晓燕家已在重点家庭名册中", "field": "person"})
    assert KeyFamily.objects.count() == 1


@pytest.mark.parametrize("who", ["sibling_street_cadre", "readonly_user", "outsider", "sys_admin"])
def test_family_writes_of_those_who_may_not_handle_it_are_a_404(reg, people, tree, who):
    assert list_red(api(people.street_cadre), reg, tree, people).status_code == 201
    family = KeyFamily.objects.get()
    client = api(getattr(people, who))
    before = snapshot()
    visit = post(client, f"/api/key-families/{family.pk}/visits/", {"found": "情绪稳定"})
    lift = post(client, f"/api/key-families/{family.pk}/lift/", {"reason": "已搬离"})
    listed = list_red(client, reg, tree, people)
    assert [(r.status_code, r.json()) for r in (visit, lift, listed)] == [(404, NOT_FOUND)] * 3
    assert snapshot() == before
    detail = client.get(f"/api/key-families/{family.pk}/")
    assert detail.status_code == (200 if who == "readonly_user" else 404)


def test_a_visit_and_a_lift_with_bad_input_are_refused(reg, people, tree):
    client = api(people.street_cadre)
    list_red(client, reg, tree, people)
    family = KeyFamily.objects.get()
    before = snapshot()
    answers = [
        post(client, f"/api/key-families/{family.pk}/visits/", {"found": ""}),
        post(client, f"/api/key-families/{family.pk}/visits/", {"found": "好", "visited_on": "2099-01-01"}),
        post(client, f"/api/key-families/{family.pk}/visits/", {"found": "好", "visited_on": "2020-01-01"}),
        post(client, f"/api/key-families/{family.pk}/lift/", {"reason": ""}),
    ]
    assert [(r.status_code, r.json()) for r in answers] == [
        (400, {"detail": "请填写走访情况", "field": "found"}),
        (400, {"detail": "走访日期不能晚于今天", "field": "visited_on"}),
        (400, {"detail": "走访日期不能早于列入日期", "field": "visited_on"}),
        (400, {"detail": "请填写撤销原因", "field": "reason"}),
    ]
    assert snapshot() == before


def test_the_family_list_is_a_404_for_admins_and_outsiders(reg, people):
    for user in (people.outsider, people.sys_admin, people.audit_admin):
        response = api(user).get("/api/key-families/")
        assert (response.status_code, response.json()) == (404, NOT_FOUND)


# --- the schema -------------------------------------------------------------------------------------


def test_the_openapi_schema_lists_the_cases_paths(db, client):
    paths = client.get("/api/openapi.json").json()["paths"]
    ours = {p: sorted(ops) for p, ops in paths.items() if p.startswith(("/api/cases/", "/api/key-families/"))}
    assert ours == {
        "/api/cases/": ["get", "post"],
        "/api/cases/overdue/": ["get"],
        "/api/cases/monthly-report/": ["get"],
        "/api/cases/{case_id}/": ["get", "patch"],
        "/api/cases/{case_id}/transitions/": ["post"],
        "/api/cases/{case_id}/follow-ups/": ["get", "post"],
        "/api/cases/{case_id}/follow-ups/{follow_up_id}/": ["post"],
        "/api/cases/{case_id}/parties/": ["post"],
        "/api/cases/{case_id}/parties/{party_id}/": ["delete"],
        "/api/cases/{case_id}/mediators/": ["put"],
        "/api/cases/{case_id}/sessions/": ["post"],
        "/api/cases/{case_id}/agreement/": ["post"],
        "/api/key-families/": ["get", "post"],
        "/api/key-families/{family_id}/": ["get"],
        "/api/key-families/{family_id}/visits/": ["post"],
        "/api/key-families/{family_id}/lift/": ["post"],
    }
    assert paths["/api/cases/monthly-report/"]["get"]["summary"] == "维权工作月报"
