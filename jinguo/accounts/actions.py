"""Every write on users, roles, tokens and login security. Keyword-only, atomic, audited."""

from __future__ import annotations

from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from jinguo.core.audit import record
from jinguo.core.errors import ActionError
from jinguo.core.models import AuditEvent

from .models import ApiToken, Membership, User
from .permissions import ADMIN_ROLES, BUSINESS_ROLES, Perm, Role, role_perms
from .scoping import has_perm_at, perms_at, roles_at, scope_paths

SEPARATION_MESSAGE = "三员分立:同一用户不能同时担任管理员角色(系统、安全、审计)和业务角色(领导、干部、只读)"


def can_grant(actor: Any, *, role: str, unit: Any, can_manage_users: bool = False) -> bool:
    """Whether `actor` may give `role` at `unit`: she manages users there, and the role gives no
    permission she does not hold there herself. Admin roles are given by a system admin only;
    the user-management flag goes only with 领导 and 干部."""
    if not has_perm_at(actor, Perm.MANAGE_USERS, unit):
        return False
    if role in ADMIN_ROLES:
        return Role.SYS_ADMIN in roles_at(actor, unit) and not can_manage_users
    if can_manage_users and role == Role.READONLY:
        return False
    return role_perms(role, can_manage_users=can_manage_users) <= perms_at(actor, unit)


def grantable_roles(actor: Any) -> list[str]:
    """The roles `actor` may give somewhere, for the role choices of a form."""
    units = [m.unit for m in actor.active_memberships() if Perm.MANAGE_USERS in m.perms]
    return [role for role in Role.values if any(can_grant(actor, role=role, unit=u) for u in units)]


def _manager_paths(actor: Any, *, admin: bool) -> list[str]:
    """Where `actor` manages accounts of admins (as 系统管理员) or of business users (as a 领导 or
    干部 with the user-management flag)."""
    return [
        m.unit.path
        for m in actor.active_memberships()
        if Perm.MANAGE_USERS in m.perms and ((m.role == Role.SYS_ADMIN) if admin else (m.role in BUSINESS_ROLES))
    ]


def manages_account(actor: Any, target: User) -> bool:
    """Account-wide changes (password, active) need every membership of the target inside the
    actor's user-management subtree, from the same side of the separation of duties (a system
    admin manages admins' accounts, a business manager business users' accounts), and never
    apply to oneself."""
    if actor.pk == target.pk:
        return False
    rows = list(target.memberships.values_list("unit_path", "role"))
    if not rows:
        return False
    admin = any(role in ADMIN_ROLES for _, role in rows)
    paths = _manager_paths(actor, admin=admin)
    return all(any(u.startswith(p) for p in paths) for u, _ in rows)


def _check_separation(user: User, role: str, unit: Any) -> None:
    """No user holds an admin role and a business role at once (her other units count)."""
    roles = set(Membership.objects.filter(user=user).exclude(unit=unit).values_list("role", flat=True))
    if (role in ADMIN_ROLES and roles & BUSINESS_ROLES) or (role in BUSINESS_ROLES and roles & ADMIN_ROLES):
        raise ActionError(SEPARATION_MESSAGE, field="role")


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ActionError(" ".join(exc.messages), field="password") from exc


