"""Who may do what on the unit tree, page by page and endpoint by endpoint (Saleor style).

Every case runs as a user holding one role at 东街道, against her own unit, the district above
it, a community below it and the sibling street. A denial is a 404 (the same answer as for a unit
that does not exist), changes nothing and leaves a 'denied' row in the audit log.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from jinguo.accounts.permissions import Role
from jinguo.orgs.models import Unit

from .helpers import audit_rows, flash, model_of, parent_of, search_hits, unit_snapshot

pytestmark = pytest.mark.django_db

NOT_FOUND = {"detail": "未找到该记录,或您无权访问"}
ROLES = [Role.CADRE, Role.LEADER, Role.READONLY, Role.SYS_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN]
VIEWERS = {Role.CADRE, Role.LEADER, Role.READONLY, Role.SYS_ADMIN, Role.SECURITY_ADMIN}
MANAGERS = {Role.CADRE, Role.SYS_ADMIN}
# the user sits at 东街道 (east)
RELATIONS = {"own": "east", "parent": "district", "child": "east1", "sibling": "west"}


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: str
    needs: str  # "view" | "manage" (at the unit) | "manage_parent" (at the unit's parent)
    ok: int
    data: Callable[[Any, Unit], dict[str, Any]] | None = None
    effect: Callable[[Any, Unit, str], None] | None = None

    @property
    def api(self) -> bool:
        return self.url.startswith("/api/")

    def call(self, client: Client, tree: Any, target: Unit) -> Any:
        url = self.url.format(pk=target.pk)
        data = self.data(tree, target) if self.data else {}
        if self.api and self.method != "get":
            return getattr(client, self.method)(url, data=json.dumps(data), content_type="application/json")
        return getattr(client, self.method)(url, data)


def _created_under(tree: Any, target: Unit, relation: str) -> None:
    assert parent_of(Unit.objects.get(name="矩阵新单位")) == target


def _renamed(tree: Any, target: Unit, relation: str) -> None:
    assert Unit.objects.get(pk=target.pk).name == "矩阵改名"


def _moved_under_east2(tree: Any, target: Unit, relation: str) -> None:
    assert parent_of(target) == tree.east2


def _closed_unless_own(tree: Any, target: Unit, relation: str) -> None:
    # the action refuses to close the actor's own unit (and a unit with open children)
    assert Unit.objects.get(pk=target.pk).is_closed is (relation == "child")


def _deleted(tree: Any, target: Unit, relation: str) -> None:
    assert not Unit.objects.filter(pk=target.pk).exists()


def _form(tree: Any, target: Unit) -> dict[str, Any]:
    return {"name": "矩阵改名", "kind": target.kind, "division_code": target.division_code or ""}


ENDPOINTS = [
    Endpoint("unit-page", "get", "/units/{pk}/", "view", 200),
    Endpoint("children-partial", "get", "/units/{pk}/children/", "view", 200),
    Endpoint("create-form", "get", "/units/{pk}/new/", "manage", 200),
    Endpoint("create", "post", "/units/{pk}/new/", "manage", 302, lambda t, u: {"name": "矩阵新单位", "kind": "other"},
             _created_under),
    Endpoint("edit-form", "get", "/units/{pk}/edit/", "manage", 200),
    Endpoint("edit", "post", "/units/{pk}/edit/", "manage", 302, _form, _renamed),
    Endpoint("move-form", "get", "/units/{pk}/move/", "manage_parent", 200),
    Endpoint("move", "post", "/units/{pk}/move/", "manage_parent", 302, lambda t, u: {"new_parent": "东二社区"},
             _moved_under_east2),
    Endpoint("close", "post", "/units/{pk}/close/", "manage", 302, lambda t, u: {"reason": "矩阵测试"},
             _closed_unless_own),
    Endpoint("delete", "post", "/units/{pk}/delete/", "manage_parent", 302, None, _deleted),
    Endpoint("api-detail", "get", "/api/units/{pk}/", "view", 200),
    Endpoint("api-children", "get", "/api/units/{pk}/children/", "view", 200),
    Endpoint("api-coverage", "get", "/api/units/{pk}/coverage/", "view", 200),
    Endpoint("api-create", "post", "/api/units/", "manage", 201,
             lambda t, u: {"parent_id": u.pk, "name": "矩阵新单位", "kind": "other"}, _created_under),
    Endpoint("api-patch", "patch", "/api/units/{pk}/", "manage", 200, lambda t, u: {"name": "矩阵改名"}, _renamed),
    Endpoint("api-move", "post", "/api/units/{pk}/move/", "manage_parent", 200,
             lambda t, u: {"new_parent_id": t.east2.pk}, _moved_under_east2),
]  # fmt: skip


def is_allowed(endpoint: Endpoint, role: str, relation: str) -> bool:
    if endpoint.needs == "view":
        return role in VIEWERS and relation in ("own", "child")
    if endpoint.needs == "manage":
        return role in MANAGERS and relation in ("own", "child")
    return role in MANAGERS and relation == "child"


def assert_denied(response: Any, endpoint_is_api: bool, user: Any, target: Unit, before: list[Any]) -> None:
    assert response.status_code == 404
    if endpoint_is_api:
        assert response.json() == NOT_FOUND
    assert unit_snapshot() == before
    [entry] = audit_rows("denied", actor=user)
    assert (model_of(entry), entry.object_pk, entry.result) == ("unit", str(target.pk), "denied")


@pytest.mark.parametrize(
    ("endpoint", "role", "relation"),
    [(e, r, rel) for e in ENDPOINTS for r in ROLES for rel in RELATIONS],
    ids=[f"{e.name}-{r}-{rel}" for e in ENDPOINTS for r in ROLES for rel in RELATIONS],
)
def test_access_matrix(tree, member, login, endpoint, role, relation):
    user = member(role, tree.east)
    target = getattr(tree, RELATIONS[relation])
    before = unit_snapshot()
    response = endpoint.call(login(user), tree, target)
    if is_allowed(endpoint, role, relation):
        assert response.status_code == endpoint.ok
        assert audit_rows("denied") == []
        if endpoint.effect:
            endpoint.effect(tree, target, relation)
        else:
            assert unit_snapshot() == before
    else:
        assert_denied(response, endpoint.api, user, target, before)


@pytest.mark.parametrize(
    ("role", "relation"),
    [(r, rel) for r in ROLES for rel in RELATIONS],
    ids=[f"{r}-{rel}" for r in ROLES for rel in RELATIONS],
)
def test_reopen_matrix(tree, member, login, role, relation):
    user = member(role, tree.east)
    target = getattr(tree, RELATIONS[relation])
    Unit.objects.filter(pk=target.pk).update(is_closed=True, closed_reason="矩阵")
    before = unit_snapshot()
    response = login(user).post(f"/units/{target.pk}/reopen/")
    # a user whose own unit is closed has no unit left: she cannot reopen it herself
    if role in MANAGERS and relation == "child":
        assert response.status_code == 302
        assert Unit.objects.get(pk=target.pk).is_closed is False
    else:
        assert_denied(response, False, user, target, before)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_user_without_a_unit_is_denied_everywhere(people, tree, login, endpoint):
    before = unit_snapshot()
    target = tree.east1
    response = endpoint.call(login(people.outsider), tree, target)
    assert_denied(response, endpoint.api, people.outsider, target, before)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_anonymous_visitor_is_sent_to_log_in(tree, client, endpoint):
    before = unit_snapshot()
    response = endpoint.call(client, tree, tree.east1)
    if endpoint.api:
        assert (response.status_code, response.json()) == (401, {"detail": "未登录或令牌无效"})
    else:
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=" + endpoint.url.format(pk=tree.east1.pk)
    assert unit_snapshot() == before
    assert audit_rows("denied") == []


# --- pages without a unit in the address -----------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_tree_page_by_role(tree, member, login, role):
    user = member(role, tree.east)
    response = login(user).get("/units/")
    if role in VIEWERS:
        assert response.status_code == 200
        assert ("从 Excel 导入" in response.content.decode()) is (role in MANAGERS)
        assert audit_rows("denied") == []
    else:
        assert response.status_code == 404
        assert [r.additional_data for r in audit_rows("denied", actor=user)] == [{"reason": "no unit"}]


@pytest.mark.parametrize("role", ROLES)
def test_search_by_role(tree, member, login, role):
    response = login(member(role, tree.east)).get("/units/search/", {"q": "社区"})
    assert response.status_code == 200
    expected = [("东一社区", "示范区 / 东街道"), ("东二社区", "示范区 / 东街道")] if role in VIEWERS else []
    assert search_hits(response) == expected


@pytest.mark.parametrize("role", ROLES)
def test_api_list_by_role(tree, member, login, role):
    body = login(member(role, tree.east)).get("/api/units/").json()
    expected = ["东街道", "东一社区", "东二社区"] if role in VIEWERS else []
    assert [u["name"] for u in body["items"]] == expected


@pytest.mark.parametrize("role", ROLES)
def test_import_page_by_role(tree, member, login, role):
    user = member(role, tree.east)
    response = login(user).get("/units/import/")
    if role in MANAGERS:
        assert response.status_code == 200
    else:
        assert response.status_code == 404
        [entry] = audit_rows("denied", actor=user)
        assert (model_of(entry), entry.additional_data) == ("unitimport", {"reason": "import"})


@pytest.mark.parametrize("url", ["/units/", "/units/search/", "/units/import/", "/units/import/template/"])
def test_anonymous_visitor_is_sent_to_log_in_from_the_tree_pages(db, client, url):
    response = client.get(url)
    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}")


# --- sentences -------------------------------------------------------------------------------


def test_street_cadre_cannot_see_sibling_street_unit(people, tree, login):
    client = login(people.street_cadre)
    for unit in (tree.west, tree.west1, tree.west2):
        assert client.get(f"/units/{unit.pk}/").status_code == 404
    assert len(audit_rows("denied", actor=people.street_cadre)) == 3


def test_community_cadre_cannot_see_the_street_above_her(people, tree, login):
    client = login(people.community_cadre)
    assert client.get(f"/units/{tree.east1.pk}/").status_code == 200
    assert client.get(f"/units/{tree.east.pk}/").status_code == 404
    assert client.get(f"/units/{tree.east2.pk}/").status_code == 404


def test_district_leader_sees_every_unit_but_changes_none(people, tree, login):
    client = login(people.district_leader)
    assert client.get(f"/units/{tree.west2.pk}/").status_code == 200
    before = unit_snapshot()
    assert client.post(f"/units/{tree.west2.pk}/edit/", {"name": "改名", "kind": "community"}).status_code == 404
    assert client.post(f"/units/{tree.west2.pk}/close/", {"reason": "撤并"}).status_code == 404
    assert client.post(f"/units/{tree.west2.pk}/delete/").status_code == 404
    assert unit_snapshot() == before
    assert [r.additional_data for r in audit_rows("denied", actor=people.district_leader)] == [
        {"reason": "manage_units"},
        {"reason": "manage_units"},
        {"reason": "delete"},
    ]


def test_sys_admin_manages_the_tree(people, tree, login):
    response = login(people.sys_admin).post(f"/units/{tree.west2.pk}/close/", {"reason": "撤并"})
    assert flash(response) == [("success", "已撤销“西二社区”")]


def test_admin_without_the_second_factor_is_sent_to_the_otp_page(people, tree):
    client = Client()
    client.force_login(people.sys_admin)
    response = client.get(f"/units/{tree.east.pk}/")
    assert (response.status_code, response["Location"]) == (302, f"/accounts/otp/?next=%2Funits%2F{tree.east.pk}%2F")
    api = client.get(f"/api/units/{tree.east.pk}/")
    assert (api.status_code, api.json()) == (401, {"detail": "请先完成双因素认证(动态口令)。"})


def test_a_unit_id_that_is_not_a_number_is_not_found(people, login):
    assert login(people.district_cadre).get("/units/abc/").status_code == 404
