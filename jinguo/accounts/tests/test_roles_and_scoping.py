"""Roles, permissions and the scope they give: who sees which units, failing closed."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from jinguo.accounts.models import Membership, User
from jinguo.accounts.permissions import ADMIN_ROLES, RECORD_PERMS, Perm, Role, role_perms
from jinguo.accounts.scoping import has_perm_at, home_units, perms_at, roles_at, scope_paths
from jinguo.orgs.models import Unit

pytestmark = pytest.mark.django_db

P = Perm


def test_every_role_holds_exactly_its_permissions():
    assert role_perms(Role.SYS_ADMIN) == {P.VIEW_UNITS, P.MANAGE_UNITS, P.MANAGE_USERS}
    assert role_perms(Role.SECURITY_ADMIN) == {P.VIEW_UNITS, P.MANAGE_SECURITY}
    assert role_perms(Role.AUDIT_ADMIN) == {P.VIEW_AUDIT}
    assert role_perms(Role.LEADER) == {P.VIEW_UNITS, P.VIEW_RECORDS, P.EDIT_RECORDS, P.APPROVE, P.REVEAL}
    assert role_perms(Role.CADRE) == {P.VIEW_UNITS, P.MANAGE_UNITS, P.VIEW_RECORDS, P.EDIT_RECORDS, P.REVEAL}
    assert role_perms(Role.READONLY) == {P.VIEW_UNITS, P.VIEW_RECORDS}
    assert role_perms("no_such_role") == frozenset()


@pytest.mark.parametrize("role", sorted(ADMIN_ROLES))
@pytest.mark.parametrize("manages", [False, True])
def test_admin_roles_hold_none_of_the_record_permissions(role, manages):
    assert set(RECORD_PERMS) == {P.VIEW_RECORDS, P.EDIT_RECORDS, P.APPROVE, P.REVEAL}
    assert role_perms(role, can_manage_users=manages) & RECORD_PERMS == set()


def test_user_management_flag_adds_manage_users_to_leaders_and_cadres_only():
    assert role_perms(Role.CADRE, can_manage_users=True) == role_perms(Role.CADRE) | {P.MANAGE_USERS}
    assert role_perms(Role.LEADER, can_manage_users=True) == role_perms(Role.LEADER) | {P.MANAGE_USERS}
    assert role_perms(Role.READONLY, can_manage_users=True) == {P.VIEW_UNITS, P.VIEW_RECORDS}
    assert role_perms(Role.SECURITY_ADMIN, can_manage_users=True) == {P.VIEW_UNITS, P.MANAGE_SECURITY}
    assert role_perms(Role.AUDIT_ADMIN, can_manage_users=True) == {P.VIEW_AUDIT}


@pytest.mark.parametrize("perm", list(Perm))
def test_user_without_a_unit_has_no_scope_for_any_permission(people, perm):
    assert scope_paths(people.outsider, perm=perm) == []
    assert Unit.objects.for_user(people.outsider, perm=perm).count() == 0
    assert Membership.objects.for_user(people.outsider, perm=perm).count() == 0


@pytest.mark.parametrize("who", [None, AnonymousUser()])
def test_nobody_and_anonymous_have_no_scope(tree, who):
    assert scope_paths(who) == []
    assert Unit.objects.for_user(who).count() == 0
    assert Membership.objects.for_user(who).count() == 0


def test_outsider_sees_no_units_in_the_api(people, login):
    response = login(people.outsider).get("/api/units/")
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}


def test_street_cadre_sees_her_street_and_its_communities_only(people, tree):
    user = people.street_cadre
    assert scope_paths(user) == [tree.east.path]
    assert list(Unit.objects.for_user(user).values_list("name", flat=True)) == ["东街道", "东一社区", "东二社区"]
    users = Membership.objects.for_user(user, perm=P.MANAGE_USERS).values_list("user__username", flat=True)
    assert sorted(users) == ["community_cadre", "readonly_user", "street_cadre"]


def test_nested_memberships_give_a_minimal_scope(people, tree):
    user = people.street_cadre
    Membership.objects.create(user=user, unit=tree.east1, role=Role.READONLY)
    Membership.objects.create(user=user, unit=tree.west2, role=Role.READONLY)
    user.forget_memberships()
    assert scope_paths(user) == [tree.east.path, tree.west2.path]
    assert scope_paths(user, perm=P.VIEW_RECORDS) == [tree.east.path, tree.west2.path]
    assert scope_paths(user, perm=P.EDIT_RECORDS) == [tree.east.path]
    assert scope_paths(user, perm=P.APPROVE) == []
    names = list(Unit.objects.for_user(user).values_list("name", flat=True))
    assert names == ["东街道", "东一社区", "东二社区", "西二社区"]


def test_membership_at_the_district_covers_a_membership_below_it(people, tree):
    user = people.community_cadre
    Membership.objects.create(user=user, unit=tree.district, role=Role.READONLY)
    user.forget_memberships()
    assert scope_paths(user) == [tree.district.path]
    assert scope_paths(user, perm=P.EDIT_RECORDS) == [tree.east1.path]
    assert Unit.objects.for_user(user).count() == 7


def test_scope_paths_of_units_with_similar_prefixes_are_kept_apart(people, tree):
    # 东街道 is 00010001 and 西街道 00010002: neither path is a prefix of the other.
    user = people.street_cadre
    Membership.objects.create(user=user, unit=tree.west, role=Role.READONLY)
    user.forget_memberships()
    assert scope_paths(user) == [tree.east.path, tree.west.path]
    assert scope_paths(user, perm=P.MANAGE_USERS) == [tree.east.path]


def test_deactivated_user_has_no_scope(people, tree):
    user = User.objects.get(pk=people.district_cadre.pk)
    user.is_active = False
    assert scope_paths(user) == []
    assert Unit.objects.for_user(user).count() == 0


def test_membership_in_a_closed_unit_gives_nothing(people, tree):
    Unit.objects.filter(pk=tree.east1.pk).update(is_closed=True)
    user = User.objects.get(pk=people.community_cadre.pk)
    assert scope_paths(user) == []
    assert Unit.objects.for_user(user).count() == 0


def test_admin_roles_scope(people, tree):
    assert scope_paths(people.audit_admin) == []
    assert scope_paths(people.audit_admin, perm=P.VIEW_AUDIT) == [tree.district.path]
    assert scope_paths(people.audit_admin, perm=P.VIEW_RECORDS) == []
    assert scope_paths(people.security_admin, perm=P.MANAGE_SECURITY) == [tree.district.path]
    assert scope_paths(people.security_admin, perm=P.VIEW_RECORDS) == []
    assert scope_paths(people.sys_admin, perm=P.MANAGE_USERS) == [tree.district.path]
    assert scope_paths(people.sys_admin, perm=P.VIEW_RECORDS) == []


def test_permissions_and_roles_at_a_unit_come_from_it_and_its_ancestors(people, tree):
    assert roles_at(people.street_cadre, tree.east1) == {Role.CADRE}
    assert roles_at(people.street_cadre, tree.west1) == set()
    assert perms_at(people.street_cadre, tree.east1) == role_perms(Role.CADRE) | {P.MANAGE_USERS}
    assert perms_at(people.street_cadre, tree.district) == set()
    assert has_perm_at(people.street_cadre, P.MANAGE_UNITS, tree.east2) is True
    assert has_perm_at(people.street_cadre, P.MANAGE_UNITS, tree.west2) is False
    assert has_perm_at(people.readonly_user, P.EDIT_RECORDS, tree.east1) is False
    assert has_perm_at(people.outsider, P.VIEW_UNITS, None) is False
    assert [u.name for u in home_units(people.street_cadre)] == ["东街道"]
    assert home_units(people.outsider) == []


def test_rules_answer_object_permission_checks(people, tree):
    cadre = people.street_cadre
    assert cadre.has_perm(P.MANAGE_UNITS.rule, tree.east1) is True
    assert cadre.has_perm(P.MANAGE_UNITS.rule, tree.west1) is False
    assert cadre.has_perm(P.APPROVE.rule, tree.east1) is False
    assert people.district_leader.has_perm(P.APPROVE.rule, tree.west1) is True
    assert people.audit_admin.has_perm(P.VIEW_AUDIT.rule) is True
    assert people.audit_admin.has_perm(P.VIEW_RECORDS.rule, tree.east1) is False
    membership = Membership.objects.get(user=people.community_cadre)
    assert cadre.has_perm(P.MANAGE_USERS.rule, membership) is True
    assert people.sibling_street_cadre.has_perm(P.MANAGE_USERS.rule, membership) is False
    assert people.outsider.has_perm(P.VIEW_UNITS.rule) is False


def test_has_admin_role(people):
    assert [u.has_admin_role() for u in (people.sys_admin, people.security_admin, people.audit_admin)] == [True] * 3
    assert people.district_leader.has_admin_role() is False
    assert people.outsider.has_admin_role() is False
