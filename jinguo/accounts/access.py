"""Reads of users for the people who manage them; the one access helper for User."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jinguo.core.access import get_scoped_or_404
from jinguo.core.tree import under_any

from .models import Membership, User
from .permissions import Perm
from .scoping import scope_paths


def users_for(actor: Any, *, perm: Perm = Perm.MANAGE_USERS) -> QuerySet[User]:
    """Users with at least one membership in the subtree where `actor` holds `perm`."""
    paths = scope_paths(actor, perm=perm)
    if not paths:
        return User.objects.none()
    ids = Membership.objects.filter(under_any("unit_path", paths)).values("user_id")
    return User.objects.filter(pk__in=ids).order_by("username")


def get_user_for_user(actor: Any, pk: Any, *, perm: Perm = Perm.MANAGE_USERS) -> User:
    return get_scoped_or_404(users_for(actor, perm=perm), actor, pk)


def get_membership_for_user(actor: Any, pk: Any) -> Membership:
    qs = Membership.objects.for_user(actor, perm=Perm.MANAGE_USERS).select_related("user", "unit")
    return get_scoped_or_404(qs, actor, pk)
