"""The JSON API of the unit tree: /api/units/…, with a session or a personal token."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from jinguo.accounts.models import ApiToken, Membership
from jinguo.orgs.models import Unit

from .helpers import audit_rows, parent_of, unit_audit, unit_snapshot

pytestmark = pytest.mark.django_db

NOT_FOUND = {"detail": "未找到该记录,或您无权访问"}


def unit_json(unit: Unit, parent: Unit | None, **changes: Any) -> dict[str, Any]:
    unit = Unit.objects.get(pk=unit.pk)
    data = {
        "id": unit.pk,
        "name": unit.name,
        "kind": unit.kind,
        "kind_label": unit.get_kind_display(),
        "division_code": unit.division_code,
        "federation_established": unit.federation_established,
        "federation_since": unit.federation_since.isoformat() if unit.federation_since else None,
        "address": unit.address,
        "phone": unit.phone,
        "is_closed": unit.is_closed,
        "depth": unit.depth,
        "parent_id": parent.pk if parent else None,
        "children_count": unit.numchild,
    }
    data.update(changes)
    return data


def post(client: Client, url: str, payload: Any) -> Any:
    return client.post(url, data=json.dumps(payload), content_type="application/json")


def patch(client: Client, url: str, payload: Any) -> Any:
    return client.patch(url, data=json.dumps(payload), content_type="application/json")


# --- reading ---------------------------------------------------------------------------------


def test_district_cadre_lists_every_unit_in_tree_order_with_its_parent(people, tree, login):
    response = login(people.district_cadre).get("/api/units/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 7
    assert [(u["name"], u["parent_id"]) for u in body["items"]] == [
        ("示范区", None),
        ("东街道", tree.district.pk),
        ("东一社区", tree.east.pk),
        ("东二社区", tree.east.pk),
        ("西街道", tree.district.pk),
        ("西一社区", tree.west.pk),
        ("西二社区", tree.west.pk),
    ]
    assert body["items"][1] == unit_json(tree.east, tree.district)


def test_street_cadre_lists_only_her_street(people, tree, login):
    body = login(people.street_cadre).get("/api/units/").json()
    assert (body["count"], [u["name"] for u in body["items"]]) == (3, ["东街道", "东一社区", "东二社区"])


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"q": "一社区"}, ["东一社区", "西一社区"]),
        ({"q": "339901002"}, ["西街道"]),
        ({"q": "３３９９０１００２"}, ["西街道"]),
        ({"kind": "street"}, ["东街道", "西街道"]),
        ({"kind": "community", "q": "西"}, ["西一社区", "西二社区"]),
        ({"limit": 2, "offset": 2}, ["东一社区", "东二社区"]),
    ],
)
def test_list_filters(people, tree, login, query, names):
    body = login(people.district_cadre).get("/api/units/", query).json()
    assert [u["name"] for u in body["items"]] == names


def test_closed_units_are_listed_only_on_request(people, tree, login):
    Unit.objects.filter(pk=tree.east2.pk).update(is_closed=True)
    client = login(people.street_cadre)
    assert [u["name"] for u in client.get("/api/units/").json()["items"]] == ["东街道", "东一社区"]
    body = client.get("/api/units/", {"include_closed": "true"}).json()
    assert (body["count"], body["items"][2]["is_closed"]) == (3, True)


def test_unit_detail(people, tree, login):
    Unit.objects.filter(pk=tree.east.pk).update(federation_since=dt.date(2019, 3, 8), address="东街道1号")
    response = login(people.street_cadre).get(f"/api/units/{tree.east.pk}/")
    assert response.status_code == 200
    assert response.json() == {
        "id": tree.east.pk,
        "name": "东街道",
        "kind": "street",
        "kind_label": "街道",
        "division_code": "339901001000",
        "federation_established": True,
        "federation_since": "2019-03-08",
        "address": "东街道1号",
        "phone": "",
        "is_closed": False,
        "depth": 2,
        "parent_id": tree.district.pk,
        "children_count": 2,
    }


def test_top_unit_has_no_parent(people, tree, login):
    assert login(people.district_cadre).get(f"/api/units/{tree.district.pk}/").json()["parent_id"] is None


def test_unit_children(people, tree, login):
    response = login(people.street_cadre).get(f"/api/units/{tree.east.pk}/children/")
    assert response.status_code == 200
    assert response.json() == [unit_json(tree.east1, tree.east), unit_json(tree.east2, tree.east)]


def test_children_of_a_leaf_is_an_empty_list(people, tree, login):
    assert login(people.street_cadre).get(f"/api/units/{tree.east1.pk}/children/").json() == []


def test_unit_coverage(people, tree, login):
    response = login(people.district_cadre).get(f"/api/units/{tree.district.pk}/coverage/")
    assert response.status_code == 200
    assert response.json() == {
        "unit_id": tree.district.pk,
        "total": 6,
        "established": 5,
        "share": "83.33",
        "sentence": "2个街道全部建立了妇联组织;4个社区中3个建立了妇联组织(75.00%)",
        "kinds": [
            {"kind": "street", "label": "街道", "total": 2, "established": 2, "share": "100.00"},
            {"kind": "community", "label": "社区", "total": 4, "established": 3, "share": "75.00"},
        ],
    }


def test_coverage_of_a_leaf_is_all_zero(people, tree, login):
    assert login(people.community_cadre).get(f"/api/units/{tree.east1.pk}/coverage/").json() == {
        "unit_id": tree.east1.pk,
        "total": 0,
        "established": 0,
        "share": "0.00",
        "sentence": "",
        "kinds": [],
    }


@pytest.mark.parametrize("suffix", ["", "children/", "coverage/"])
def test_street_cadre_gets_404_for_the_sibling_street_and_the_denial_is_audited(people, tree, login, suffix):
    response = login(people.street_cadre).get(f"/api/units/{tree.west.pk}/{suffix}")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    [entry] = audit_rows("denied", actor=people.street_cadre)
    assert (entry.object_pk, entry.path) == (str(tree.west.pk), f"/api/units/{tree.west.pk}/{suffix}")


def test_missing_unit_gets_the_same_404_as_a_hidden_one(people, tree, login):
    response = login(people.district_cadre).get("/api/units/999999/")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


# --- creating --------------------------------------------------------------------------------


def test_street_cadre_creates_a_community(people, tree, login):
    payload = {
        "parent_id": tree.east.pk,
        "name": " 东三社区 ",
        "kind": "community",
        "division_code": "339901001003",
        "federation_established": True,
        "federation_since": "2024-03-08",
        "address": "东三路8号",
    }
    response = post(login(people.street_cadre), "/api/units/", payload)
    assert response.status_code == 201
    created = Unit.objects.get(name="东三社区")
    assert response.json() == {
        "id": created.pk,
        "name": "东三社区",
        "kind": "community",
        "kind_label": "社区",
        "division_code": "339901001003",
        "federation_established": True,
        "federation_since": "2024-03-08",
        "address": "东三路8号",
        "phone": "",
        "is_closed": False,
        "depth": 3,
        "parent_id": tree.east.pk,
        "children_count": 0,
    }
    assert parent_of(created) == tree.east
    [entry] = unit_audit("create", created)
    assert entry.actor == people.street_cadre


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"name": ""}, {"detail": "请填写单位名称", "field": "name"}),
        ({"name": "   "}, {"detail": "请填写单位名称", "field": "name"}),
        ({"name": "社" * 101}, {"detail": "名称不能超过100个字", "field": "name"}),
        ({"address": "路" * 201}, {"detail": "地址不能超过200个字", "field": "address"}),
        ({"kind": "palace"}, {"detail": "单位类型无效", "field": "kind"}),
        ({"division_code": "12345"}, {"detail": "区划代码应为12位数字(统计用区划代码)", "field": "division_code"}),
        (
            {"division_code": "990101000000"},
            {"detail": "区划代码前两位 99 不是有效的省级代码", "field": "division_code"},
        ),
        (
            {"division_code": "339901002000"},
            {"detail": "区划代码 339901002000 已被其他单位使用", "field": "division_code"},
        ),
        ({"federation_since": "2999-01-01"}, {"detail": "建立时间不能晚于今天", "field": "federation_since"}),
    ],
)
def test_bad_input_gets_400_with_the_reason_and_nothing_is_created(people, tree, login, changes, error):
    before = unit_snapshot()
    payload = {"parent_id": tree.east.pk, "name": "东三社区", "kind": "community", **changes}
    response = post(login(people.street_cadre), "/api/units/", payload)
    assert (response.status_code, response.json()) == (400, error)
    assert unit_snapshot() == before


def test_an_empty_code_is_no_code(people, tree, login):
    payload = {"parent_id": tree.east.pk, "name": "东三社区", "kind": "community", "division_code": "  "}
    response = post(login(people.street_cadre), "/api/units/", payload)
    assert (response.status_code, response.json()["division_code"]) == (201, None)


def test_creating_under_a_closed_unit_is_refused(people, tree, login):
    Unit.objects.filter(pk=tree.east2.pk).update(is_closed=True)
    response = post(
        login(people.street_cadre), "/api/units/", {"parent_id": tree.east2.pk, "name": "楼", "kind": "other"}
    )
    assert (response.status_code, response.json()) == (400, {"detail": "上级单位已撤销,不能在其下新建单位"})


def test_malformed_types_get_422_with_every_field_error(people, tree, login):
    before = unit_snapshot()
    response = post(
        login(people.street_cadre), "/api/units/", {"parent_id": "东街道", "name": 5, "federation_established": "也许"}
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": "提交的数据格式不正确",
        "errors": [
            {
                "field": "payload.parent_id",
                "message": "Input should be a valid integer, unable to parse string as an integer",
                "type": "int_parsing",
            },
            {"field": "payload.name", "message": "Input should be a valid string", "type": "string_type"},
            {"field": "payload.kind", "message": "Field required", "type": "missing"},
            {
                "field": "payload.federation_established",
                "message": "Input should be a valid boolean, unable to interpret input",
                "type": "bool_parsing",
            },
        ],
    }
    assert unit_snapshot() == before


def test_creating_under_the_sibling_street_is_404(people, tree, login):
    before = unit_snapshot()
    response = post(
        login(people.street_cadre), "/api/units/", {"parent_id": tree.west.pk, "name": "楼", "kind": "other"}
    )
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert unit_snapshot() == before


# --- changing --------------------------------------------------------------------------------


def test_renaming_keeps_every_other_field_and_is_audited(people, tree, login):
    response = patch(login(people.district_cadre), f"/api/units/{tree.east.pk}/", {"name": "东湖街道"})
    assert response.status_code == 200
    assert response.json() == unit_json(tree.east, tree.district, name="东湖街道")
    assert response.json()["division_code"] == "339901001000"
    [entry] = unit_audit("update", tree.east)
    assert (entry.actor, entry.changes_dict) == (people.district_cadre, {"name": ["东街道", "东湖街道"]})


def test_patch_with_a_null_code_clears_the_code(people, tree, login):
    response = patch(login(people.district_cadre), f"/api/units/{tree.east.pk}/", {"division_code": None})
    assert (response.status_code, response.json()["division_code"]) == (200, None)
    assert Unit.objects.get(pk=tree.east.pk).division_code is None


def test_patch_with_a_null_address_clears_the_address(people, tree, login):
    Unit.objects.filter(pk=tree.east.pk).update(address="旧址")
    response = patch(login(people.district_cadre), f"/api/units/{tree.east.pk}/", {"address": None})
    assert (response.status_code, response.json()["address"]) == (200, "")


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"name": None}, {"detail": "请填写单位名称", "field": "name"}),
        ({"kind": None}, {"detail": "单位类型无效", "field": "kind"}),
        ({"federation_established": None}, {"detail": "请选择是否已建立妇联组织", "field": "federation_established"}),
        (
            {"division_code": "339901002000"},
            {"detail": "区划代码 339901002000 已被单位“西街道”使用", "field": "division_code"},
        ),
        ({"phone": "1" * 31}, {"detail": "联系电话不能超过30个字", "field": "phone"}),
    ],
)
def test_bad_patches_get_400_and_change_nothing(people, tree, login, payload, error):
    before = unit_snapshot()
    response = patch(login(people.district_cadre), f"/api/units/{tree.east.pk}/", payload)
    assert (response.status_code, response.json()) == (400, error)
    assert unit_snapshot() == before


def test_patch_with_wrong_types_gets_422(people, tree, login):
    response = patch(login(people.district_cadre), f"/api/units/{tree.east.pk}/", {"federation_since": "去年"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["payload.federation_since"]


def test_readonly_user_cannot_patch_and_the_denial_is_audited(people, tree, login):
    before = unit_snapshot()
    response = patch(login(people.readonly_user), f"/api/units/{tree.east.pk}/", {"name": "改名"})
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert unit_snapshot() == before
    [entry] = audit_rows("denied", actor=people.readonly_user)
    assert (entry.object_pk, entry.additional_data) == (str(tree.east.pk), {"reason": "manage_units"})


# --- moving ----------------------------------------------------------------------------------


def test_district_cadre_moves_a_community_to_the_other_street(people, tree, login):
    response = post(login(people.district_cadre), f"/api/units/{tree.east1.pk}/move/", {"new_parent_id": tree.west.pk})
    assert response.status_code == 200
    assert response.json() == unit_json(tree.east1, tree.west)
    moved = Unit.objects.get(pk=tree.east1.pk)
    assert (moved.path, moved.depth) == (tree.west.path + "0003", 3)
    assert Membership.objects.get(user=people.community_cadre).unit_path == moved.path


@pytest.mark.parametrize(
    ("unit", "target", "message"),
    [
        ("east", "east1", "不能把单位迁移到它自己或它的下级单位之下"),
        ("east", "east", "不能把单位迁移到它自己或它的下级单位之下"),
        ("east1", "east", "该单位已在目标上级单位之下"),
        ("east1", "west2", "目标上级单位已撤销"),
    ],
)
def test_impossible_moves_get_400(people, tree, login, unit, target, message):
    Unit.objects.filter(pk=tree.west2.pk).update(is_closed=True)
    before = unit_snapshot()
    response = post(
        login(people.district_cadre),
        f"/api/units/{getattr(tree, unit).pk}/move/",
        {"new_parent_id": getattr(tree, target).pk},
    )
    assert (response.status_code, response.json()) == (400, {"detail": message, "field": "new_parent"})
    assert unit_snapshot() == before


def test_street_cadre_cannot_move_into_the_sibling_street(people, tree, login):
    before = unit_snapshot()
    response = post(login(people.street_cadre), f"/api/units/{tree.east1.pk}/move/", {"new_parent_id": tree.west.pk})
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert unit_snapshot() == before
    [entry] = audit_rows("denied", actor=people.street_cadre)
    assert entry.object_pk == str(tree.west.pk)


def test_street_cadre_cannot_move_her_own_street(people, tree, login):
    response = post(login(people.street_cadre), f"/api/units/{tree.east.pk}/move/", {"new_parent_id": tree.east1.pk})
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    [entry] = audit_rows("denied", actor=people.street_cadre)
    assert (entry.object_pk, entry.additional_data) == (str(tree.east.pk), {"reason": "move"})


def test_move_without_a_target_gets_422(people, tree, login):
    response = post(login(people.district_cadre), f"/api/units/{tree.east1.pk}/move/", {})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "payload.new_parent_id", "message": "Field required", "type": "missing"}
    ]


# --- personal tokens -------------------------------------------------------------------------


def test_a_personal_token_reads_the_tree_of_its_owner(people, tree, bearer):
    client = bearer(people.street_cadre)
    body = client.get("/api/units/").json()
    assert (body["count"], [u["name"] for u in body["items"]]) == (3, ["东街道", "东一社区", "东二社区"])
    assert client.get(f"/api/units/{tree.west.pk}/").status_code == 404


def test_a_personal_token_creates_and_renames_units(people, tree, bearer):
    client = bearer(people.street_cadre)
    created = post(client, "/api/units/", {"parent_id": tree.east.pk, "name": "东三社区", "kind": "community"})
    assert created.status_code == 201
    renamed = patch(client, f"/api/units/{created.json()['id']}/", {"name": "东三社区(筹)"})
    assert (renamed.status_code, renamed.json()["name"]) == (200, "东三社区(筹)")
    assert Unit.objects.get(pk=created.json()["id"]).name == "东三社区(筹)"


def test_a_token_of_an_admin_role_works_without_the_second_factor(people, tree, bearer):
    body = bearer(people.sys_admin).get("/api/units/").json()
    assert body["count"] == 7


def test_a_token_of_a_user_without_a_unit_sees_nothing(people, bearer):
    assert bearer(people.outsider).get("/api/units/").json() == {"items": [], "count": 0}


def test_a_wrong_token_gets_401_and_a_failed_login_row(db):
    client = Client(headers={"Authorization": "Bearer jg_not-a-real-token"})
    response = client.get("/api/units/")
    assert (response.status_code, response.json()) == (401, {"detail": "未登录或令牌无效"})
    [entry] = audit_rows("login_failed")
    assert (entry.username, entry.result) == ("token:jg_not-a-r", "failure")


def test_a_revoked_token_gets_401(people, tree, bearer):
    client = bearer(people.street_cadre)
    ApiToken.objects.filter(user=people.street_cadre).update(revoked_at=timezone.now())
    assert client.get("/api/units/").status_code == 401


def test_anonymous_api_call_gets_401(tree, client):
    response = client.get(f"/api/units/{tree.east.pk}/")
    assert (response.status_code, response.json()) == (401, {"detail": "未登录或令牌无效"})


def test_a_change_made_with_a_token_names_its_author_in_the_audit_log(people, tree, bearer):
    patch(bearer(people.street_cadre), f"/api/units/{tree.east1.pk}/", {"name": "东一社区(新)"})
    [entry] = unit_audit("update", tree.east1)
    assert entry.actor == people.street_cadre


def test_a_body_that_is_not_json_gets_a_chinese_400(people, tree, login):
    client = login(people.street_cadre)
    response = client.post("/api/units/", data="{not json", content_type="application/json")
    assert (response.status_code, response.json()) == (400, {"detail": "请求内容不是有效的 JSON"})


def test_an_unknown_kind_filter_is_refused(people, tree, login):
    response = login(people.street_cadre).get("/api/units/?kind=palace")
    assert response.status_code == 400
    assert response.json()["field"] == "kind"
    assert response.json()["detail"].startswith("单位类型“palace”无效")
