"""User management: creating users and granting roles only inside one's subtree, and never above
one's own permissions; account-wide changes only for users wholly inside it."""

from __future__ import annotations

import re

import pytest

from jinguo.accounts.models import Membership, User
from jinguo.accounts.permissions import Role
from jinguo.core.tests.helpers import field_errors, flash_messages

pytestmark = pytest.mark.django_db

NOT_ALLOWED = "您无权在该单位授予此角色"


def new_user(unit, role: str = "cadre", **extra):
    data = {"username": "zhang_li", "full_name": "张丽", "password": "Jinguo@2026", "unit": unit.pk, "role": role}
    data.update(extra)
    return data


def listed_usernames(response) -> list[str]:
    return re.findall(r'<a href="/accounts/users/\d+/">([^<]+)</a>', response.content.decode())


def memberships_of(user) -> list[tuple[str, str, bool]]:
    return list(
        Membership.objects.filter(user=user)
        .order_by("unit__path")
        .values_list("unit__name", "role", "can_manage_users")
    )


def make(username: str, *units_roles) -> User:
    user = User.objects.create(username=username, full_name=username)
    for unit, role in units_roles:
        Membership.objects.create(user=user, unit=unit, role=role)
    return user


# --- who may open the pages -------------------------------------------------------------------


def test_street_cadre_lists_the_users_of_her_street_and_its_communities(people, login):
    response = login(people.street_cadre).get("/accounts/users/")
    assert response.status_code == 200
    assert listed_usernames(response) == ["community_cadre", "readonly_user", "street_cadre"]


def test_district_cadre_lists_every_user_with_a_unit(people, login):
    response = login(people.district_cadre).get("/accounts/users/")
    assert listed_usernames(response) == [
        "audit_admin",
        "community_cadre",
        "district_cadre",
        "district_leader",
        "readonly_user",
        "security_admin",
        "sibling_street_cadre",
        "street_cadre",
        "sys_admin",
    ]


def test_user_list_search_by_username_or_name(people, login):
    make("wang_fang", (people.street_cadre.memberships.get().unit, Role.READONLY))
    User.objects.filter(username="wang_fang").update(full_name="王芳")
    client = login(people.street_cadre)
    assert listed_usernames(client.get("/accounts/users/?q=王芳")) == ["wang_fang"]
    assert listed_usernames(client.get("/accounts/users/?q=COMMUNITY")) == ["community_cadre"]
    assert listed_usernames(client.get("/accounts/users/?q=sibling")) == []


@pytest.mark.parametrize("who", ["community_cadre", "readonly_user", "outsider", "security_admin", "audit_admin"])
@pytest.mark.parametrize("path", ["/accounts/users/", "/accounts/users/new/"])
def test_users_without_user_management_get_404(people, audit, login, who, path):
    client = login(getattr(people, who))
    audit.reset()
    assert client.get(path).status_code == 404
    assert audit.rows("event", "result", "username", "additional_data") == [
        ("denied", "denied", who, {"reason": "manage_users"})
    ]


def test_readonly_user_with_the_management_flag_still_cannot_manage_users(people, tree, login):
    Membership.objects.filter(user=people.readonly_user).update(can_manage_users=True)
    client = login(people.readonly_user)
    assert client.get("/accounts/users/").status_code == 404
    users_before = User.objects.count()
    assert client.post("/accounts/users/new/", new_user(tree.east1, "readonly")).status_code == 404
    assert User.objects.count() == users_before


