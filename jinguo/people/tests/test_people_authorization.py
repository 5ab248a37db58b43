"""Who may do what in the person registry, page by page and endpoint by endpoint.

Every case runs as a user holding one role at 东街道, against a person (and her household) of her
own unit, of the district above it, of a community below it and of the sibling street. A denial is
a 404 (the same answer as for a person who does not exist), changes nothing and leaves one
'denied' row in the audit log. The three admin roles hold no record permission: 404 everywhere.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from conftest import password_hash
from jinguo.accounts.models import Membership, User
from jinguo.accounts.permissions import Role
from jinguo.people import actions
from jinguo.people.models import Household, HouseholdMember, Person, PersonCategory

from .helpers import audit_rows, model_of, person_snapshot

pytestmark = pytest.mark.django_db

NOT_FOUND = {"detail": "未找到该记录,或您无权访问"}
ROLES = [Role.CADRE, Role.LEADER, Role.READONLY, Role.SYS_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN]
VIEWERS = {Role.CADRE, Role.LEADER, Role.READONLY}
EDITORS = {Role.CADRE, Role.LEADER}
REVEALERS = {Role.CADRE, Role.LEADER}
NEEDS = {"view": VIEWERS, "edit": EDITORS, "reveal": REVEALERS}
# the user sits at 东街道 (east)
RELATIONS = {"own": "east", "parent": "district", "child": "east1", "sibling": "west"}


@dataclass
class Target:
    person: Person
    twin: Person  # the same name, birth date and unit, no ID number
    kid: Person
    household: Household
    kid_member: HouseholdMember


@pytest.fixture
def targets(tree, people) -> dict[str, Target]:
    out = {}
    for relation, unit_name in RELATIONS.items():
        unit = getattr(tree, unit_name)
        make = actions.do_create_person
        actor = people.district_cadre
        person = make(
            actor=actor, unit=unit, name="矩阵甲", gender="F", birth_date=dt.date(1980, 1, 1), phone="13812345678"
        )
        actions.do_set_category(actor=actor, person=person, code="dibao")
        twin = make(actor=actor, unit=unit, name="矩阵甲", gender="F", birth_date=dt.date(1980, 1, 1))
        kid = make(actor=actor, unit=unit, name="矩阵乙", gender="F", birth_date=dt.date(2015, 1, 1), guardian=person)
        household = actions.do_create_household(actor=actor, unit=unit, head=person, members=[(kid, "child")])
        out[relation] = Target(
            person, twin, kid, household, HouseholdMember.objects.get(household=household, person=kid)
        )
    return out


@pytest.fixture
def member(db: Any) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(role: str, unit: Any) -> User:
        user = User.objects.create(username=f"{role}_{next(counter)}", password=password_hash())
        Membership.objects.create(user=user, unit=unit, role=role)
        return user

    return make


# --- effects of an allowed call ----------------------------------------------------------------


def _renamed(t: Target) -> None:
    assert Person.objects.get(pk=t.person.pk).name == "矩阵改名"


def _revealed(t: Target) -> None:
    [entry] = audit_rows("access")
    assert (entry.object_pk, entry.additional_data) == (str(t.person.pk), {"field": "phone"})


def _category_added(t: Target) -> None:
    assert PersonCategory.objects.filter(person=t.person, category__code="hardship_woman", ended_on=None).exists()


def _category_ended(t: Target) -> None:
    assert PersonCategory.objects.get(person=t.person, category__code="dibao").end_reason == "矩阵"


def _household_created(t: Target) -> None:
    assert Household.objects.filter(head=t.person).count() == 2


def _merged(t: Target) -> None:
    assert not Person.objects.filter(pk=t.twin.pk).exists()


def _member_added(t: Target) -> None:
    assert HouseholdMember.objects.get(household=t.household, person=t.twin).relation == "other"


def _member_removed(t: Target) -> None:
    assert not HouseholdMember.objects.filter(pk=t.kid_member.pk).exists()


def _edit_form(t: Target) -> dict[str, Any]:
    return {"unit": t.person.unit_id, "name": "矩阵改名", "gender": "F", "birth_date": "1980-01-01"}


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: str
    needs: str  # "view" | "edit" | "reveal" at the target's unit
    ok: int
    data: Callable[[Target], dict[str, Any]] | None = None
    effect: Callable[[Target], None] | None = None
    about: str = "person"  # the model of the denied row: "person" or "household"

    @property
    def api(self) -> bool:
        return self.url.startswith("/api/")

    def address(self, t: Target) -> str:
        return self.url.format(pk=t.person.pk, twin=t.twin.pk, h=t.household.pk, member=t.kid_member.pk)

    def call(self, client: Client, t: Target) -> Any:
        data = self.data(t) if self.data else {}
        if self.api and self.method != "get":
            return getattr(client, self.method)(self.address(t), data=json.dumps(data), content_type="application/json")
        return getattr(client, self.method)(self.address(t), data)

    def denied_pk(self, t: Target) -> str:
        return str(t.household.pk if self.about == "household" else t.person.pk)


ENDPOINTS = [
    Endpoint("person-page", "get", "/people/{pk}/", "view", 200),
    Endpoint("edit-form", "get", "/people/{pk}/edit/", "edit", 200),
    Endpoint("edit", "post", "/people/{pk}/edit/", "edit", 302, _edit_form, _renamed),
    Endpoint("reveal", "post", "/people/{pk}/reveal/", "reveal", 200, lambda t: {"field": "phone"}, _revealed),
    Endpoint("category-add", "post", "/people/{pk}/categories/", "edit", 302, lambda t: {"code": "hardship_woman"},
             _category_added),
    Endpoint("category-end", "post", "/people/{pk}/categories/dibao/end/", "edit", 302, lambda t: {"reason": "矩阵"},
             _category_ended),
    Endpoint("merge-form", "get", "/people/{pk}/merge/{twin}/", "edit", 200),
    Endpoint("merge", "post", "/people/{pk}/merge/{twin}/", "edit", 302, None, _merged),
    Endpoint("household-form", "get", "/people/{pk}/households/new/", "edit", 200),
    Endpoint("household-create", "post", "/people/{pk}/households/new/", "edit", 302, lambda t: {"address": "矩阵"},
             _household_created),
    Endpoint("household-page", "get", "/people/households/{h}/", "view", 200, about="household"),
    Endpoint("member-add", "post", "/people/households/{h}/members/", "edit", 302,
             lambda t: {"person": t.twin.pk, "relation": "other"}, _member_added, about="household"),
    Endpoint("member-remove", "post", "/people/households/{h}/members/{member}/remove/", "edit", 302, None,
             _member_removed, about="household"),
    Endpoint("api-detail", "get", "/api/persons/{pk}/", "view", 200),
    Endpoint("api-patch", "patch", "/api/persons/{pk}/", "edit", 200, lambda t: {"name": "矩阵改名"}, _renamed),
    Endpoint("api-reveal", "post", "/api/persons/{pk}/reveal/", "reveal", 200, lambda t: {"field": "phone"},
             _revealed),
]  # fmt: skip


def is_allowed(endpoint: Endpoint, role: str, relation: str) -> bool:
    return role in NEEDS[endpoint.needs] and relation in ("own", "child")


def assert_denied(response: Any, endpoint: Endpoint, user: User, t: Target, before: list[Any]) -> None:
    assert response.status_code == 404
    if endpoint.api:
        assert response.json() == NOT_FOUND
    assert person_snapshot() == before
    assert audit_rows("access") == []
    [entry] = audit_rows("denied", actor=user)
    assert (model_of(entry), entry.object_pk, entry.result) == (endpoint.about, endpoint.denied_pk(t), "denied")


@pytest.mark.parametrize(
    ("endpoint", "role", "relation"),
    [(e, r, rel) for e in ENDPOINTS for r in ROLES for rel in RELATIONS],
    ids=[f"{e.name}-{r}-{rel}" for e in ENDPOINTS for r in ROLES for rel in RELATIONS],
)
def test_access_matrix(tree, targets, member, login, endpoint, role, relation):
    user = member(role, tree.east)
    t = targets[relation]
    before = person_snapshot()
    response = endpoint.call(login(user), t)
    if is_allowed(endpoint, role, relation):
        assert response.status_code == endpoint.ok
        assert audit_rows("denied") == []
        if endpoint.effect:
            endpoint.effect(t)
        else:
            assert person_snapshot() == before
    else:
        assert_denied(response, endpoint, user, t, before)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_user_without_a_unit_is_denied_everywhere(people, targets, login, endpoint):
    before = person_snapshot()
    response = endpoint.call(login(people.outsider), targets["child"])
    assert_denied(response, endpoint, people.outsider, targets["child"], before)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_anonymous_visitor_is_sent_to_log_in(targets, client, endpoint):
    before = person_snapshot()
    t = targets["child"]
    response = endpoint.call(client, t)
    if endpoint.api:
        assert (response.status_code, response.json()) == (401, {"detail": "未登录或令牌无效"})
    else:
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=" + endpoint.address(t)
    assert person_snapshot() == before
    assert audit_rows("denied") == []
    assert audit_rows("access") == []


# --- pages and endpoints without a person in the address -----------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_list_page_by_role(tree, targets, member, login, role):
    user = member(role, tree.east)
    response = login(user).get("/people/")
    if role in VIEWERS:
        assert response.status_code == 200
        assert response.content.decode().count('href="/people/') >= 6
        assert audit_rows("denied") == []
    else:
        assert response.status_code == 404
        [entry] = audit_rows("denied", actor=user)
        assert (model_of(entry), entry.additional_data) == ("person", {"reason": "no unit"})


@pytest.mark.parametrize("role", ROLES)
def test_api_list_by_role(tree, targets, member, login, role):
    user = member(role, tree.east)
    response = login(user).get("/api/persons/")
    if role in VIEWERS:
        body = response.json()
        # her street and the community below: 3 persons each
        assert (response.status_code, body["count"]) == (200, 6)
        assert {p["unit_name"] for p in body["items"]} == {"东街道", "东一社区"}
    else:
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
        [entry] = audit_rows("denied", actor=user)
        assert entry.additional_data == {"reason": "no unit"}


@pytest.mark.parametrize("role", ROLES)
def test_pick_by_role(tree, targets, member, login, role):
    user = member(role, tree.east)
    response = login(user).get("/people/pick/", {"q": "矩阵"})
    if role in VIEWERS:
        assert response.content.decode().count('type="radio"') == 6
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("relation", list(RELATIONS))
def test_create_page_by_role_and_unit(tree, targets, member, login, role, relation):
    user = member(role, tree.east)
    unit = getattr(tree, RELATIONS[relation])
    client = login(user)
    before = person_snapshot()
    form = client.get("/people/new/")
    response = client.post("/people/new/", {"unit": unit.pk, "name": "矩阵新人", "gender": "F"})
    if role in EDITORS:
        assert form.status_code == 200
        if relation in ("own", "child"):
            assert response.status_code == 302
            assert Person.objects.get(name="矩阵新人").unit == unit
        else:  # a unit the form does not offer
            assert response.status_code == 200
            assert "所属单位不存在或不在您的管理范围内" in response.content.decode()
            assert person_snapshot() == before
    else:
        assert (form.status_code, response.status_code) == (404, 404)
        assert person_snapshot() == before
        assert [e.additional_data for e in audit_rows("denied", actor=user)] == [{"reason": "edit_records"}] * 2


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("relation", list(RELATIONS))
def test_api_create_by_role_and_unit(tree, targets, member, login, role, relation):
    user = member(role, tree.east)
    unit = getattr(tree, RELATIONS[relation])
    before = person_snapshot()
    response = login(user).post(
        "/api/persons/",
        data=json.dumps({"unit_id": unit.pk, "name": "矩阵新人", "gender": "F"}),
        content_type="application/json",
    )
    if role in EDITORS and relation in ("own", "child"):
        assert response.status_code == 201
        assert Person.objects.get(name="矩阵新人").unit == unit
    else:
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
        assert person_snapshot() == before
        [entry] = audit_rows("denied", actor=user)
        assert (model_of(entry), entry.object_pk) == ("unit", str(unit.pk))


@pytest.mark.parametrize("url", ["/people/", "/people/new/", "/people/pick/"])
def test_anonymous_visitor_is_sent_to_log_in_from_the_list_pages(db, client, url):
    response = client.get(url)
    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}")


def test_anonymous_api_list_and_create_are_401(db, client):
    assert client.get("/api/persons/").status_code == 401
    assert client.post("/api/persons/", data="{}", content_type="application/json").status_code == 401


# --- sentences -----------------------------------------------------------------------------------


def test_street_cadre_cannot_see_a_sibling_street_person(targets, people, login):
    client = login(people.street_cadre)
    assert client.get(f"/people/{targets['sibling'].person.pk}/").status_code == 404
    assert client.get(f"/api/persons/{targets['sibling'].person.pk}/").status_code == 404
    assert len(audit_rows("denied", actor=people.street_cadre)) == 2


def test_a_person_id_that_does_not_exist_looks_the_same_as_one_not_hers(targets, people, login):
    client = login(people.street_cadre)

    def page(url: str) -> tuple[int, str]:
        response = client.get(url)
        return response.status_code, re.sub(
            r'"(X-CSRFToken": |csrfmiddlewaretoken" value=)"\w+"', "", response.content.decode()
        )

    assert page("/people/999999/") == page(f"/people/{targets['sibling'].person.pk}/")


def test_district_leader_edits_and_reveals_everywhere(targets, people, login):
    client = login(people.district_leader)
    assert client.get(f"/people/{targets['sibling'].person.pk}/edit/").status_code == 200
    assert client.post(f"/people/{targets['sibling'].person.pk}/reveal/", {"field": "phone"}).status_code == 200


def test_menu_shows_the_registry_to_record_roles_only(people, login):
    assert ">人员台账</a>" in login(people.readonly_user).get("/").content.decode()
    assert ">人员台账</a>" not in login(people.sys_admin).get("/").content.decode()
    assert ">人员台账</a>" not in login(people.audit_admin).get("/").content.decode()
