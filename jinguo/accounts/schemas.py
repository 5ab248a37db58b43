from __future__ import annotations

from ninja import Schema


class MembershipOut(Schema):
    unit_id: int
    unit_name: str
    role: str
    role_label: str
    can_manage_users: bool


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    memberships: list[MembershipOut]
    permissions: list[str]