def test_anonymous_visitor_is_sent_to_log_in(db, client):
    response = client.get("/accounts/users/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/users/"


# --- creating users ---------------------------------------------------------------------------


def test_street_cadre_creates_a_cadre_in_a_community_of_her_street(people, tree, audit, login):
    client = login(people.street_cadre)
    audit.reset()
    response = client.post("/accounts/users/new/", new_user(tree.east1, phone="13800138000"))
    created = User.objects.get(username="zhang_li")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/users/{created.pk}/"
    assert (created.full_name, created.phone, created.is_active) == ("张丽", "13800138000", True)
    assert memberships_of(created) == [("东一社区", "cadre", False)]
    membership = Membership.objects.get(user=created)
    assert membership.created_by == people.street_cadre
    assert flash_messages(client.get(response["Location"])) == [("success", "已创建用户 zhang_li")]
    assert audit.rows("event", "username", "remote_addr", "content_type__model", "object_pk") == [
        ("create", "street_cadre", "127.0.0.1", "user", str(created.pk)),
        ("create", "street_cadre", "127.0.0.1", "membership", str(membership.pk)),
    ]
    user_row = audit.entries(content_type__model="user")[0]
    assert "password" not in user_row.changes
    assert user_row.changes["username"] == ["None", "zhang_li"]


def test_street_cadre_may_give_user_management_and_the_readonly_role(people, tree, login):
    client = login(people.street_cadre)
    client.post("/accounts/users/new/", new_user(tree.east, can_manage_users="on"))
    client.post("/accounts/users/new/", new_user(tree.east2, "readonly", username="li_na"))
    assert memberships_of(User.objects.get(username="zhang_li")) == [("东街道", "cadre", True)]
    assert memberships_of(User.objects.get(username="li_na")) == [("东二社区", "readonly", False)]


def test_street_cadre_cannot_create_a_user_in_the_sibling_street(people, tree, audit, login):
    client = login(people.street_cadre)
    audit.reset()
    users_before = User.objects.count()
    response = client.post("/accounts/users/new/", new_user(tree.west1))
    assert response.status_code == 200
    assert field_errors(response) == [f"选择一个有效的选项。 {tree.west1.pk} 不在可用的选项中。"]
    assert User.objects.count() == users_before
    assert audit.rows() == []


def test_unit_choices_are_the_units_she_manages(people, tree, login):
    body = login(people.street_cadre).get("/accounts/users/new/").content.decode()
    select = re.search(r'<select name="unit".*?</select>', body, re.S)
    assert select is not None
    assert re.findall(r"<option [^>]*>([^<]+)</option>", select.group(0)) == ["东街道", "东一社区", "东二社区"]


@pytest.mark.parametrize("role", ["leader", "sys_admin", "security_admin", "audit_admin"])
def test_street_cadre_cannot_create_a_user_with_a_role_she_does_not_hold(people, tree, audit, login, role):
    client = login(people.street_cadre)
    audit.reset()
    users_before = User.objects.count()
    response = client.post("/accounts/users/new/", new_user(tree.east1, role))
    assert response.status_code == 200
    assert field_errors(response) == [NOT_ALLOWED]
    assert User.objects.count() == users_before
    assert Membership.objects.filter(user__username="zhang_li").count() == 0
    assert audit.rows() == []


def test_username_already_taken_is_refused_whatever_its_case(people, tree, login):
    users_before = User.objects.count()
    response = login(people.street_cadre).post("/accounts/users/new/", new_user(tree.east1, username="Community_Cadre"))
    assert field_errors(response) == ["用户名“Community_Cadre”已被使用"]
    assert User.objects.count() == users_before


def test_sys_admin_creates_an_audit_admin_but_cannot_give_business_roles(people, tree, audit, login):
    client = login(people.sys_admin)
    audit.reset()
    response = client.post("/accounts/users/new/", new_user(tree.district, "audit_admin", username="shenji2"))
    assert response.status_code == 302
    assert memberships_of(User.objects.get(username="shenji2")) == [("示范区", "audit_admin", False)]
    assert audit.rows("event", "username", "content_type__model") == [
        ("create", "sys_admin", "user"),
        ("create", "sys_admin", "membership"),
    ]
    audit.reset()
    for role in ("cadre", "leader", "readonly"):
        refused = client.post("/accounts/users/new/", new_user(tree.east, role, username=f"x_{role}"))
        assert field_errors(refused) == [NOT_ALLOWED]
    refused = client.post(
        "/accounts/users/new/", new_user(tree.district, "security_admin", username="x_sec", can_manage_users="on")
    )
    assert field_errors(refused) == [NOT_ALLOWED]
    assert User.objects.filter(username__startswith="x_").count() == 0
    assert audit.rows() == []


def test_district_leader_may_give_the_leader_role_a_cadre_may_not(people, tree, login):
    leader = login(people.district_leader)
    assert leader.post("/accounts/users/new/", new_user(tree.west, "leader", username="ling_dao")).status_code == 302
    assert memberships_of(User.objects.get(username="ling_dao")) == [("西街道", "leader", False)]
    # A leader holds no MANAGE_UNITS, so she cannot make a cadre.
    refused = leader.post("/accounts/users/new/", new_user(tree.west, "cadre", username="gan_bu"))
    assert field_errors(refused) == [NOT_ALLOWED]


# --- granting and revoking roles ---------------------------------------------------------------


def test_street_cadre_grants_a_role_in_her_subtree(people, tree, audit, login):
    target = people.community_cadre
    client = login(people.street_cadre)
    audit.reset()
    response = client.post(f"/accounts/users/{target.pk}/", {"op": "grant", "unit": tree.east2.pk, "role": "readonly"})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/users/{target.pk}/"
    assert flash_messages(client.get(response["Location"])) == [("success", "已授权")]
    assert memberships_of(target) == [("东一社区", "cadre", False), ("东二社区", "readonly", False)]
    assert audit.rows("event", "username", "remote_addr", "content_type__model") == [
        ("create", "street_cadre", "127.0.0.1", "membership")
    ]


def test_street_cadre_changes_the_role_of_a_membership_in_her_subtree(people, tree, audit, login):
    target = people.community_cadre
    client = login(people.street_cadre)
    audit.reset()
    client.post(f"/accounts/users/{target.pk}/", {"op": "grant", "unit": tree.east1.pk, "role": "readonly"})
    assert memberships_of(target) == [("东一社区", "readonly", False)]
    rows = audit.entries()
    assert [(e.event, e.username, e.content_type.model) for e in rows] == [("update", "street_cadre", "membership")]
    assert rows[0].changes == {"role": ["cadre", "readonly"]}


@pytest.mark.parametrize("role", ["leader", "sys_admin", "security_admin", "audit_admin"])
def test_street_cadre_cannot_grant_a_role_she_does_not_hold(people, tree, audit, login, role):
    target = people.community_cadre
    client = login(people.street_cadre)
    audit.reset()
    response = client.post(f"/accounts/users/{target.pk}/", {"op": "grant", "unit": tree.east2.pk, "role": role})
    assert response.status_code == 200
    assert flash_messages(response) == [("danger", NOT_ALLOWED)]
    assert memberships_of(target) == [("东一社区", "cadre", False)]
    assert audit.rows() == []


def test_street_cadre_cannot_change_a_membership_above_her_permissions(people, tree, audit, login):
    target = make("ling_dao", (tree.east1, Role.LEADER))
    client = login(people.street_cadre)
    audit.reset()
    response = client.post(f"/accounts/users/{target.pk}/", {"op": "grant", "unit": tree.east1.pk, "role": "readonly"})
    assert flash_messages(response) == [("danger", "该用户在此单位的现有角色高于您的权限,不能变更")]
    assert memberships_of(target) == [("东一社区", "leader", False)]
    membership = Membership.objects.get(user=target)
    response = client.post(f"/accounts/memberships/{membership.pk}/revoke/")
    assert response["Location"] == f"/accounts/users/{target.pk}/"
    assert flash_messages(client.get(response["Location"])) == [("danger", "该角色高于您的权限,不能撤销")]
    assert memberships_of(target) == [("东一社区", "leader", False)]
    assert audit.rows() == []


def test_nobody_can_change_her_own_roles(people, tree, audit, login):
    me = people.street_cadre
    client = login(me)
    audit.reset()
    response = client.post(f"/accounts/users/{me.pk}/", {"op": "grant", "unit": tree.east1.pk, "role": "readonly"})
    assert flash_messages(response) == [("danger", "不能给自己授予或变更角色")]
    response = client.post(f"/accounts/users/{me.pk}/", {"op": "grant", "unit": tree.east.pk, "role": "readonly"})
    assert flash_messages(response) == [("danger", "不能给自己授予或变更角色")]
    own = Membership.objects.get(user=me)
    response = client.post(f"/accounts/memberships/{own.pk}/revoke/", follow=True)
    assert flash_messages(response) == [("danger", "不能撤销自己的角色")]
    assert memberships_of(me) == [("东街道", "cadre", True)]
    assert audit.rows() == []


def test_sys_admin_cannot_give_herself_another_admin_role(people, tree, login):
    me = people.sys_admin
    response = login(me).post(f"/accounts/users/{me.pk}/", {"op": "grant", "unit": tree.east.pk, "role": "audit_admin"})
    assert flash_messages(response) == [("danger", "不能给自己授予或变更角色")]
    assert memberships_of(me) == [("示范区", "sys_admin", False)]


def test_street_cadre_revokes_a_role_in_her_subtree(people, tree, audit, login):
    target = people.community_cadre
    Membership.objects.create(user=target, unit=tree.east2, role=Role.READONLY)
    membership = Membership.objects.get(user=target, unit=tree.east1)
    client = login(people.street_cadre)
    audit.reset()
    response = client.post(f"/accounts/memberships/{membership.pk}/revoke/")
    assert response.status_code == 302
    assert flash_messages(client.get(response["Location"])) == [("success", "已撤销该角色")]
    assert memberships_of(target) == [("东二社区", "readonly", False)]
    assert audit.rows("event", "username", "content_type__model", "object_pk") == [
        ("delete", "street_cadre", "membership", str(membership.pk))
    ]


def test_revoke_needs_a_post(people, login):
    membership = Membership.objects.get(user=people.community_cadre)
    assert login(people.street_cadre).get(f"/accounts/memberships/{membership.pk}/revoke/").status_code == 405
    assert Membership.objects.filter(pk=membership.pk).exists()


# --- the sibling street --------------------------------------------------------------------------


def test_street_cadre_cannot_see_a_user_of_the_sibling_street(people, audit, login):
    target = people.sibling_street_cadre
    client = login(people.street_cadre)
    audit.reset()
    assert client.get(f"/accounts/users/{target.pk}/").status_code == 404
    assert client.get("/accounts/users/999999/").status_code == 404
    assert audit.rows("event", "result", "username", "content_type__model", "object_pk") == [
        ("denied", "denied", "street_cadre", "user", str(target.pk)),
        ("denied", "denied", "street_cadre", "user", "999999"),
    ]


@pytest.mark.parametrize("op", ["password", "deactivate", "grant"])
def test_street_cadre_cannot_change_a_user_of_the_sibling_street(people, tree, audit, login, op):
    target = people.sibling_street_cadre
    data = {
        "password": {"op": "password", "password": "Xin#mima2026"},
        "deactivate": {"op": "deactivate"},
        "grant": {"op": "grant", "unit": tree.east1.pk, "role": "readonly"},
    }[op]
    before = User.objects.get(pk=target.pk).password
    client = login(people.street_cadre)
    audit.reset()
    assert client.post(f"/accounts/users/{target.pk}/", data).status_code == 404
    target.refresh_from_db()
    assert (target.password, target.is_active) == (before, True)
    assert memberships_of(target) == [("西街道", "cadre", True)]
    assert audit.rows("event", "result", "username", "object_pk") == [
        ("denied", "denied", "street_cadre", str(target.pk))
    ]


def test_street_cadre_cannot_revoke_a_role_in_the_sibling_street(people, audit, login):
    membership = Membership.objects.get(user=people.sibling_street_cadre)
    client = login(people.street_cadre)
    audit.reset()
    assert client.post(f"/accounts/memberships/{membership.pk}/revoke/").status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert audit.rows("event", "username", "content_type__model", "object_pk") == [
        ("denied", "street_cadre", "membership", str(membership.pk))
    ]


# --- account-wide changes ----------------------------------------------------------------------


def test_street_cadre_resets_the_password_of_a_community_cadre(people, audit, login):
    target = people.community_cadre
    client = login(people.street_cadre)
    audit.reset()
    response = client.post(f"/accounts/users/{target.pk}/", {"op": "password", "password": "Xin#mima2026"})
    assert response.status_code == 302
    assert flash_messages(client.get(response["Location"])) == [("success", "已重置密码")]
    target.refresh_from_db()
    assert target.check_password("Xin#mima2026") is True
    assert audit.rows("event", "username", "remote_addr", "object_pk", "additional_data") == [
        ("security", "street_cadre", "127.0.0.1", str(target.pk), {"action": "set_password"})
    ]


def test_street_cadre_deactivates_and_reactivates_a_community_cadre(people, audit, login):
    target = people.community_cadre
    client = login(people.street_cadre)
    audit.reset()
    response = client.post(f"/accounts/users/{target.pk}/", {"op": "deactivate"})
    assert flash_messages(client.get(response["Location"])) == [("success", "已停用")]
    target.refresh_from_db()
    assert target.is_active is False
    response = client.post(f"/accounts/users/{target.pk}/", {"op": "activate"})
    assert flash_messages(client.get(response["Location"])) == [("success", "已启用")]
    target.refresh_from_db()
    assert target.is_active is True
    assert audit.rows("event", "username", "content_type__model", "object_pk", "changes") == [
        ("update", "street_cadre", "user", str(target.pk), {"is_active": ["True", "False"]}),
        ("update", "street_cadre", "user", str(target.pk), {"is_active": ["False", "True"]}),
    ]


def test_deactivated_user_is_logged_out_of_her_open_session(people, login):
    victim = login(people.community_cadre)
    login(people.street_cadre).post(f"/accounts/users/{people.community_cadre.pk}/", {"op": "deactivate"})
    response = victim.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_account_wide_changes_are_refused_for_a_user_who_also_works_in_the_sibling_street(people, tree, audit, login):
    shared = make("shared", (tree.east1, Role.CADRE), (tree.west1, Role.CADRE))
    shared.set_password("Old#Pass2025")
    shared.save()
    before = User.objects.get(pk=shared.pk).password
    client = login(people.street_cadre)
    page = client.get(f"/accounts/users/{shared.pk}/")
    assert page.status_code == 200
    assert 'value="password"' not in page.content.decode()
    assert 'value="deactivate"' not in page.content.decode()
    audit.reset()
    response = client.post(f"/accounts/users/{shared.pk}/", {"op": "password", "password": "Xin#mima2026"})
    assert flash_messages(response) == [("danger", "您无权修改该用户的密码")]
    response = client.post(f"/accounts/users/{shared.pk}/", {"op": "deactivate"})
    assert flash_messages(response) == [("danger", "您无权停用或启用该用户")]
    shared.refresh_from_db()
    assert (shared.password, shared.is_active) == (before, True)
    assert audit.rows() == []

    # The district cadre manages both streets and may.
    district = login(people.district_cadre)
    assert district.post(f"/accounts/users/{shared.pk}/", {"op": "deactivate"}).status_code == 302
    shared.refresh_from_db()
    assert shared.is_active is False


def test_street_cadre_cannot_reset_the_password_of_a_manager_above_her(people, tree, login):
    # The district cadre has her only membership at the district: outside the street's subtree.
    Membership.objects.create(user=people.district_cadre, unit=tree.east1, role=Role.READONLY)
    before = User.objects.get(pk=people.district_cadre.pk).password
    response = login(people.street_cadre).post(
        f"/accounts/users/{people.district_cadre.pk}/", {"op": "password", "password": "Xin#mima2026"}
    )
    assert flash_messages(response) == [("danger", "您无权修改该用户的密码")]
    assert User.objects.get(pk=people.district_cadre.pk).password == before


def test_user_detail_page_shows_revoke_buttons_for_her_subtree_only(people, tree, login):
    shared = make("shared", (tree.east1, Role.CADRE), (tree.west1, Role.CADRE))
    mine = Membership.objects.get(user=shared, unit=tree.east1)
    theirs = Membership.objects.get(user=shared, unit=tree.west1)
    body = login(people.street_cadre).get(f"/accounts/users/{shared.pk}/").content.decode()
    assert f'action="/accounts/memberships/{mine.pk}/revoke/"' in body
    assert f'action="/accounts/memberships/{theirs.pk}/revoke/"' not in body