@transaction.atomic
def do_create_user(
    *,
    actor: Any,
    username: str,
    full_name: str,
    password: str,
    unit: Any,
    role: str,
    can_manage_users: bool = False,
    phone: str = "",
) -> User:
    username = username.strip()
    if not username:
        raise ActionError("请填写用户名", field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise ActionError(f"用户名“{username}”已被使用", field="username")
    if not can_grant(actor, role=role, unit=unit, can_manage_users=can_manage_users):
        raise ActionError("您无权在该单位授予此角色", field="role")
    user = User(username=username, full_name=full_name.strip(), phone=phone.strip())
    _check_password(password, user)
    user.set_password(password)
    user.save()
    Membership.objects.create(user=user, unit=unit, role=role, can_manage_users=can_manage_users, created_by=actor)
    return user


@transaction.atomic
def do_grant_role(*, actor: Any, user: User, unit: Any, role: str, can_manage_users: bool = False) -> Membership:
    if actor.pk == user.pk:
        raise ActionError("不能给自己授予或变更角色", field="role")
    if not can_grant(actor, role=role, unit=unit, can_manage_users=can_manage_users):
        raise ActionError("您无权在该单位授予此角色", field="role")
    _check_separation(user, role, unit)
    membership = Membership.objects.select_for_update().filter(user=user, unit=unit).first()
    if membership is None:
        membership = Membership(user=user, unit=unit, created_by=actor)
    elif not can_grant(actor, role=membership.role, unit=unit, can_manage_users=membership.can_manage_users):
        raise ActionError("该用户在此单位的现有角色高于您的权限,不能变更", field="role")
    membership.role = role
    membership.can_manage_users = can_manage_users
    membership.save()
    user.forget_memberships()
    return membership


@transaction.atomic
def do_revoke_role(*, actor: Any, membership: Membership) -> None:
    if actor.pk == membership.user_id:
        raise ActionError("不能撤销自己的角色")
    if not can_grant(actor, role=membership.role, unit=membership.unit, can_manage_users=membership.can_manage_users):
        raise ActionError("该角色高于您的权限,不能撤销")
    if not Membership.objects.filter(user_id=membership.user_id).exclude(pk=membership.pk).exists():
        raise ActionError("这是该用户唯一的角色,撤销后将无人能管理该账户。如需停止其使用,请停用该用户")
    membership.delete()


@transaction.atomic
def do_set_password(*, actor: Any, user: User, password: str) -> None:
    if actor.pk != user.pk and not manages_account(actor, user):
        raise ActionError("您无权修改该用户的密码")
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    record(AuditEvent.SECURITY, user=actor, obj=user, detail={"action": "set_password"})


@transaction.atomic
def do_change_own_password(*, user: User, current: str, password: str) -> None:
    if not user.check_password(current):
        raise ActionError("当前密码不正确", field="old_password")
    do_set_password(actor=user, user=user, password=password)


@transaction.atomic
def do_set_active(*, actor: Any, user: User, active: bool) -> None:
    if not manages_account(actor, user):
        raise ActionError("您无权停用或启用该用户")
    user.is_active = active
    user.save(update_fields=["is_active"])


@transaction.atomic
def do_issue_token(*, user: User, name: str = "") -> tuple[str, ApiToken]:
    """A new personal token; the plain token is returned once and never stored."""
    token = ApiToken.generate()
    row = ApiToken.objects.create(user=user, name=name, prefix=token[:10], key_hash=ApiToken.hash(token))
    record(AuditEvent.SECURITY, user=user, obj=user, detail={"action": "issue_token", "prefix": row.prefix})
    return token, row


@transaction.atomic
def do_revoke_tokens(*, user: User, prefix: str = "") -> int:
    """Revoke the user's active tokens (or the one with `prefix`); returns how many."""
    tokens = ApiToken.objects.filter(user=user, revoked_at=None)
    if prefix:
        tokens = tokens.filter(prefix__startswith=prefix)
    count = tokens.update(revoked_at=timezone.now())
    record(
        AuditEvent.SECURITY, user=user, obj=user, detail={"action": "revoke_tokens", "prefix": prefix, "count": count}
    )
    return count


@transaction.atomic
def do_unlock(*, actor: Any, username: str) -> int:
    """Lift an axes lockout of a username (known or not); returns the attempts removed."""
    if not scope_paths(actor, perm=Perm.MANAGE_SECURITY):
        raise ActionError("您无权解除账户锁定")
    username = username.strip()
    if not username:
        # axes_reset(username="") would lift every lockout at once.
        raise ActionError("请填写要解除锁定的用户名", field="username")
    removed = axes_reset(username=username)
    record(
        AuditEvent.SECURITY, user=actor, username=actor.get_username(), detail={"action": "unlock", "target": username}
    )
    return removed


@transaction.atomic
def do_reset_second_factor(*, actor: Any, user: User) -> int:
    if actor.pk == user.pk:
        raise ActionError("不能重置自己的动态口令")
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    record(AuditEvent.SECURITY, user=actor, obj=user, detail={"action": "reset_second_factor"})
    return removed


@transaction.atomic
def do_confirm_second_factor(*, user: User, device: TOTPDevice, token: str) -> bool:
    if not device.verify_token(token.strip()):
        return False
    device.confirmed = True
    device.save()
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    record(AuditEvent.SECURITY, user=user, obj=user, detail={"action": "enable_second_factor"})
    return True
