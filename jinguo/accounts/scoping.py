"""Where a user may act: the tree paths of her units, per permission. Fails closed."""

from __future__ import annotations

from typing import Any

from .permissions import Perm, Role, role_perms


def _memberships(user: Any) -> list:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    return user.active_memberships()


def scope_paths(user: Any, *, perm: str | None = None) -> list[str]:
    """Minimal list of unit paths under which `user` holds `perm` (default: VIEW_UNITS for the
    tree, VIEW_RECORDS is asked for explicitly by record registers). Empty means nothing."""
    wanted = Perm(perm) if perm else Perm.VIEW_UNITS
    cache: dict[str, list[str]] = user.__dict__.setdefault("_scope_cache", {}) if user is not None else {}
    if wanted in cache:
        return cache[wanted]
    paths = sorted({m.unit.path for m in _memberships(user) if wanted in m.perms})
    minimal: list[str] = []
    for p in paths:
        if not any(p.startswith(q) for q in minimal):
            minimal.append(p)
    if user is not None:
        cache[wanted] = minimal
    return minimal


def has_perm_at(user: Any, perm: Perm | str, unit: Any) -> bool:
    """Whether `user` holds `perm` at `unit` through a membership at the unit or above it."""
    if unit is None:
        return bool(scope_paths(user, perm=perm))
    return any(unit.path.startswith(p) for p in scope_paths(user, perm=perm))


def roles_at(user: Any, unit: Any) -> set[str]:
    """The roles `user` holds at `unit` or above it."""
    return {m.role for m in _memberships(user) if unit.path.startswith(m.unit.path)}


def perms_at(user: Any, unit: Any) -> set[Perm]:
    out: set[Perm] = set()
    for m in _memberships(user):
        if unit.path.startswith(m.unit.path):
            out |= m.perms
    return out


def home_units(user: Any, *, perm: str | None = None) -> list:
    """The top units of the user's scope, for the tree's first level and the unit switcher."""
    wanted = Perm(perm) if perm else None
    seen: dict[int, Any] = {}
    for m in _memberships(user):
        if wanted is None or wanted in m.perms:
            seen.setdefault(m.unit.pk, m.unit)
    return list(seen.values())


def is_admin_role(role: str) -> bool:
    return role in {Role.SYS_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}


def users_with_perm_at(perm: Perm | str, unit: Any) -> Any:
    """The active users who hold `perm` at `unit` (a membership there or above, in an open unit)."""
    from .models import Membership, User

    wanted = Perm(perm)
    roles = [role for role in Role.values if wanted in role_perms(role)]
    members = Membership.objects.filter(unit__path__in=unit.ancestor_paths(), unit__is_closed=False, role__in=roles)
    return User.objects.filter(is_active=True, pk__in=members.values("user_id")).order_by("username")
