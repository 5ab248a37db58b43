"""Creating, editing, moving, closing, reopening and deleting units through the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jinguo.accounts.models import Membership
from jinguo.core.models import AuditEntry
from jinguo.orgs.models import Unit, UnitKind

from .helpers import alerts, audit_rows, field_errors, flash, model_of, nodes, parent_of, unit_audit, unit_snapshot

pytestmark = pytest.mark.django_db

NEW_COMMUNITY = {
    "name": "东三社区",
    "kind": "community",
    "division_code": "339901001003",
    "federation_established": "on",
}


# --- create ----------------------------------------------------------------------------------


def test_street_cadre_creates_a_community_under_her_street(people, tree, login):
    response = login(people.street_cadre).post(f"/units/{tree.east.pk}/new/", NEW_COMMUNITY)
    created = Unit.objects.get(name="东三社区")
    assert response.status_code == 302
    assert response["Location"] == f"/units/{created.pk}/"
    assert flash(response) == [("success", "已新建单位“东三社区”")]
    assert parent_of(created) == tree.east
    assert (created.path, created.depth, created.kind, created.division_code, created.federation_established) == (
        tree.east.path + "0003",
        3,
        UnitKind.COMMUNITY,
        "339901001003",
        True,
    )
    assert Unit.objects.get(pk=tree.east.pk).numchild == 3
    [entry] = unit_audit("create", created)
    assert (entry.actor, model_of(entry)) == (people.street_cadre, "unit")


def test_new_unit_appears_in_the_children_partial(people, tree, login):
    client = login(people.street_cadre)
    client.post(f"/units/{tree.east.pk}/new/", NEW_COMMUNITY)
    response = client.get(f"/units/{tree.east.pk}/children/")
    assert [name for _, name in nodes(response)] == ["东一社区", "东二社区", "东三社区"]


def test_create_form_names_the_parent(people, tree, login):
    response = login(people.street_cadre).get(f"/units/{tree.east.pk}/new/")
    assert response.status_code == 200
    assert '<h1 class="h4 mb-3">新建下级单位 · 上级:东街道</h1>' in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"name": ""}, ["这个字段是必填项。"]),
        ({"name": "   "}, ["这个字段是必填项。"]),
        ({"kind": "palace"}, ["选择一个有效的选项。 palace 不在可用的选项中。"]),
        ({"division_code": "12345"}, ["区划代码应为12位数字(统计用区划代码)"]),
        ({"division_code": "33990100100X"}, ["区划代码应为12位数字(统计用区划代码)"]),
        ({"division_code": "990101000000"}, ["区划代码前两位 99 不是有效的省级代码"]),
        ({"division_code": "339901002000"}, ["区划代码 339901002000 已被其他单位使用"]),
        ({"federation_since": "2999-01-01"}, ["建立时间不能晚于今天"]),
        ({"federation_since": "去年"}, ["输入一个有效的日期。"]),
    ],
)
def test_bad_input_on_the_create_form_is_explained_and_nothing_is_created(people, tree, login, changes, errors):
    before = unit_snapshot()
    response = login(people.street_cadre).post(f"/units/{tree.east.pk}/new/", {**NEW_COMMUNITY, **changes})
    assert response.status_code == 200
    assert field_errors(response) == errors
    assert unit_snapshot() == before


def test_no_unit_can_be_created_under_a_closed_unit(people, tree, login):
    Unit.objects.filter(pk=tree.east2.pk).update(is_closed=True)
    before = unit_snapshot()
    response = login(people.street_cadre).post(f"/units/{tree.east2.pk}/new/", NEW_COMMUNITY)
    assert response.status_code == 200
    assert alerts(response) == ["上级单位已撤销,不能在其下新建单位"]
    assert unit_snapshot() == before


# --- edit ------------------------------------------------------------------------------------


def _form_of(unit: Unit, **changes: str) -> dict[str, str]:
    data = {
        "name": unit.name,
        "kind": unit.kind,
        "division_code": unit.division_code or "",
        "address": unit.address,
        "phone": unit.phone,
        "notes": unit.notes,
    }
    if unit.federation_established:
        data["federation_established"] = "on"
    if unit.federation_since:
        data["federation_since"] = unit.federation_since.isoformat()
    data.update(changes)
    return data


def test_street_cadre_renames_a_community_and_the_change_is_audited(people, tree, login):
    response = login(people.street_cadre).post(
        f"/units/{tree.east1.pk}/edit/", _form_of(tree.east1, name="东一社区(更名)", phone="0571-1234")
    )
    assert response.status_code == 302
    assert response["Location"] == f"/units/{tree.east1.pk}/"
    assert flash(response) == [("success", "已保存")]
    unit = Unit.objects.get(pk=tree.east1.pk)
    assert (unit.name, unit.phone, unit.path) == ("东一社区(更名)", "0571-1234", tree.east1.path)
    [entry] = unit_audit("update", tree.east1)
    assert entry.actor == people.street_cadre
    assert entry.changes_dict == {"name": ["东一社区", "东一社区(更名)"], "phone": ["", "0571-1234"]}


def test_edit_form_is_filled_with_the_unit(people, tree, login):
    body = login(people.district_cadre).get(f"/units/{tree.east.pk}/edit/").content.decode()
    assert 'name="name" value="东街道"' in body
    assert 'name="division_code" value="339901001000"' in body
    assert '<h1 class="h4 mb-3">编辑单位 · 东街道</h1>' in body


def test_a_unit_keeps_its_own_code_when_saved_again(people, tree, login):
    response = login(people.district_cadre).post(f"/units/{tree.east.pk}/edit/", _form_of(tree.east, notes="备注"))
    assert response.status_code == 302
    assert Unit.objects.get(pk=tree.east.pk).division_code == "339901001000"


def test_editing_to_the_code_of_another_unit_is_refused(people, tree, login):
    before = unit_snapshot()
    response = login(people.district_cadre).post(
        f"/units/{tree.east.pk}/edit/", _form_of(tree.east, division_code="339901002000")
    )
    assert response.status_code == 200
    assert field_errors(response) == ["区划代码 339901002000 已被单位“西街道”使用"]
    assert unit_snapshot() == before
    assert audit_rows("update") == []


def test_clearing_the_federation_flag_clears_its_date(people, tree, login):
    Unit.objects.filter(pk=tree.east1.pk).update(federation_since=dt.date(2020, 1, 1))
    unit = Unit.objects.get(pk=tree.east1.pk)
    data = _form_of(unit)
    del data["federation_established"]
    login(people.street_cadre).post(f"/units/{tree.east1.pk}/edit/", data)
    unit.refresh_from_db()
    assert (unit.federation_established, unit.federation_since) == (False, None)


# --- move ------------------------------------------------------------------------------------


def test_district_cadre_moves_a_community_to_the_other_street_by_name(people, tree, login):
    response = login(people.district_cadre).post(f"/units/{tree.east1.pk}/move/", {"new_parent": "西街道"})
    assert response.status_code == 302
    assert response["Location"] == f"/units/{tree.east1.pk}/"
    assert flash(response) == [("success", "已将“东一社区”迁移到“西街道”之下")]
    moved = Unit.objects.get(pk=tree.east1.pk)
    assert moved.path == tree.west.path + "0003"
    assert parent_of(moved) == tree.west
    assert (Unit.objects.get(pk=tree.east.pk).numchild, Unit.objects.get(pk=tree.west.pk).numchild) == (1, 3)
    # the community cadre's membership follows her unit
    assert Membership.objects.get(user=people.community_cadre).unit_path == moved.path


def test_moving_a_street_moves_its_whole_subtree_and_the_memberships_in_it(people, tree, login):
    response = login(people.district_cadre).post(f"/units/{tree.east.pk}/move/", {"new_parent": "339901002000"})
    assert response.status_code == 302
    east = Unit.objects.get(pk=tree.east.pk)
    new_path = tree.west.path + "0003"
    assert [(u.name, u.path, u.depth) for u in Unit.objects.filter(path__startswith=new_path)] == [
        ("东街道", new_path, 3),
        ("东一社区", new_path + "0001", 4),
        ("东二社区", new_path + "0002", 4),
    ]
    assert parent_of(east) == tree.west
    assert sorted(
        Membership.objects.filter(unit_path__startswith=new_path).values_list("user__username", "unit_path")
    ) == [
        ("community_cadre", new_path + "0001"),
        ("readonly_user", new_path),
        ("street_cadre", new_path),
    ]
    # nothing is left under the old path
    assert Membership.objects.filter(unit_path__startswith=tree.east.path).count() == 0
    # the sibling street now sees the moved street, and its cadre still sees her own subtree only
    assert login(people.sibling_street_cadre).get(f"/units/{tree.east1.pk}/").status_code == 200
    assert [n for _, n in nodes(login(people.street_cadre).get("/units/"))] == ["东街道"]


def test_a_move_is_audited_with_the_old_and_new_parent(people, tree, login):
    login(people.district_cadre).post(f"/units/{tree.east1.pk}/move/", {"new_parent": "西街道"})
    # one row, written by the action (the path changes by a queryset update, which auditlog does not see)
    assert [(e.actor, e.additional_data) for e in unit_audit("update", tree.east1)] == [
        (
            people.district_cadre,
            {"action": "move", "from": "东街道", "from_id": tree.east.pk, "to": "西街道", "to_id": tree.west.pk},
        )
    ]


@pytest.mark.parametrize(
    ("unit", "target", "message"),
    [
        ("east", "东一社区", "不能把单位迁移到它自己或它的下级单位之下"),
        ("east", "东街道", "不能把单位迁移到它自己或它的下级单位之下"),
        ("east1", "东街道", "该单位已在目标上级单位之下"),
        ("east1", "北街道", "找不到“北街道”,或该单位不在您的管理范围内"),
        ("east1", "", "找不到“”,或该单位不在您的管理范围内"),
    ],
)
def test_impossible_moves_are_refused_with_a_reason(people, tree, login, unit, target, message):
    before = unit_snapshot()
    memberships = list(Membership.objects.order_by("pk").values_list("unit_path", flat=True))
    response = login(people.district_cadre).post(f"/units/{getattr(tree, unit).pk}/move/", {"new_parent": target})
    assert response.status_code == 200
    assert alerts(response) == [message]
    assert unit_snapshot() == before
    assert list(Membership.objects.order_by("pk").values_list("unit_path", flat=True)) == memberships


def test_a_closed_unit_cannot_be_a_move_target(people, tree, login):
    Unit.objects.filter(pk=tree.west2.pk).update(is_closed=True)
    before = unit_snapshot()
    response = login(people.district_cadre).post(f"/units/{tree.east1.pk}/move/", {"new_parent": "西二社区"})
    assert alerts(response) == ["找不到“西二社区”,或该单位不在您的管理范围内"]
    assert unit_snapshot() == before


def test_an_ambiguous_target_name_asks_for_the_code(people, tree, login):
    for street in (tree.east, tree.west):
        Unit.objects.add_child(Unit.objects.get(pk=street.pk), create_kwargs={"name": "和平社区", "kind": "community"})
    before = unit_snapshot()
    response = login(people.district_cadre).post(f"/units/{tree.east1.pk}/move/", {"new_parent": "和平社区"})
    assert alerts(response) == ["名称“和平社区”对应多个单位,请改填区划代码"]
    assert unit_snapshot() == before


def test_street_cadre_cannot_move_a_community_to_the_sibling_street(people, tree, login):
    before = unit_snapshot()
    response = login(people.street_cadre).post(f"/units/{tree.east1.pk}/move/", {"new_parent": "西街道"})
    assert alerts(response) == ["找不到“西街道”,或该单位不在您的管理范围内"]
    assert unit_snapshot() == before


def test_street_cadre_moves_a_community_under_another_of_her_communities(people, tree, login):
    response = login(people.street_cadre).post(f"/units/{tree.east2.pk}/move/", {"new_parent": "东一社区"})
    assert response.status_code == 302
    assert parent_of(Unit.objects.get(pk=tree.east2.pk)) == tree.east1


def test_move_form_names_the_current_parent(people, tree, login):
    body = login(people.district_cadre).get(f"/units/{tree.east1.pk}/move/").content.decode()
    assert "<p>当前上级单位:东街道。" in body
    assert '<h1 class="h4 mb-3">迁移“东一社区”</h1>' in body


# --- close and reopen ------------------------------------------------------------------------


def test_street_cadre_closes_an_empty_community_with_a_reason(people, tree, login):
    response = login(people.street_cadre).post(f"/units/{tree.east2.pk}/close/", {"reason": " 并入东一社区 "})
    assert response.status_code == 302
    assert response["Location"] == f"/units/{tree.east2.pk}/"
    assert flash(response) == [("success", "已撤销“东二社区”")]
    unit = Unit.objects.get(pk=tree.east2.pk)
    assert (unit.is_closed, unit.closed_reason) == (True, "并入东一社区")
    assert unit.closed_at is not None and abs((timezone.now() - unit.closed_at).total_seconds()) < 60
    [entry] = unit_audit("update", tree.east2)
    assert entry.changes_dict["is_closed"] == ["False", "True"]


@pytest.mark.parametrize(
    ("actor", "unit", "reason", "message"),
    [
        ("street_cadre", "east2", "  ", "请填写撤销原因"),
        ("district_cadre", "east", "合并", "该单位还有未撤销的下级单位,请先撤销或迁移下级单位"),
        ("street_cadre", "east", "合并", "不能撤销您本人所在的单位"),
        ("district_cadre", "district", "合并", "不能撤销您本人所在的单位"),
    ],
)
def test_refused_closings_leave_the_unit_open(people, tree, login, actor, unit, reason, message):
    before = unit_snapshot()
    target = getattr(tree, unit)
    response = login(getattr(people, actor)).post(f"/units/{target.pk}/close/", {"reason": reason})
    assert response.status_code == 302
    assert flash(response) == [("error", message)]
    assert unit_snapshot() == before


def test_closing_a_closed_unit_again_is_refused(people, tree, login):
    Unit.objects.filter(pk=tree.east2.pk).update(is_closed=True, closed_reason="合并")
    response = login(people.street_cadre).post(f"/units/{tree.east2.pk}/close/", {"reason": "再撤销"})
    assert flash(response) == [("error", "该单位已撤销")]
    assert Unit.objects.get(pk=tree.east2.pk).closed_reason == "合并"


def _retire_staff_of(*units):
    from jinguo.accounts.models import User

    User.objects.filter(memberships__unit__in=units).update(is_active=False)


def test_street_closes_once_its_communities_are_closed(people, tree, login):
    client = login(people.district_cadre)
    _retire_staff_of(tree.east, tree.east1, tree.east2)
    for community in (tree.east1, tree.east2):
        client.post(f"/units/{community.pk}/close/", {"reason": "撤并"})
    response = client.post(f"/units/{tree.east.pk}/close/", {"reason": "街道撤并"})
    assert flash(response) == [("success", "已撤销“东街道”")]
    assert list(Unit.objects.filter(is_closed=True).values_list("name", flat=True)) == [
        "东街道",
        "东一社区",
        "东二社区",
    ]


def test_get_on_close_is_not_allowed(people, tree, login):
    assert login(people.street_cadre).get(f"/units/{tree.east2.pk}/close/").status_code == 405
    assert Unit.objects.get(pk=tree.east2.pk).is_closed is False


def test_reopening_a_closed_unit_clears_the_closing(people, tree, login):
    client = login(people.street_cadre)
    client.post(f"/units/{tree.east2.pk}/close/", {"reason": "撤并"})
    response = client.post(f"/units/{tree.east2.pk}/reopen/")
    assert response.status_code == 302
    assert flash(response) == [("success", "已恢复“东二社区”")]
    unit = Unit.objects.get(pk=tree.east2.pk)
    assert (unit.is_closed, unit.closed_at, unit.closed_reason) == (False, None, "")


def test_a_unit_under_a_closed_parent_cannot_be_reopened(people, tree, login):
    client = login(people.district_cadre)
    _retire_staff_of(tree.west, tree.west1, tree.west2)
    for unit in (tree.west1, tree.west2, tree.west):
        client.post(f"/units/{unit.pk}/close/", {"reason": "撤并"})
    before = unit_snapshot()
    response = client.post(f"/units/{tree.west1.pk}/reopen/")
    assert flash(response) == [("error", "上级单位已撤销,请先恢复上级单位")]
    assert unit_snapshot() == before


# --- delete ----------------------------------------------------------------------------------


def test_street_cadre_deletes_an_empty_community_created_by_mistake(people, tree, login):
    response = login(people.street_cadre).post(f"/units/{tree.east2.pk}/delete/")
    assert response.status_code == 302
    assert response["Location"] == f"/units/{tree.east.pk}/"
    assert flash(response) == [("success", "已删除“东二社区”")]
    assert not Unit.objects.filter(pk=tree.east2.pk).exists()
    assert Unit.objects.get(pk=tree.east.pk).numchild == 1
    [entry] = unit_audit("delete", tree.east2)
    assert (entry.actor, entry.object_repr) == (people.street_cadre, "东二社区")


def test_a_unit_with_a_member_cannot_be_deleted(people, tree, login):
    before = unit_snapshot()
    response = login(people.street_cadre).post(f"/units/{tree.east1.pk}/delete/")
    assert response.status_code == 302
    assert response["Location"] == f"/units/{tree.east1.pk}/"
    assert flash(response) == [("error", "该单位已有用户或业务记录,不能删除,只能撤销")]
    assert unit_snapshot() == before


def test_a_unit_with_children_cannot_be_deleted(people, tree, login):
    Membership.objects.filter(unit=tree.west).delete()
    before = unit_snapshot()
    response = login(people.district_cadre).post(f"/units/{tree.west.pk}/delete/")
    assert flash(response) == [("error", "该单位有下级单位,不能删除")]
    assert unit_snapshot() == before


def test_the_top_unit_cannot_be_deleted_by_its_own_cadre(people, tree, login):
    before = unit_snapshot()
    response = login(people.district_cadre).post(f"/units/{tree.district.pk}/delete/")
    assert response.status_code == 404
    assert unit_snapshot() == before
    [entry] = audit_rows("denied", actor=people.district_cadre)
    assert (entry.object_pk, entry.additional_data) == (str(tree.district.pk), {"reason": "delete"})


def test_audit_rows_of_a_deleted_unit_are_kept(people, tree, login):
    client = login(people.street_cadre)
    client.post(f"/units/{tree.east2.pk}/edit/", _form_of(tree.east2, name="东二社区(误建)"))
    client.post(f"/units/{tree.east2.pk}/delete/")
    assert list(
        AuditEntry.objects.filter(object_pk=str(tree.east2.pk), content_type__model="unit")
        .order_by("pk")
        .values_list("event", flat=True)
    ) == ["create", "update", "delete"]


def test_a_unit_with_active_users_cannot_be_closed_until_they_leave(people, tree, login):
    client = login(people.street_cadre)
    response = client.post(f"/units/{tree.east1.pk}/close/", {"reason": "合并"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "该单位还有 1 名在岗用户,请先在“用户管理”中为她们调整单位或停用账户" in page
    assert Unit.objects.get(pk=tree.east1.pk).is_closed is False
    people.community_cadre.is_active = False
    people.community_cadre.save()
    client.post(f"/units/{tree.east1.pk}/close/", {"reason": "合并"})
    assert Unit.objects.get(pk=tree.east1.pk).is_closed is True
