"""The mediation part of the cases API: parties, mediators, sessions and the agreement, driven
with personal tokens; bad input is refused with the pages' Chinese messages; those who may not
handle the case get the same 404 and change nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from jinguo.cases.models import CaseEvent, CaseMediator, CaseParty, MediationSession
from jinguo.people.tests.helpers import build_registry

from .helpers import today
from .test_api import NOT_FOUND, Register, api, js, post, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def reg(tree, people):
    return build_registry(tree, people.district_cadre)


@pytest.fixture
def cases(tree, people, reg):
    """test_api's register: B is the mediation at 东二社区, accepted by the street cadre."""
    return Register(tree, people, reg)


def put(client: Any, url: str, payload: Any) -> Any:
    return client.put(url, data=json.dumps(payload), content_type="application/json")


def mediation_rows() -> list[Any]:
    """What the mediation endpoints write, beside what snapshot() covers."""
    return [
        list(CaseMediator.objects.order_by("pk").values_list("pk", "case_id", "user_id", "person_id")),
        list(MediationSession.objects.order_by("pk").values_list("pk", "case_id", "held_on", "place")),
        list(CaseParty.objects.order_by("pk").values_list("pk", "case_id", "name")),
    ]


def test_a_mediation_is_recorded_through_the_api(cases, people, reg):
    client = api(people.street_cadre)
    url = f"/api/cases/{cases.b.pk}/"
    party = post(
        client,
        f"{url}parties/",
        {"name": "王芳", "role": "respondent", "relation": "邻居", "phone": "13812345678"},
    )
    added = CaseParty.objects.get(case=cases.b)
    assert (party.status_code, party.json()) == (
        201,
        {
            "id": added.pk,
            "role": "respondent",
            "role_label": "对方当事人",
            "name": "王芳",
            "relation": "邻居",
            "phone": "138****5678",
        },
    )
    assert added.phone == "13812345678"

    mediators = put(
        client,
        f"{url}mediators/",
        {"users": [people.street_cadre.pk, people.district_cadre.pk], "persons": [reg.zhang.pk]},
    )
    rows = list(CaseMediator.objects.filter(case=cases.b).order_by("pk"))
    assert (mediators.status_code, mediators.json()) == (
        200,
        [
            {"id": rows[0].pk, "user_id": people.street_cadre.pk, "person_id": None, "name": "street_cadre"},
            {"id": rows[1].pk, "user_id": people.district_cadre.pk, "person_id": None, "name": "district_cadre"},
            {"id": rows[2].pk, "user_id": None, "person_id": reg.zhang.pk, "name": "张晓燕"},
        ],
    )
    # a second PUT replaces the list
    again = put(client, f"{url}mediators/", {"users": [people.street_cadre.pk]})
    assert [m["user_id"] for m in again.json()] == [people.street_cadre.pk]
    assert CaseMediator.objects.filter(case=cases.b).count() == 1

    session = post(
        client,
        f"{url}sessions/",
        {"held_on": js(today()), "place": "东二社区调解室", "parties_present": "双方", "outcome": "初步一致"},
    )
    recorded = MediationSession.objects.get(case=cases.b)
    assert (session.status_code, session.json()) == (
        201,
        {
            "id": recorded.pk,
            "held_on": js(today()),
            "place": "东二社区调解室",
            "parties_present": "双方",
            "outcome": "初步一致",
            "recorded_by": "street_cadre",
        },
    )

    agreement = post(client, f"{url}agreement/", {"reached": True, "terms": "宅基地按原界址划分"})
    body = agreement.json()
    assert (agreement.status_code, body["agreement_reached"], body["agreement_terms"], body["agreement_on"]) == (
        200,
        True,
        "宅基地按原界址划分",
        js(today()),
    )
    assert [s["place"] for s in body["sessions"]] == ["东二社区调解室"]
    assert [m["name"] for m in body["mediators"]] == ["street_cadre"]

    removed = client.delete(f"{url}parties/{added.pk}/")
    assert (removed.status_code, removed.content) == (204, b"")
    assert not CaseParty.objects.filter(case=cases.b).exists()
    notes = [
        (e.action, e.note)
        for e in CaseEvent.objects.filter(case=cases.b, action__in=["party", "mediators", "session", "agreement"])
    ]
    assert notes == [
        ("party", "增加当事人"),
        ("mediators", "调解员:street_cadre、district_cadre、张晓燕"),
        ("mediators", "调解员:street_cadre"),
        ("session", f"{today().year}年{today().month}月{today().day}日在东二社区调解室调解"),
        ("agreement", "达成调解协议"),
        ("party", "删除当事人"),
    ]


BAD_INPUTS = (
    "no date",
    "a future date",
    "no place",
    "an agreement before any session",
    "no mediator",
    "a user of another street",
    "an unknown user",
    "a person out of view",
    "a blank party name",
    "an unknown role",
    "a bad phone",
)


