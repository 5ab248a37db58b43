"""The person register's JSON API: /api/persons/…"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from jinguo.accounts.actions import do_issue_token
from jinguo.people.models import Category, Person, PersonCategory

from .helpers import (
    FREE_ID,
    LI_ID,
    ZHANG_ADDRESS,
    ZHANG_ID,
    ZHANG_PHONE,
    audit_rows,
    build_registry,
    model_of,
    person_snapshot,
)

pytestmark = pytest.mark.django_db

NOT_FOUND = {"detail": "未找到该记录,或您无权访问"}


@pytest.fixture
def reg(tree, people):
    return build_registry(tree, people.district_cadre)


def post(client: Client, url: str, payload: Any) -> Any:
    return client.post(url, data=json.dumps(payload), content_type="application/json")


def patch(client: Client, url: str, payload: Any) -> Any:
    return client.patch(url, data=json.dumps(payload), content_type="application/json")


def test_list_gives_masked_persons_of_her_scope_in_tree_order(reg, people, login):
    body = login(people.street_cadre).get("/api/persons/").json()
    assert body["count"] == 4
    zhang = body["items"][0]
    assert zhang == {
        "id": reg.zhang.pk,
        "name": "张晓燕",
        "gender": "F",
        "gender_label": "女",
        "birth_date": "1990-03-15",
        "age": reg.zhang.age(),
        "id_number": "330122********9967",
        "phone": "138****5678",
        "unit_id": reg.zhang.unit_id,
        "unit_name": "东一社区",
        "categories": ["hardship_woman"],
    }
    assert [p["name"] for p in body["items"]] == ["张晓燕", "曾晓燕", "单丽", "张伟"]
    assert ZHANG_ID not in json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "zxy"}, ["张晓燕", "曾晓燕"]),
        ({"q": "sl"}, ["单丽"]),
        ({"q": "9976 李明"}, ["李明"]),
        ({"q": ZHANG_PHONE}, ["张晓燕"]),
        ({"category": "hardship_woman"}, ["张晓燕", "单丽"]),
        ({"gender": "M"}, ["张伟", "李明"]),
        ({"age": "6-17"}, ["曾晓燕", "王芳芳"]),
        ({"age": "60-", "gender": "M"}, ["李明"]),
        ({"limit": 2, "offset": 4}, ["李明", "王芳芳"]),
    ],
)
def test_list_filters(reg, people, login, params, expected):
    body = login(people.district_cadre).get("/api/persons/", params).json()
    assert [p["name"] for p in body["items"]] == expected


def test_list_filter_by_unit_takes_the_subtree(reg, people, login, tree):
    body = login(people.district_cadre).get("/api/persons/", {"unit": tree.west.pk}).json()
    assert (body["count"], [p["name"] for p in body["items"]]) == (2, ["李明", "王芳芳"])
    outside = login(people.street_cadre).get("/api/persons/", {"unit": tree.west.pk}).json()
    assert (outside["count"], outside["items"]) == (0, [])


def test_detail_is_masked_and_has_the_category_history_and_households(reg, people, login):
    body = login(people.district_cadre).get(f"/api/persons/{reg.wang.pk}/").json()
    assert body["id_number"] == "330127********9964"
    assert body["categories"] == ["migrant_child"]
    assert [(c["code"], c["ended_on"] is not None, c["end_reason"]) for c in body["category_history"]] == [
        ("migrant_child", False, ""),
        ("single_parent_child", True, "父母复婚"),
    ]
    zhang = login(people.district_cadre).get(f"/api/persons/{reg.zhang.pk}/").json()
    assert (zhang["address"], zhang["notes"], zhang["phone"], zhang["household_ids"]) == (
        "浙江省杭州市****",
        "******",
        "138****5678",
        [reg.household.pk],
    )
    zeng = login(people.district_cadre).get(f"/api/persons/{reg.zeng.pk}/").json()
    assert (zeng["guardian_id"], zeng["guardian_relation"], zeng["guardian_phone"], zeng["school"]) == (
        reg.zhang.pk,
        "mother",
        "138****5678",
        "东一小学",
    )


def test_create_returns_201_with_the_masked_person(reg, people, login, tree):
    response = post(
        login(people.street_cadre),
        "/api/persons/",
        {
            "unit_id": tree.east2.pk,
            "name": "刘芳",
            "id_number": FREE_ID,
            "phone": "13911112222",
            "categories": ["dibao"],
        },
    )
    assert response.status_code == 201
    body = response.json()
    person = Person.objects.get(name="刘芳")
    assert (body["id"], body["birth_date"], body["gender"], body["id_number"], body["phone"], body["categories"]) == (
        person.pk,
        "1985-01-02",
        "F",
        "330127********9986",
        "139****2222",
        ["dibao"],
    )
    assert person.created_by == people.street_cadre


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"id_number": FREE_ID[:-1] + "0"}, {"detail": "身份证号校验位不正确,请核对号码", "field": "id_number"}),
        (
            {"id_number": FREE_ID, "birth_date": "1985-01-03"},
            {"detail": "出生日期与身份证号不一致:身份证号显示出生于1985年1月2日", "field": "birth_date"},
        ),
        (
            {"id_number": FREE_ID, "gender": "M"},
            {"detail": "性别与身份证号不一致:身份证号显示为女性", "field": "gender"},
        ),
        (
            {"gender": "F", "phone": "12345"},
            {"detail": "电话号码无效:手机号应为11位,固定电话请带区号", "field": "phone"},
        ),
        ({}, {"detail": "请选择性别", "field": "gender"}),
        ({"gender": "F", "name": " "}, {"detail": "请填写姓名", "field": "name"}),
        ({"gender": "F", "categories": ["nope"]}, {"detail": "人员类别“nope”不存在", "field": "categories"}),
        (
            {"gender": "F", "education": "phd"},
            {
                "detail": "文化程度“phd”无效,可选:none、primary、junior、senior、college、bachelor、postgrad",
                "field": "education",
            },
        ),
        (
            {"gender": "F", "guardian_id": 999999},
            {"detail": "监护人不存在,或不在您可查看的范围内", "field": "guardian_id"},
        ),
    ],
)
def test_create_refuses_bad_input_with_400_and_saves_nothing(reg, people, login, tree, payload, error):
    before = person_snapshot()
    response = post(login(people.street_cadre), "/api/persons/", {"unit_id": tree.east2.pk, "name": "刘芳", **payload})
    assert (response.status_code, response.json()) == (400, error)
    assert person_snapshot() == before


def test_create_with_a_guardian_outside_her_view_says_the_same_as_for_none(reg, people, login, tree):
    response = post(
        login(people.street_cadre),
        "/api/persons/",
        {"unit_id": tree.east2.pk, "name": "刘芳", "gender": "F", "guardian_id": reg.li.pk},
    )
    assert response.json() == {"detail": "监护人不存在,或不在您可查看的范围内", "field": "guardian_id"}


def test_a_duplicate_id_number_gives_the_existing_id_when_visible(reg, people, login, tree):
    before = person_snapshot()
    client = login(people.street_cadre)
    response = post(client, "/api/persons/", {"unit_id": tree.east2.pk, "name": "刘芳", "id_number": ZHANG_ID})
    assert (response.status_code, response.json()) == (
        400,
        {
            "detail": "该身份证号已登记:张晓燕(东一社区),一人只建一份档案",
            "field": "id_number",
            "existing_id": reg.zhang.pk,
        },
    )
    hidden = post(client, "/api/persons/", {"unit_id": tree.east2.pk, "name": "刘芳", "id_number": LI_ID})
    assert (hidden.status_code, hidden.json()) == (
        400,
        {
            "detail": "该身份证号已在其他单位登记,一人只建一份档案。请联系上级单位核实",
            "field": "id_number",
            "existing_id": None,
        },
    )
    assert person_snapshot() == before


def test_a_bad_date_is_a_422(reg, people, login, tree):
    response = post(
        login(people.street_cadre),
        "/api/persons/",
        {"unit_id": tree.east2.pk, "name": "刘芳", "birth_date": "1985-13-01"},
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "提交的数据格式不正确"


def test_patch_changes_only_what_is_sent(reg, people, login):
    response = patch(
        login(people.street_cadre), f"/api/persons/{reg.zhang.pk}/", {"school": "夜校", "phone": "13500001111"}
    )
    assert response.status_code == 200
    assert response.json()["phone"] == "135****1111"
    zhang = Person.objects.get(pk=reg.zhang.pk)
    assert (zhang.school, zhang.phone, zhang.id_number, zhang.address) == (
        "夜校",
        "13500001111",
        ZHANG_ID,
        ZHANG_ADDRESS,
    )


def test_patch_moves_a_person_within_her_scope(reg, people, login, tree):
    response = patch(login(people.street_cadre), f"/api/persons/{reg.shan.pk}/", {"unit_id": tree.east1.pk})
    assert (response.status_code, response.json()["unit_name"]) == (200, "东一社区")


def test_patch_to_a_duplicate_id_number(reg, people, login):
    response = patch(login(people.street_cadre), f"/api/persons/{reg.shan.pk}/", {"id_number": ZHANG_ID})
    assert (response.status_code, response.json()["existing_id"]) == (400, reg.zhang.pk)
    assert Person.objects.get(pk=reg.shan.pk).id_number is None


def test_patch_sets_and_clears_a_guardian(reg, people, login):
    client = login(people.street_cadre)
    assert (
        patch(client, f"/api/persons/{reg.zeng.pk}/", {"guardian_id": reg.shan.pk}).json()["guardian_id"] == reg.shan.pk
    )
    assert patch(client, f"/api/persons/{reg.zeng.pk}/", {"guardian_id": None}).json()["guardian_id"] is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("id_number", ZHANG_ID), ("phone", ZHANG_PHONE), ("address", ZHANG_ADDRESS), ("notes", "家中有重病老人")],
)
def test_reveal_gives_the_whole_value_and_writes_one_access_row(reg, people, login, field, value):
    response = post(login(people.community_cadre), f"/api/persons/{reg.zhang.pk}/reveal/", {"field": field})
    assert (response.status_code, response.json()) == (200, {"field": field, "value": value})
    [entry] = audit_rows("access")
    assert (entry.actor, model_of(entry), entry.object_pk, entry.additional_data) == (
        people.community_cadre,
        "person",
        str(reg.zhang.pk),
        {"field": field},
    )


def test_reveal_of_a_field_that_is_not_sensitive_is_a_400(reg, people, login):
    response = post(login(people.community_cadre), f"/api/persons/{reg.zhang.pk}/reveal/", {"field": "name"})
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "字段“name”不能查看,可选:id_number、phone、address、notes、guardian_phone", "field": "field"},
    )
    assert audit_rows("access") == []


def test_reveal_without_the_permission_is_a_404(reg, people, login):
    response = post(login(people.readonly_user), f"/api/persons/{reg.zhang.pk}/reveal/", {"field": "id_number"})
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert audit_rows("access") == []
    assert [e.additional_data for e in audit_rows("denied")] == [{"reason": "reveal"}]


def test_a_personal_token_reads_the_list(reg, people):
    token, _ = do_issue_token(user=people.community_cadre, name="tests")
    client = Client(headers={"Authorization": f"Bearer {token}"})
    body = client.get("/api/persons/").json()
    assert [p["name"] for p in body["items"]] == ["张晓燕", "曾晓燕"]


def test_category_codes_are_in_dictionary_order(reg, people, login):
    left_behind = Category.objects.get(code="left_behind_child")  # sort 10; 困难妇女 is 50
    PersonCategory.objects.create(person=reg.zhang, category=left_behind, set_on=dt.date(2020, 1, 1))
    body = login(people.district_cadre).get(f"/api/persons/{reg.zhang.pk}/").json()
    assert body["categories"] == ["left_behind_child", "hardship_woman"]


def test_the_list_query_count_does_not_grow_with_the_rows(tree, people, login, django_assert_num_queries):
    from jinguo.people import actions
    from jinguo.people.fake import make_id_number

    client = login(people.district_cadre)

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            actions.do_create_person(
                actor=people.district_cadre,
                unit=tree.east1,
                name=f"人{i:03d}",
                id_number=make_id_number(dt.date(1970, 1, 1) + dt.timedelta(days=i), 0),
                categories=["dibao", "laid_off"],
            )

    add(2, 0)
    client.get("/api/persons/")
    # session, user, memberships, OTP device, count, rows, their categories
    with django_assert_num_queries(7):
        assert client.get("/api/persons/").json()["count"] == 2
    add(30, 2)
    with django_assert_num_queries(7):
        assert len(client.get("/api/persons/").json()["items"]) == 32
