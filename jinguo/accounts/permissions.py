"""Roles and permissions: the one module that says who may do what.

Three admin roles are kept apart (三员分立) and none of them can read person or case records.
A leader or cadre manages users only where her membership says so (`can_manage_users`), and
never grants a role whose permissions she does not hold herself.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    SYS_ADMIN = "sys_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"
    LEADER = "leader", "领导"
    CADRE = "cadre", "干部"
    READONLY = "readonly", "只读"


class Perm(StrEnum):
    VIEW_UNITS = "view_units"  # the unit tree, unit pages, coverage figures
    MANAGE_UNITS = "manage_units"  # create, rename, move, close, import units
    VIEW_RECORDS = "view_records"  # persons, households, cases … of the subtree
    EDIT_RECORDS = "edit_records"
    APPROVE = "approve"  # close cases, approve disbursements
    REVEAL = "reveal"  # see a whole ID number, phone, address (audited)
    MANAGE_USERS = "manage_users"  # create users and grant roles in the subtree
    MANAGE_SECURITY = "manage_security"  # unlock accounts, reset second factors
    VIEW_AUDIT = "view_audit"  # read and export the audit log

    @property
    def rule(self) -> str:
        """The name under which `rules` knows it: user.has_perm(Perm.X.rule, unit)."""
        return f"jinguo.{self.value}"


ADMIN_ROLES = frozenset({Role.SYS_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
BUSINESS_ROLES = frozenset({Role.LEADER, Role.CADRE, Role.READONLY})
RECORD_PERMS = frozenset({Perm.VIEW_RECORDS, Perm.EDIT_RECORDS, Perm.APPROVE, Perm.REVEAL})

ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.SYS_ADMIN: frozenset({Perm.VIEW_UNITS, Perm.MANAGE_UNITS, Perm.MANAGE_USERS}),
    Role.SECURITY_ADMIN: frozenset({Perm.VIEW_UNITS, Perm.MANAGE_SECURITY}),
    Role.AUDIT_ADMIN: frozenset({Perm.VIEW_AUDIT}),
    Role.LEADER: frozenset({Perm.VIEW_UNITS, Perm.VIEW_RECORDS, Perm.EDIT_RECORDS, Perm.APPROVE, Perm.REVEAL}),
    Role.CADRE: frozenset({Perm.VIEW_UNITS, Perm.MANAGE_UNITS, Perm.VIEW_RECORDS, Perm.EDIT_RECORDS, Perm.REVEAL}),
    Role.READONLY: frozenset({Perm.VIEW_UNITS, Perm.VIEW_RECORDS}),
}

# Business roles get MANAGE_USERS only through the membership flag.
FLAG_PERMS = frozenset({Perm.MANAGE_USERS})

assert not any(ROLE_PERMS[r] & RECORD_PERMS for r in ADMIN_ROLES), "admin roles must not read records"


def role_perms(role: str, *, can_manage_users: bool = False) -> frozenset[Perm]:
    perms = ROLE_PERMS.get(role, frozenset())
    if can_manage_users and role in BUSINESS_ROLES and role != Role.READONLY:
        perms = perms | FLAG_PERMS
    return perms
