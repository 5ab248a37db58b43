"""Fixtures shared by every app's tests: a small tree and its people.

    示范区 (district)
    ├── 东街道 (street)          ├── 西街道 (street)
    │   ├── 东一社区             │   ├── 西一社区
    │   └── 东二社区             │   └── 西二社区

People, by the sentence a test reads: district_cadre, district_leader, street_cadre (东街道),
sibling_street_cadre (西街道), community_cadre (东一社区), readonly_user (东街道), sys_admin,
security_admin, audit_admin (all at the district), outsider (no unit at all).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client

from jinguo.accounts.models import Membership, User
from jinguo.accounts.permissions import Role
from jinguo.orgs.models import Unit, UnitKind

PASSWORD = "Jinguo@2026"


@dataclass
class Tree:
    district: Unit
    east: Unit
    west: Unit
    east1: Unit
    east2: Unit
    west1: Unit
    west2: Unit


@pytest.fixture
def tree(db: Any) -> Tree:
    district = Unit.objects.add_root(
        create_kwargs=dict(
            name="示范区", kind=UnitKind.DISTRICT, division_code="339901000000", federation_established=True
        )
    )
    east = Unit.objects.add_child(
        district,
        create_kwargs=dict(
            name="东街道", kind=UnitKind.STREET, division_code="339901001000", federation_established=True
        ),
    )
    west = Unit.objects.add_child(
        district,
        create_kwargs=dict(
            name="西街道", kind=UnitKind.STREET, division_code="339901002000", federation_established=True
        ),
    )
    east1 = Unit.objects.add_child(
        east, create_kwargs=dict(name="东一社区", kind=UnitKind.COMMUNITY, federation_established=True)
    )
    east2 = Unit.objects.add_child(
        east, create_kwargs=dict(name="东二社区", kind=UnitKind.COMMUNITY, federation_established=False)
    )
    west1 = Unit.objects.add_child(
        west, create_kwargs=dict(name="西一社区", kind=UnitKind.COMMUNITY, federation_established=True)
    )
    west2 = Unit.objects.add_child(
        west, create_kwargs=dict(name="西二社区", kind=UnitKind.COMMUNITY, federation_established=True)
    )
    return Tree(*(Unit.objects.get(pk=u.pk) for u in (district, east, west, east1, east2, west1, west2)))


@functools.cache
def password_hash() -> str:
    """The argon2 hash of PASSWORD, computed once: argon2 is slow on purpose."""
    return make_password(PASSWORD, hasher="argon2")


def make_user(username: str, unit: Unit | None = None, role: str = Role.CADRE, *, manages: bool = False) -> User:
    user = User.objects.create(username=username, password=password_hash(), full_name=username)
    if unit is not None:
        Membership.objects.create(user=user, unit=unit, role=role, can_manage_users=manages)
    return user


@dataclass
class People:
    district_cadre: User
    district_leader: User
    street_cadre: User
    sibling_street_cadre: User
    community_cadre: User
    readonly_user: User
    sys_admin: User
    security_admin: User
    audit_admin: User
    outsider: User


@pytest.fixture
def people(tree: Tree) -> People:
    return People(
        district_cadre=make_user("district_cadre", tree.district, Role.CADRE, manages=True),
        district_leader=make_user("district_leader", tree.district, Role.LEADER, manages=True),
        street_cadre=make_user("street_cadre", tree.east, Role.CADRE, manages=True),
        sibling_street_cadre=make_user("sibling_street_cadre", tree.west, Role.CADRE, manages=True),
        community_cadre=make_user("community_cadre", tree.east1, Role.CADRE),
        readonly_user=make_user("readonly_user", tree.east, Role.READONLY),
        sys_admin=make_user("sys_admin", tree.district, Role.SYS_ADMIN),
        security_admin=make_user("security_admin", tree.district, Role.SECURITY_ADMIN),
        audit_admin=make_user("audit_admin", tree.district, Role.AUDIT_ADMIN),
        outsider=make_user("outsider"),
    )


def verified_client(user: User) -> Client:
    """A client logged in as `user`, past the second factor when her role needs one."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    if user.has_admin_role():
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def login():
    """login(user) -> a Client for that user (second factor passed for admins)."""
    return verified_client