def bad_inputs(people: Any, reg: Any) -> dict[str, tuple[str, str, dict[str, Any], dict[str, str]]]:
    future = js(today().replace(year=today().year + 1))
    return {
        "no date": ("post", "sessions/", {}, {"detail": "请填写调解日期", "field": "held_on"}),
        "a future date": (
            "post",
            "sessions/",
            {"held_on": future, "place": "调解室"},
            {"detail": "调解日期不能晚于今天", "field": "held_on"},
        ),
        "no place": (
            "post",
            "sessions/",
            {"held_on": js(today()), "place": "  "},
            {"detail": "请填写调解地点", "field": "place"},
        ),
        "an agreement before any session": (
            "post",
            "agreement/",
            {"reached": True, "terms": "x"},
            {"detail": "请先登记调解记录"},
        ),
        "no mediator": ("put", "mediators/", {}, {"detail": "请至少选择一名调解员", "field": "mediators"}),
        "a user of another street": (
            "put",
            "mediators/",
            {"users": [people.sibling_street_cadre.pk]},
            {
                "detail": f"用户(编号{people.sibling_street_cadre.pk})不在本单位或上级单位,不能担任调解员",
                "field": "users",
            },
        ),
        "an unknown user": (
            "put",
            "mediators/",
            {"users": [987654]},
            {"detail": "用户(编号987654)不在本单位或上级单位,不能担任调解员", "field": "users"},
        ),
        "a person out of view": (
            "put",
            "mediators/",
            {"persons": [reg.li.pk]},  # 李明 of 西一社区, outside the east street's view
            {"detail": f"人员(编号{reg.li.pk})不在您可查看的人员范围内,不能担任调解员", "field": "persons"},
        ),
        "a blank party name": ("post", "parties/", {"name": " "}, {"detail": "请填写当事人姓名", "field": "name"}),
        "an unknown role": (
            "post",
            "parties/",
            {"name": "王芳", "role": "judge"},
            {"detail": "当事人身份“judge”无效,可选:对方当事人、施暴人、其他当事人", "field": "role"},
        ),
        "a bad phone": (
            "post",
            "parties/",
            {"name": "王芳", "phone": "12345"},
            {"detail": "电话号码无效:手机号应为11位,固定电话请带区号", "field": "phone"},
        ),
    }


@pytest.mark.parametrize("label", BAD_INPUTS)
def test_bad_mediation_input_is_refused_with_400_and_nothing_written(cases, people, reg, label):
    inputs = bad_inputs(people, reg)
    assert tuple(inputs) == BAD_INPUTS  # every case is run
    method, tail, payload, error = inputs[label]
    before, written = snapshot(), mediation_rows()
    client = api(people.street_cadre)
    send = put if method == "put" else post
    response = send(client, f"/api/cases/{cases.b.pk}/{tail}", payload)
    assert (response.status_code, response.json()) == (400, error)
    assert (snapshot(), mediation_rows()) == (before, written)


def test_the_agreement_needs_its_terms_and_only_a_mediation_has_sessions(cases, people):
    client = api(people.street_cadre)
    post(client, f"/api/cases/{cases.b.pk}/sessions/", {"held_on": js(today()), "place": "调解室"})
    before, written = snapshot(), mediation_rows()
    missing = post(client, f"/api/cases/{cases.b.pk}/agreement/", {"reached": True, "terms": " "})
    assert (missing.status_code, missing.json()) == (400, {"detail": "达成协议的,请填写协议内容", "field": "terms"})
    petition = post(client, f"/api/cases/{cases.a.pk}/sessions/", {"held_on": js(today()), "place": "调解室"})
    assert (petition.status_code, petition.json()) == (400, {"detail": "只有调解案件有调解记录"})
    assert (snapshot(), mediation_rows()) == (before, written)
    not_reached = post(client, f"/api/cases/{cases.b.pk}/agreement/", {"reached": False, "terms": "作废"})
    assert (not_reached.json()["agreement_reached"], not_reached.json()["agreement_terms"]) == (False, "")


MEDIATION_WRITES = [
    ("post", "parties/", {"name": "王芳"}),
    ("put", "mediators/", {"users": []}),
    ("post", "sessions/", {"held_on": "2026-11-30", "place": "调解室"}),
    ("post", "agreement/", {"reached": False}),
    ("delete", "parties/{party}/", None),
]


@pytest.mark.parametrize(("method", "tail", "payload"), MEDIATION_WRITES)
@pytest.mark.parametrize("who", ["sibling_street_cadre", "community_cadre", "readonly_user", "outsider", "audit_admin"])
def test_mediation_writes_of_those_who_may_not_handle_the_case_are_a_404_and_change_nothing(
    cases, people, who, method, tail, payload
):
    party = CaseParty.objects.create(case=cases.b, name="王芳", role="respondent")
    before, written = snapshot(), mediation_rows()
    client = api(getattr(people, who))
    url = f"/api/cases/{cases.b.pk}/{tail.format(party=party.pk)}"
    send = {"delete": lambda c, u, _: c.delete(u), "put": put, "post": post}[method]
    response = send(client, url, payload)
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert (snapshot(), mediation_rows()) == (before, written)


def test_a_party_of_another_case_is_a_404(cases, people):
    other = CaseParty.objects.create(case=cases.a, name="王芳", role="respondent")
    before, written = snapshot(), mediation_rows()
    response = api(people.street_cadre).delete(f"/api/cases/{cases.b.pk}/parties/{other.pk}/")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert (snapshot(), mediation_rows()) == (before, written)
