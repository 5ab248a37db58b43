"""The person page: everything held about her, masked; reveal with an access row; categories with
history; merging duplicates; households."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from jinguo.people import actions
from jinguo.people.models import Household, HouseholdMember, Person, PersonCategory

from .helpers import (
    ZHANG_ADDRESS,
    ZHANG_ID,
    ZHANG_PHONE,
    audit_rows,
    build_registry,
    facts,
    flash,
    model_of,
    search,
    text,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reg(tree, people):
    return build_registry(tree, people.district_cadre)


def section(page, element_id: str) -> str:
    body = page.content.decode()
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:div|ul|table|dd)>\s*(?:</div>|<)', body, re.S)
    assert found is not None, element_id
    return text(found.group(1))


# --- what the page shows -------------------------------------------------------------------------


def test_person_page_shows_her_details_masked(reg, people, login):
    response = login(people.street_cadre).get(f"/people/{reg.zhang.pk}/")
    assert response.status_code == 200
    shown = facts(response)
    assert shown == {
        "姓名": "张晓燕",
        "性别": "女",
        "出生日期": "1990年3月15日",
        "身份证号": "330122********9967 查看完整信息",
        "联系电话": "138****5678 查看完整信息",
        "住址": "浙江省杭州市**** 查看完整信息",
        "民族": "汉族",
        "文化程度": "—",
        "就业状况": "失业/下岗",
        "所属单位": "示范区 / 东街道 / 东一社区",
        "备注": "****** 查看完整信息",
        "登记": shown["登记"],
    }
    assert shown["登记"].startswith(timezone.localtime(reg.zhang.created_at).strftime("%Y-%m-%d"))
    body = response.content.decode()
    for whole in (ZHANG_ID, ZHANG_PHONE, ZHANG_ADDRESS, "家中有重病老人"):
        assert whole not in body


def test_readonly_user_sees_the_masked_page_without_reveal_buttons(reg, people, login):
    response = login(people.readonly_user).get(f"/people/{reg.zhang.pk}/")
    assert facts(response)["身份证号"] == "330122********9967"
    assert "查看完整信息" not in response.content.decode()
    assert 'id="person-edit"' not in response.content.decode()


def test_person_page_shows_categories_households_and_wards(reg, people, login):
    body = login(people.street_cadre).get(f"/people/{reg.zhang.pk}/").content.decode()
    assert '<span class="badge text-bg-primary">困难妇女</span>' in body
    assert f'<a href="/people/households/{reg.household.pk}/">张晓燕家</a>' in body
    assert "本人:户主 · 2 人 · 东一社区" in text(body)
    assert f'<li><a href="/people/{reg.zeng.pk}/">曾晓燕</a>' in body


def test_child_page_shows_the_guardian_school_and_masked_guardian_phone(reg, people, login):
    response = login(people.street_cadre).get(f"/people/{reg.zeng.pk}/")
    guardianship = text(search(r'id="guardianship">(.*?)</dl>', response.content.decode()))
    assert guardianship == (
        "儿童信息与监护人 监护人 张晓燕 与监护人关系 母亲 监护人电话 138****5678 查看完整信息 "
        "学校 东一小学 年级 五年级 是否辍学 否 居住年限 —"
    )
    assert f'<a href="/people/{reg.zhang.pk}/">张晓燕</a>' in response.content.decode()


def test_category_history_shows_who_set_and_who_ended(reg, people, login):
    body = login(people.district_cadre).get(f"/people/{reg.wang.pk}/").content.decode()
    history = search(r'id="category-history">(.*?)</table>', body)
    today = timezone.localdate().isoformat()
    rows = [text(r) for r in re.findall(r"<tr>(<td>.*?)</tr>", history, re.S)]
    assert rows == [f"单亲家庭儿童 {today} district_cadre {today} district_cadre 父母复婚"]


# --- reveal --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("id_number", ZHANG_ID), ("phone", ZHANG_PHONE), ("address", ZHANG_ADDRESS), ("notes", "家中有重病老人")],
)
def test_reveal_shows_the_whole_value_and_writes_one_access_row(reg, people, login, field, value):
    client = login(people.street_cadre)
    response = client.post(f"/people/{reg.zhang.pk}/reveal/", {"field": field}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert f'<span class="mono revealed">{value}</span>' in response.content.decode()
    [entry] = audit_rows("access")
    assert (entry.actor, model_of(entry), entry.object_pk, entry.additional_data) == (
        people.street_cadre,
        "person",
        str(reg.zhang.pk),
        {"field": field},
    )
    assert entry.path == f"/people/{reg.zhang.pk}/reveal/"


def test_reveal_without_htmx_shows_the_page_with_the_whole_value(reg, people, login):
    response = login(people.street_cadre).post(f"/people/{reg.zhang.pk}/reveal/", {"field": "id_number"})
    assert facts(response)["身份证号"] == f"{ZHANG_ID} 完整信息,已记录查看"
    assert facts(response)["联系电话"] == "138****5678 查看完整信息"
    assert len(audit_rows("access")) == 1


def test_reveal_of_the_guardian_phone_of_a_child(reg, people, login):
    response = login(people.community_cadre).post(
        f"/people/{reg.zeng.pk}/reveal/", {"field": "guardian_phone"}, headers={"HX-Request": "true"}
    )
    assert f'<span class="mono revealed">{ZHANG_PHONE}</span>' in response.content.decode()
    assert [e.additional_data for e in audit_rows("access")] == [{"field": "guardian_phone"}]


@pytest.mark.parametrize("field", ["name", "id_hash", ""])
def test_reveal_of_a_field_that_is_not_sensitive_is_refused(reg, people, login, field):
    response = login(people.street_cadre).post(f"/people/{reg.zhang.pk}/reveal/", {"field": field})
    assert response.status_code == 404
    assert audit_rows("access") == []
    assert [e.additional_data for e in audit_rows("denied")] == [{"reason": "reveal"}]


def test_reveal_needs_the_reveal_permission(reg, people, login):
    response = login(people.readonly_user).post(f"/people/{reg.zhang.pk}/reveal/", {"field": "id_number"})
    assert response.status_code == 404
    assert ZHANG_ID not in response.content.decode()
    assert audit_rows("access") == []
    [entry] = audit_rows("denied")
    assert (entry.actor, entry.object_pk, entry.additional_data) == (
        people.readonly_user,
        str(reg.zhang.pk),
        {"reason": "reveal"},
    )


def test_reveal_is_a_post(reg, people, login):
    assert login(people.street_cadre).get(f"/people/{reg.zhang.pk}/reveal/?field=id_number").status_code == 405
    assert audit_rows("access") == []


# --- categories ----------------------------------------------------------------------------------


def test_cadre_adds_a_category_with_a_date(reg, people, login):
    response = login(people.street_cadre).post(
        f"/people/{reg.shan.pk}/categories/", {"code": "dibao", "set_on": "2026-01-05"}
    )
    assert response.status_code == 302
    assert flash(response) == [("success", "已将单丽列入“低保”")]
    row = PersonCategory.objects.get(person=reg.shan, category__code="dibao")
    assert (row.set_on, row.set_by, row.ended_on) == (dt.date(2026, 1, 5), people.street_cadre, None)


def test_adding_a_category_twice_keeps_one_open_row(reg, people, login):
    login(people.street_cadre).post(f"/people/{reg.shan.pk}/categories/", {"code": "laid_off"})
    assert PersonCategory.objects.filter(person=reg.shan, category__code="laid_off").count() == 1


def test_adding_an_unknown_category_says_so(reg, people, login):
    response = login(people.street_cadre).post(f"/people/{reg.shan.pk}/categories/", {"code": "nope"})
    assert flash(response) == [("error", "选择一个有效的选项。 nope 不在可用的选项中。")]


def test_cadre_ends_a_category_and_the_history_stays(reg, people, login):
    client = login(people.street_cadre)
    PersonCategory.objects.filter(person=reg.shan).update(set_on=dt.date(2025, 3, 1))
    response = client.post(
        f"/people/{reg.shan.pk}/categories/laid_off/end/", {"reason": "已再就业", "ended_on": "2025-09-01"}
    )
    assert flash(response) == [("success", "已退出该类别,记录保留在历史中")]
    row = PersonCategory.objects.get(person=reg.shan, category__code="laid_off")
    assert (row.ended_on, row.ended_by, row.end_reason) == (dt.date(2025, 9, 1), people.street_cadre, "已再就业")
    page = client.get(f"/people/{reg.shan.pk}/").content.decode()
    history = search(r'id="category-history">(.*?)</table>', page)
    assert "下岗失业" in text(history) and "已再就业" in text(history)
    # and she can be set in it again later: a new row, the old one kept
    client.post(f"/people/{reg.shan.pk}/categories/", {"code": "laid_off"})
    assert PersonCategory.objects.filter(person=reg.shan, category__code="laid_off").count() == 2


def test_ending_a_category_needs_a_reason(reg, people, login):
    response = login(people.street_cadre).post(f"/people/{reg.shan.pk}/categories/laid_off/end/", {"reason": ""})
    assert flash(response) == [("error", "请填写退出原因")]
    assert PersonCategory.objects.get(person=reg.shan, category__code="laid_off").ended_on is None


def test_ending_a_category_before_it_was_set_is_refused(reg, people, login):
    response = login(people.street_cadre).post(
        f"/people/{reg.shan.pk}/categories/laid_off/end/", {"reason": "已再就业", "ended_on": "2001-01-01"}
    )
    assert flash(response) == [("error", "退出日期不能早于认定日期")]
    assert PersonCategory.objects.get(person=reg.shan, category__code="laid_off").ended_on is None


def test_ending_a_category_she_is_not_in_says_so(reg, people, login):
    response = login(people.street_cadre).post(f"/people/{reg.shan.pk}/categories/dibao/end/", {"reason": "x"})
    assert flash(response) == [("error", "该人员不在这个类别中")]


# --- merge ---------------------------------------------------------------------------------------


@pytest.fixture
def twin(reg, people, tree):
    """A second record of 单丽 without an ID number, carrying links of its own."""
    other = actions.do_create_person(
        actor=people.district_cadre,
        unit=tree.east2,
        name="单丽",
        gender="F",
        birth_date=dt.date(1985, 1, 2),
        address="东二社区3号楼",
        categories=["dibao", "laid_off"],
    )
    actions.do_update_person(actor=people.district_cadre, person=reg.wei, guardian=other)
    household = actions.do_create_household(actor=people.district_cadre, unit=tree.east2, head=other)
    return other, household


def test_a_record_without_an_id_that_looks_alike_is_offered_for_merging(reg, twin, people, login):
    other, _ = twin
    actions.do_update_person(actor=people.district_cadre, person=reg.shan, id_number="330127198501029986")
    body = login(people.street_cadre).get(f"/people/{reg.shan.pk}/").content.decode()
    assert f'href="/people/{reg.shan.pk}/merge/{other.pk}/">合并到本档案</a>' in body


def test_readonly_user_is_not_offered_a_merge(reg, twin, people, login):
    body = login(people.readonly_user).get(f"/people/{reg.shan.pk}/").content.decode()
    assert 'id="similar"' not in body


def test_merge_confirmation_names_what_moves(reg, twin, people, login):
    other, _ = twin
    response = login(people.street_cadre).get(f"/people/{reg.shan.pk}/merge/{other.pk}/")
    assert section(response, "merge-links") == "类别记录 2 条,家庭 1 个,被监护人 1 人"
    assert Person.objects.filter(pk=other.pk).exists()


def test_merge_keeps_every_link_and_is_audited(reg, twin, people, login):
    other, household = twin
    response = login(people.street_cadre).post(f"/people/{reg.shan.pk}/merge/{other.pk}/")
    assert response.status_code == 302
    assert flash(response) == [("success", f"已将重复记录 #{other.pk} 合并到本档案,原有的类别、家庭和监护关系均已保留")]
    assert not Person.objects.filter(pk=other.pk).exists()
    shan = Person.objects.get(pk=reg.shan.pk)
    assert shan.address == "东二社区3号楼"  # her blank field took the twin's value
    open_codes = sorted(
        PersonCategory.objects.filter(person=shan, ended_on__isnull=True).values_list("category__code", flat=True)
    )
    assert open_codes == ["dibao", "hardship_woman", "laid_off"]
    # the twin's open 下岗失业 row duplicated hers: ended, not lost
    assert PersonCategory.objects.filter(person=shan, category__code="laid_off").count() == 2
    assert Person.objects.get(pk=reg.wei.pk).guardian_id == shan.pk
    assert HouseholdMember.objects.get(household=household).person_id == shan.pk
    assert Household.objects.get(pk=household.pk).head_id == shan.pk
    [entry] = [e for e in audit_rows("update") if (e.additional_data or {}).get("action") == "merge"]
    assert (entry.actor, entry.object_pk, entry.additional_data["merged_id"]) == (
        people.street_cadre,
        str(shan.pk),
        other.pk,
    )


def test_two_records_with_different_id_numbers_are_not_merged(reg, people, login):
    response = login(people.district_cadre).post(f"/people/{reg.zhang.pk}/merge/{reg.li.pk}/")
    assert flash(response) == [("error", "两条记录的身份证号不同,不是同一人,不能合并")]
    assert Person.objects.filter(pk=reg.li.pk).exists()


# --- households ----------------------------------------------------------------------------------


def test_household_page_lists_members_masked(reg, people, login):
    response = login(people.community_cadre).get(f"/people/households/{reg.household.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    members = search(r'id="members">(.*?)</table>', body)
    rows = [
        [text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)][:5]
        for r in re.findall(r"<tr>(.*?)</tr>", members.split("</thead>")[1], re.S)
    ]
    assert rows == [
        ["张晓燕", "户主", "女", str(reg.zhang.age()), "330122********9967"],
        ["曾晓燕", "子女", "女", str(reg.zeng.age()), "330122********9982"],
    ]
    assert section(response, "household-address") == "浙江省杭州市****"
    assert ZHANG_ADDRESS not in body and ZHANG_ID not in body


def test_cadre_creates_a_household_with_her_as_head(reg, people, login):
    response = login(people.street_cadre).post(f"/people/{reg.shan.pk}/households/new/", {"address": "东二社区5号"})
    household = Household.objects.get(head=reg.shan)
    assert response["Location"] == f"/people/households/{household.pk}/"
    assert (household.unit, household.address) == (reg.shan.unit, "东二社区5号")
    assert list(household.members.values_list("person__name", "relation")) == [("单丽", "head")]


def test_cadre_adds_and_removes_a_member(reg, people, login):
    client = login(people.street_cadre)
    url = f"/people/households/{reg.household.pk}/members/"
    response = client.post(url, {"person": reg.wei.pk, "relation": "other"})
    assert flash(response) == [("success", "已将张伟加入本家庭")]
    member = HouseholdMember.objects.get(household=reg.household, person=reg.wei)
    assert member.relation == "other"
    again = client.post(url, {"person": reg.wei.pk, "relation": "other"})
    assert flash(again) == [("error", "张伟已是该家庭成员")]
    removed = client.post(f"/people/households/{reg.household.pk}/members/{member.pk}/remove/")
    assert flash(removed) == [("success", "已将张伟移出本家庭")]
    assert not HouseholdMember.objects.filter(pk=member.pk).exists()
    assert Person.objects.filter(pk=reg.wei.pk).exists()


def test_the_head_cannot_be_removed(reg, people, login):
    head = HouseholdMember.objects.get(household=reg.household, person=reg.zhang)
    response = login(people.street_cadre).post(f"/people/households/{reg.household.pk}/members/{head.pk}/remove/")
    assert flash(response) == [("error", "不能移除户主,请先更换户主")]
    assert HouseholdMember.objects.filter(pk=head.pk).exists()


def test_a_member_must_be_chosen_and_visible(reg, people, login):
    client = login(people.street_cadre)
    url = f"/people/households/{reg.household.pk}/members/"
    assert flash(client.post(url, {"relation": "other"})) == [("error", "请先搜索并选择一位人员")]
    assert flash(client.post(url, {"person": reg.li.pk, "relation": "other"})) == [("error", "请选择您可查看的人员")]
    assert flash(client.post(url, {"person": reg.wei.pk})) == [("error", "请选择与户主关系")]
    assert reg.household.members.count() == 2


def test_a_member_of_another_household_cannot_be_removed_through_this_one(reg, twin, people, login):
    _, household = twin
    other_member = HouseholdMember.objects.get(household=household)
    response = login(people.street_cadre).post(
        f"/people/households/{reg.household.pk}/members/{other_member.pk}/remove/"
    )
    assert response.status_code == 404
    assert HouseholdMember.objects.filter(pk=other_member.pk).exists()


def test_pick_lists_visible_persons_masked(reg, people, login):
    body = login(people.street_cadre).get("/people/pick/", {"q": "zxy", "field": "guardian"}).content.decode()
    hits = re.findall(r'name="guardian" value="(\d+)"', body)
    assert hits == [str(reg.zhang.pk), str(reg.zeng.pk)]
    assert "330122********9967" in body and ZHANG_ID not in body
    nobody = login(people.street_cadre).get("/people/pick/", {"q": "李明"}).content.decode()
    assert "没有找到“李明”" in nobody


def test_a_household_of_another_unit_shows_no_names_from_it(reg, people, login):
    # 李明 of 西一社区 is registered in 张晓燕's household of 东一社区, which the west street cannot see
    actions.do_add_member(actor=people.district_cadre, household=reg.household, person=reg.li, relation="other")
    page = login(people.sibling_street_cadre).get(f"/people/{reg.li.pk}/")
    assert "其他单位登记的家庭 · 本人:其他 · 3 人" in text(page.content.decode())
    assert "张晓燕" not in page.content.decode()
    assert f"/people/households/{reg.household.pk}/" not in page.content.decode()
    assert login(people.sibling_street_cadre).get(f"/people/households/{reg.household.pk}/").status_code == 404
