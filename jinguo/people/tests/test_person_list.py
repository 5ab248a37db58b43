"""Search, filters and the person list page: exact rows, exact counts, masked values."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from jinguo.people import actions
from jinguo.people.fake import make_id_number
from jinguo.people.models import Person

from .helpers import (
    LI_ID,
    SHAN_PHONE,
    ZHANG_ID,
    ZHANG_PHONE,
    build_registry,
    category_counts,
    list_names,
    list_rows,
    person_count,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reg(tree, people):
    return build_registry(tree, people.district_cadre)


def names(qs) -> list[str]:
    return sorted(p.name for p in qs)


# --- search --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("zxy", ["张晓燕", "曾晓燕"]),  # 曾 read as a surname: zeng
        ("ZXY", ["张晓燕", "曾晓燕"]),
        ("sl", ["单丽"]),  # 单 read as a surname: shan, not dan
        ("dl", []),
        ("zw", ["张伟"]),
        ("z", ["张伟", "张晓燕", "曾晓燕"]),
        ("张", ["张伟", "张晓燕"]),  # name prefix
        ("张晓燕", ["张晓燕"]),  # exact name
        ("晓燕", []),  # not a prefix
        (ZHANG_ID, ["张晓燕"]),  # a whole ID number
        (ZHANG_ID.lower(), ["张晓燕"]),
        ("３３０１２２１９９００３１５９９６７", ["张晓燕"]),  # full-width digits from a Chinese keyboard
        ("9967 张", ["张晓燕"]),  # last 4 digits + name
        ("张晓燕 9967", ["张晓燕"]),
        ("9967 曾", []),
        ("9976 李明", ["李明"]),
        (ZHANG_PHONE, ["张晓燕"]),  # phone
        (SHAN_PHONE, ["单丽"]),
        ("13800000000", []),
    ],
)
def test_search_finds_persons_by_name_pinyin_id_and_phone(reg, term, expected):
    assert names(Person.objects.search(term)) == expected


def test_a_person_without_a_phone_is_not_found_by_an_empty_search(reg):
    assert Person.objects.search("   ").count() == 6


def test_the_list_page_searches_the_same_way(reg, people, login):
    client = login(people.district_cadre)
    assert list_names(client.get("/people/", {"q": "zxy"})) == ["张晓燕", "曾晓燕"]
    assert list_names(client.get("/people/", {"q": "sl"})) == ["单丽"]
    assert list_names(client.get("/people/", {"q": "9976 李明"})) == ["李明"]
    assert list_names(client.get("/people/", {"q": LI_ID}, follow=True)) == ["李明"]


def test_a_street_cadre_searching_a_whole_id_of_another_street_finds_nobody(reg, people, login):
    response = login(people.street_cadre).get("/people/", {"q": LI_ID}, follow=True)
    assert (list_names(response), person_count(response)) == ([], "共 0 人符合条件")


def test_a_whole_id_or_phone_number_never_stays_in_the_address_or_the_page(reg, people, login, tree):
    client = login(people.district_cadre)
    for term, name in ((LI_ID, "李明"), (ZHANG_PHONE, "张晓燕")):
        response = client.get("/people/", {"q": term, "unit": tree.district.pk})
        assert response.status_code == 302
        location = response["Location"]
        kind = "id" if term == LI_ID else "phone"
        assert re.fullmatch(rf"/people/\?q={kind}%3A[0-9a-f]{{40}}&unit={tree.district.pk}", location), location
        page = client.get(location)
        body = page.content.decode()
        assert list_names(page) == [name]
        assert term not in body
        assert 'id="sealed-search"' in body
        assert 'name="q" value=""' in body
        # the export button carries the sealed key and exports the same row
        assert f"/ledgers/persons/export/?q={kind}%3A" in body
    assert client.get("/people/", {"q": "zxy"}).status_code == 200  # a name stays as typed


# --- the list page ---------------------------------------------------------------------------------


def test_district_cadre_sees_every_person_masked_in_tree_order(reg, people, login):
    response = login(people.district_cadre).get("/people/")
    assert response.status_code == 200
    age = {p.name: str(p.age()) for p in Person.objects.all()}  # ages move on with the calendar
    assert list_rows(response) == [
        ("张晓燕", "女", age["张晓燕"], "330122********9967", "138****5678", "东一社区", "困难妇女"),
        ("曾晓燕", "女", age["曾晓燕"], "330122********9982", "", "东一社区", "留守儿童"),
        ("单丽", "女", age["单丽"], "", "139****4321", "东二社区", "困难妇女 下岗失业"),
        ("张伟", "男", age["张伟"], "", "", "东二社区", ""),
        ("李明", "男", age["李明"], "330122********9976", "", "西一社区", "空巢老人"),
        ("王芳芳", "女", age["王芳芳"], "330127********9964", "", "西二社区", "流动儿童"),
    ]
    body = response.content.decode()
    for whole in (ZHANG_ID, ZHANG_PHONE, SHAN_PHONE, LI_ID):
        assert whole not in body
    assert person_count(response) == "共 6 人"


def test_street_cadre_sees_only_her_street(reg, people, login):
    response = login(people.street_cadre).get("/people/")
    assert list_names(response) == ["张晓燕", "曾晓燕", "单丽", "张伟"]
    assert category_counts(response)["困难妇女"] == 2


def test_community_cadre_sees_only_her_community(reg, people, login):
    assert list_names(login(people.community_cadre).get("/people/")) == ["张晓燕", "曾晓燕"]


@pytest.mark.parametrize(
    ("params", "expected", "count"),
    [
        ({"category": "hardship_woman"}, ["张晓燕", "单丽"], "共 2 人符合条件"),
        ({"category": "single_parent_child"}, [], "共 0 人符合条件"),  # ended: history, not membership
        ({"category": "migrant_child"}, ["王芳芳"], "共 1 人符合条件"),
        ({"gender": "M"}, ["张伟", "李明"], "共 2 人符合条件"),
        ({"gender": "F", "category": "hardship_woman"}, ["张晓燕", "单丽"], "共 2 人符合条件"),
        ({"age": "6-17"}, ["曾晓燕", "王芳芳"], "共 2 人符合条件"),
        ({"age": "18-34"}, ["张伟"], "共 1 人符合条件"),
        ({"age": "35-59"}, ["张晓燕", "单丽"], "共 2 人符合条件"),
        ({"age": "60-"}, ["李明"], "共 1 人符合条件"),
        ({"age": "0-5"}, [], "共 0 人符合条件"),
        ({"q": "z", "gender": "F"}, ["张晓燕", "曾晓燕"], "共 2 人符合条件"),
        ({"gender": "X"}, ["张晓燕", "曾晓燕", "单丽", "张伟", "李明", "王芳芳"], "共 6 人符合条件"),
    ],
)
def test_filters_give_exact_rows_and_counts(reg, people, login, params, expected, count):
    response = login(people.district_cadre).get("/people/", params)
    assert (list_names(response), person_count(response)) == (expected, count)


def test_unit_filter_takes_the_whole_subtree(reg, people, login, tree):
    client = login(people.district_cadre)
    east = client.get("/people/", {"unit": tree.east.pk})
    assert list_names(east) == ["张晓燕", "曾晓燕", "单丽", "张伟"]
    assert list_names(client.get("/people/", {"unit": tree.west2.pk})) == ["王芳芳"]


def test_unit_filter_outside_her_view_matches_nobody(reg, people, login, tree):
    response = login(people.street_cadre).get("/people/", {"unit": tree.west.pk})
    assert (list_names(response), person_count(response)) == ([], "共 0 人符合条件")


def test_counts_per_category_follow_the_filter(reg, people, login, tree):
    client = login(people.district_cadre)
    everyone = category_counts(client.get("/people/"))
    assert {k: v for k, v in everyone.items() if v} == {
        "留守儿童": 1,
        "流动儿童": 1,
        "困难妇女": 2,
        "下岗失业": 1,
        "空巢老人": 1,
    }
    assert everyone["单亲家庭儿童"] == 0
    east2 = category_counts(client.get("/people/", {"unit": tree.east2.pk}))
    assert {k: v for k, v in east2.items() if v} == {"困难妇女": 1, "下岗失业": 1}


def test_export_and_import_buttons_carry_the_filters(reg, people, login, tree):
    body = login(people.district_cadre).get("/people/", {"q": "zxy", "unit": tree.east.pk, "page": 1}).content.decode()
    assert f'href="/ledgers/persons/export/?q=zxy&amp;unit={tree.east.pk}" id="ledger-export"' in body
    assert 'href="/ledgers/persons/import/" id="ledger-import"' in body


def test_readonly_user_has_export_but_neither_import_nor_create(reg, people, login):
    body = login(people.readonly_user).get("/people/").content.decode()
    assert 'id="ledger-export"' in body
    assert 'id="ledger-import"' not in body
    assert 'id="person-create"' not in body


def test_the_list_is_paginated_by_fifty(tree, people, login):
    for i in range(51):
        birth = dt.date(1980, 1, 1) + dt.timedelta(days=i)
        actions.do_create_person(
            actor=people.district_cadre, unit=tree.east1, name=f"测试{i:02d}", id_number=make_id_number(birth, 0)
        )
    client = login(people.district_cadre)
    first = client.get("/people/")
    assert len(list_rows(first)) == 50
    assert "第 1 / 2 页,共 51 条" in first.content.decode()
    assert list_names(client.get("/people/", {"page": 2})) == ["测试50"]


def test_the_list_query_count_does_not_grow_with_the_rows(tree, people, login, django_assert_num_queries):
    client = login(people.district_cadre)

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            birth = dt.date(1970, 1, 1) + dt.timedelta(days=i)
            person = actions.do_create_person(
                actor=people.district_cadre,
                unit=tree.east1 if i % 2 else tree.west2,
                name=f"人{i:03d}",
                id_number=make_id_number(birth, 0),
                phone="13812345678",
                categories=["hardship_woman", "laid_off"] if i % 3 else ["dibao"],
            )
            actions.do_create_household(actor=people.district_cadre, unit=person.unit, head=person)

    add(3, 0)
    client.get("/people/")  # the session is written once a minute: leave that out of the count
    # session, user, memberships, OTP device, the kept counts (total and per category), rows, their
    # categories, categories of the select, units of the select, breadcrumb
    with django_assert_num_queries(10):
        assert len(list_rows(client.get("/people/"))) == 3
    add(40, 3)
    with django_assert_num_queries(10):
        assert len(list_rows(client.get("/people/"))) == 43
    # a filter the kept counts cannot answer: a capped count and the categories of those rows
    with django_assert_num_queries(11):
        assert len(list_rows(client.get("/people/", {"gender": "F"}))) == 43
