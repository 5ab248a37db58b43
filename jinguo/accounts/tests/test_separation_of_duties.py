"""三员分立 holds for the person who receives a role too, and account changes stay on their side."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt

from conftest import PASSWORD
from jinguo.accounts.actions import SEPARATION_MESSAGE
from jinguo.accounts.models import Membership, User
from jinguo.accounts.permissions import Role
from jinguo.core.tests.helpers import flash_messages

pytestmark = pytest.mark.django_db


def roles_of(user):
    return sorted(Membership.objects.filter(user=user).values_list("unit__name", "role"))


def test_cadre_cannot_give_a_business_role_to_an_admin(people, tree, login):
    # the audit admin holds her admin role at the district; a district cadre tries to add 只读
    client = login(people.district_cadre)
    response = client.post(
        f"/accounts/users/{people.audit_admin.pk}/", {"op": "grant", "unit": tree.east1.pk, "role": "readonly"}
    )
    assert response.status_code == 200
    assert flash_messages(response) == [("danger", SEPARATION_MESSAGE)]
    assert roles_of(people.audit_admin) == [("示范区", "audit_admin")]


def test_sys_admin_cannot_give_an_admin_role_to_a_business_user(people, tree, login):
    client = login(people.sys_admin)
    before = roles_of(people.community_cadre)
    response = client.post(
        f"/accounts/users/{people.community_cadre.pk}/", {"op": "grant", "unit": tree.east2.pk, "role": "audit_admin"}
    )
    assert response.status_code == 200
    assert flash_messages(response) == [("danger", SEPARATION_MESSAGE)]
    assert roles_of(people.community_cadre) == before


def test_sys_admin_cannot_reset_the_password_of_a_business_user(people, login):
    before = User.objects.get(pk=people.community_cadre.pk).password
    client = login(people.sys_admin)
    response = client.post(
        f"/accounts/users/{people.community_cadre.pk}/", {"op": "password", "password": "New#Pass2026"}
    )
    assert response.status_code == 200
    assert flash_messages(response) == [("danger", "您无权修改该用户的密码")]
    assert User.objects.get(pk=people.community_cadre.pk).password == before


def test_district_cadre_cannot_deactivate_the_audit_admin(people, login):
    client = login(people.district_cadre)
    response = client.post(f"/accounts/users/{people.audit_admin.pk}/", {"op": "deactivate"})
    assert response.status_code == 200
    assert flash_messages(response) == [("danger", "您无权停用或启用该用户")]
    assert User.objects.get(pk=people.audit_admin.pk).is_active is True


def test_sys_admin_resets_the_password_of_the_audit_admin(people, login):
    client = login(people.sys_admin)
    response = client.post(f"/accounts/users/{people.audit_admin.pk}/", {"op": "password", "password": "New#Pass2026"})
    assert response.status_code == 302
    assert User.objects.get(pk=people.audit_admin.pk).check_password("New#Pass2026") is True


def test_the_last_role_of_a_user_cannot_be_revoked(people, tree, login):
    membership = Membership.objects.get(user=people.community_cadre)
    client = login(people.street_cadre)
    response = client.post(f"/accounts/memberships/{membership.pk}/revoke/")
    assert response.status_code == 302
    assert flash_messages(client.get(response["Location"])) == [
        ("danger", "这是该用户唯一的角色,撤销后将无人能管理该账户。如需停止其使用,请停用该用户")
    ]
    assert roles_of(people.community_cadre) == [("东一社区", "cadre")]


def test_readonly_role_cannot_carry_user_management(people, tree, login):
    client = login(people.street_cadre)
    response = client.post(
        f"/accounts/users/{people.community_cadre.pk}/",
        {"op": "grant", "unit": tree.east2.pk, "role": "readonly", "can_manage_users": "on"},
    )
    assert flash_messages(response) == [("danger", "您无权在该单位授予此角色")]
    assert roles_of(people.community_cadre) == [("东一社区", "cadre")]


def test_role_choices_offer_only_the_roles_she_may_give(people, login):
    body = login(people.street_cadre).get("/accounts/users/new/").content.decode()
    offered = body.split('name="role"')[1].split("</select>")[0]
    assert '<option value="cadre">干部</option>' in offered
    assert '<option value="readonly">只读</option>' in offered
    for hidden in ("leader", "sys_admin", "security_admin", "audit_admin"):
        assert f'value="{hidden}"' not in offered
    admin_offer = login(people.sys_admin).get("/accounts/users/new/").content.decode()
    admin_roles = admin_offer.split('name="role"')[1].split("</select>")[0]
    assert [
        r
        for r in ("sys_admin", "security_admin", "audit_admin", "leader", "cadre", "readonly")
        if f'value="{r}"' in admin_roles
    ] == ["sys_admin", "security_admin", "audit_admin"]


def test_roles_outside_her_subtree_are_counted_not_named(people, tree, login):
    Membership.objects.create(user=people.community_cadre, unit=tree.west1, role=Role.READONLY)
    body = login(people.street_cadre).get(f"/accounts/users/{people.community_cadre.pk}/").content.decode()
    assert "西一社区" not in body
    assert "另有 1 个不在您管理范围内的单位角色" in body
    listing = login(people.street_cadre).get("/accounts/users/").content.decode()
    assert "西一社区" not in listing


def test_attempts_during_a_lockout_do_not_prolong_it(people, client):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "street_cadre", "password": "wrong"})
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20))
    assert client.post("/accounts/login/", {"username": "street_cadre", "password": PASSWORD}).status_code == 403
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31))
    assert client.post("/accounts/login/", {"username": "street_cadre", "password": PASSWORD}).status_code == 302
