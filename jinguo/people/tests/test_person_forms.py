"""Create and edit forms: Chinese messages on the right field, nothing saved after a refusal, one
person one record, and sensitive values never shown whole in a form."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from jinguo.people.models import Person, PersonCategory

from .helpers import (
    FREE_ID,
    LI_ID,
    ZHANG_ADDRESS,
    ZHANG_ID,
    ZHANG_PHONE,
    audit_rows,
    build_registry,
    field_errors,
    flash,
    model_of,
    person_snapshot,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reg(tree, people):
    return build_registry(tree, people.district_cadre)


def form(tree: Any, **changes: Any) -> dict[str, Any]:
    data = {"unit": tree.east2.pk, "name": "刘芳", "ethnicity": "汉族"}
    data.update(changes)
    return data


def errors_by_field(page: Any) -> dict[str, list[str]]:
    body = page.content.decode()
    out: dict[str, list[str]] = {}
    for block in re.findall(r'<div class="mb-3[^"]*">(.*?)\n</div>', body, re.S):
        name = re.search(r'name="(\w+)"', block)
        errs = field_errors(block)
        if name and errs:
            out[name.group(1)] = errs
    return out


# --- create ---------------------------------------------------------------------------------------


def test_cadre_registers_a_person_and_the_id_number_gives_birth_date_and_gender(reg, people, login, tree):
    response = login(people.street_cadre).post(
        "/people/new/",
        form(tree, id_number=FREE_ID, phone="139 1111 2222", categories=["hardship_woman", "dibao"]),
    )
    person = Person.objects.get(name="刘芳")
    assert response.status_code == 302
    assert response["Location"] == f"/people/{person.pk}/"
    assert flash(response) == [("success", "已登记“刘芳”")]
    assert (person.unit, person.birth_date, person.gender, person.id_number, person.phone) == (
        tree.east2,
        dt.date(1985, 1, 2),
        "F",
        FREE_ID,
        "13911112222",
    )
    assert person.created_by == people.street_cadre
    assert sorted(PersonCategory.objects.filter(person=person).values_list("category__code", flat=True)) == [
        "dibao",
        "hardship_woman",
    ]
    [created] = [e for e in audit_rows("create") if e.object_pk == str(person.pk) and model_of(e) == "person"]
    assert created.actor == people.street_cadre
    assert FREE_ID not in str(created.changes)  # sensitive values are masked in the change log


def test_full_width_digits_of_an_id_number_are_accepted(reg, people, login, tree):
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in FREE_ID)
    login(people.street_cadre).post("/people/new/", form(tree, id_number=full_width))
    assert Person.objects.get(name="刘芳").id_number == FREE_ID


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"id_number": FREE_ID[:-1] + "0"}, "id_number", "身份证号校验位不正确,请核对号码"),
        ({"id_number": FREE_ID[:-1]}, "id_number", "身份证号应为18位,当前为17位"),
        (
            {"id_number": "3.30127E+17"},
            "id_number",
            "身份证号被 Excel 存成了数字(科学计数法),末几位已经丢失。请把该列设为“文本”格式后重新填写完整号码",
        ),
        ({"id_number": "33012719850102998A"}, "id_number", "身份证号只能由数字和末位的 X 组成"),
        (
            {"id_number": FREE_ID, "birth_date": "1985-01-03"},
            "birth_date",
            "出生日期与身份证号不一致:身份证号显示出生于1985年1月2日",
        ),
        ({"id_number": FREE_ID, "gender": "M"}, "gender", "性别与身份证号不一致:身份证号显示为女性"),
        ({"gender": "F", "phone": "1381234567"}, "phone", "电话号码无效:手机号应为11位,固定电话请带区号"),
        ({"gender": "F", "phone": "电话"}, "phone", "电话号码格式不正确"),
        (
            {"gender": "F", "birth_date": "2015-01-01", "guardian_phone": "123"},
            "guardian_phone",
            "电话号码无效:手机号应为11位,固定电话请带区号",
        ),
        ({"gender": "F", "name": ""}, "name", "请填写姓名"),
        ({"gender": "F", "name": "   "}, "name", "请填写姓名"),
        ({}, "gender", "请选择性别"),
        ({"gender": "F", "birth_date": "2999-01-01"}, "birth_date", "出生日期不能晚于今天"),
        ({"gender": "F", "birth_date": "2020-02-30"}, "birth_date", "输入一个有效的日期。"),
        ({"gender": "F", "residence_years": "-1"}, "residence_years", "居住年限不能为负数"),
        ({"gender": "F", "unit": "999999"}, "unit", "所属单位不存在或不在您的管理范围内"),
        ({"gender": "F", "unit": ""}, "unit", "请选择所属单位"),
    ],
)
def test_a_bad_entry_gets_a_chinese_message_on_its_field_and_saves_nothing(
    reg, people, login, tree, changes, field, message
):
    before = person_snapshot()
    response = login(people.street_cadre).post("/people/new/", form(tree, **changes))
    assert response.status_code == 200
    assert errors_by_field(response) == {field: [message]}
    assert person_snapshot() == before


def test_a_unit_outside_her_edit_scope_is_not_offered(reg, people, login, tree):
    before = person_snapshot()
    response = login(people.street_cadre).post("/people/new/", form(tree, gender="F", unit=tree.west1.pk))
    assert errors_by_field(response) == {"unit": ["所属单位不存在或不在您的管理范围内"]}
    assert person_snapshot() == before
    options = re.findall(r'<option value="(\d+)"', login(people.street_cadre).get("/people/new/").content.decode())
    assert options == [str(tree.east.pk), str(tree.east1.pk), str(tree.east2.pk)]


def test_a_duplicate_id_number_is_refused_with_a_link_to_the_first_record(reg, people, login, tree):
    before = person_snapshot()
    response = login(people.street_cadre).post("/people/new/", form(tree, id_number=ZHANG_ID))
    assert errors_by_field(response) == {"id_number": ["该身份证号已登记:张晓燕(东一社区),一人只建一份档案"]}
    body = response.content.decode()
    assert f'<a class="alert-link" href="/people/{reg.zhang.pk}/">张晓燕(东一社区)</a>' in body
    assert person_snapshot() == before


def test_a_duplicate_of_a_person_she_cannot_see_names_nobody(reg, people, login, tree):
    response = login(people.street_cadre).post("/people/new/", form(tree, id_number=LI_ID))
    assert errors_by_field(response) == {
        "id_number": ["该身份证号已在其他单位登记,一人只建一份档案。请联系上级单位核实"]
    }
    body = response.content.decode()
    assert "李明" not in body and "西一社区" not in body and 'id="duplicate"' not in body


def test_a_child_is_registered_with_a_guardian_found_by_search(reg, people, login, tree):
    response = login(people.street_cadre).post(
        "/people/new/",
        form(
            tree,
            gender="F",
            birth_date="2016-04-01",
            guardian=reg.shan.pk,
            guardian_relation="mother",
            school="东二小学",
            grade="四年级",
            dropped_out="on",
            residence_years="3",
            categories=["migrant_child"],
        ),
    )
    assert response.status_code == 302
    child = Person.objects.get(name="刘芳")
    assert (child.guardian, child.guardian_relation, child.school, child.grade, child.dropped_out) == (
        reg.shan,
        "mother",
        "东二小学",
        "四年级",
        True,
    )
    assert child.residence_years == 3


def test_a_guardian_who_is_not_registered_is_kept_by_name(reg, people, login, tree):
    login(people.street_cadre).post(
        "/people/new/",
        form(tree, gender="M", birth_date="2017-02-02", guardian_name="刘大姐", guardian_relation="relative"),
    )
    child = Person.objects.get(name="刘芳")
    assert (child.guardian, child.guardian_name, child.guardian_relation) == (None, "刘大姐", "relative")
    page = login(people.street_cadre).get(f"/people/{child.pk}/").content.decode()
    assert '<dd class="col-8" id="guardian">刘大姐<span class="small text-muted">(未登记为人员)</span></dd>' in page


def test_the_child_fields_of_an_adult_are_ignored(reg, people, login, tree):
    login(people.street_cadre).post(
        "/people/new/", form(tree, id_number=FREE_ID, guardian=reg.shan.pk, school="东二小学", dropped_out="on")
    )
    adult = Person.objects.get(name="刘芳")
    assert (adult.guardian, adult.school, adult.dropped_out) == (None, "", False)


def test_a_guardian_outside_her_view_is_refused(reg, people, login, tree):
    before = person_snapshot()
    response = login(people.street_cadre).post(
        "/people/new/", form(tree, gender="F", birth_date="2016-04-01", guardian=reg.li.pk)
    )
    assert errors_by_field(response) == {"guardian": ["请选择您可查看的人员作为监护人"]}
    assert "李明" not in response.content.decode()
    assert person_snapshot() == before


# --- edit -----------------------------------------------------------------------------------------


def edit_form(person: Person, **changes: Any) -> dict[str, Any]:
    data = {
        "unit": person.unit_id,
        "name": person.name,
        "gender": person.gender,
        "birth_date": person.birth_date.isoformat() if person.birth_date else "",
        "ethnicity": person.ethnicity,
        "education": person.education,
        "employment": person.employment,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_edit_form_never_shows_a_whole_sensitive_value(reg, people, login):
    body = login(people.street_cadre).get(f"/people/{reg.zhang.pk}/edit/").content.decode()
    for whole in (ZHANG_ID, ZHANG_PHONE, ZHANG_ADDRESS, "家中有重病老人"):
        assert whole not in body
    assert "330122********9967" in body
    assert audit_rows("access") == []


def test_blank_sensitive_fields_keep_their_values(reg, people, login):
    response = login(people.street_cadre).post(
        f"/people/{reg.zhang.pk}/edit/", edit_form(reg.zhang, education="senior")
    )
    assert flash(response) == [("success", "已保存")]
    zhang = Person.objects.get(pk=reg.zhang.pk)
    assert (zhang.id_number, zhang.phone, zhang.address, zhang.notes, zhang.education) == (
        ZHANG_ID,
        ZHANG_PHONE,
        ZHANG_ADDRESS,
        "家中有重病老人",
        "senior",
    )


def test_typed_sensitive_values_replace_and_ticked_ones_are_cleared(reg, people, login):
    login(people.street_cadre).post(
        f"/people/{reg.zhang.pk}/edit/", edit_form(reg.zhang, phone="13500001111", clear=["address", "notes"])
    )
    zhang = Person.objects.get(pk=reg.zhang.pk)
    assert (zhang.id_number, zhang.phone, zhang.address, zhang.notes) == (ZHANG_ID, "13500001111", "", "")


def test_a_new_id_number_sets_birth_date_and_gender_without_retyping_them(reg, people, login):
    login(people.street_cadre).post(f"/people/{reg.wei.pk}/edit/", edit_form(reg.wei, id_number=FREE_ID, gender="M"))
    wei = Person.objects.get(pk=reg.wei.pk)
    # 张伟 was typed as a man born in 2001; the ID says a woman born 1985-01-02, and the gender he
    # did not change follows the ID number
    assert (wei.id_number, wei.birth_date, wei.gender) == (FREE_ID, dt.date(1985, 1, 2), "F")


def test_editing_to_a_duplicate_id_number_is_refused_with_the_link(reg, people, login):
    before = person_snapshot()
    response = login(people.street_cadre).post(f"/people/{reg.shan.pk}/edit/", edit_form(reg.shan, id_number=ZHANG_ID))
    assert errors_by_field(response) == {"id_number": ["该身份证号已登记:张晓燕(东一社区),一人只建一份档案"]}
    assert f'href="/people/{reg.zhang.pk}/"' in response.content.decode()
    assert person_snapshot() == before


def test_a_changed_birth_date_against_the_id_number_is_refused(reg, people, login):
    response = login(people.street_cadre).post(
        f"/people/{reg.zhang.pk}/edit/", edit_form(reg.zhang, birth_date="1990-03-16")
    )
    assert errors_by_field(response) == {"birth_date": ["出生日期与身份证号不一致:身份证号显示出生于1990年3月15日"]}


def test_a_person_moves_to_another_unit_of_her_scope(reg, people, login, tree):
    login(people.street_cadre).post(f"/people/{reg.shan.pk}/edit/", edit_form(reg.shan, unit=tree.east1.pk))
    shan = Person.objects.get(pk=reg.shan.pk)
    assert (shan.unit, shan.unit_path) == (tree.east1, tree.east1.path)


def test_the_edit_form_shows_the_child_fields_for_a_child_only(reg, people, login):
    client = login(people.street_cadre)
    child = client.get(f"/people/{reg.zeng.pk}/edit/").content.decode()
    adult = client.get(f"/people/{reg.zhang.pk}/edit/").content.decode()
    assert '<fieldset class="mb-2" id="child-fields" data-child-fields>' in child
    assert f'value="{reg.zhang.pk}" id="guardian-current" checked' in child
    assert '<fieldset class="mb-2 d-none" id="child-fields" data-child-fields>' in adult


def test_a_child_guardian_can_be_cleared(reg, people, login):
    login(people.street_cadre).post(
        f"/people/{reg.zeng.pk}/edit/", edit_form(reg.zeng, guardian="", guardian_relation="")
    )
    assert Person.objects.get(pk=reg.zeng.pk).guardian is None
