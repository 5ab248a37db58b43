"""Action checks through `rules`: user.has_perm(Perm.MANAGE_UNITS.rule, unit)."""

from __future__ import annotations

from typing import Any

import rules

from .permissions import Perm
from .scoping import has_perm_at


def _unit_of(obj: Any) -> Any:
    if obj is None:
        return None
    if hasattr(obj, "path") and hasattr(obj, "kind"):
        return obj
    return getattr(obj, "unit", None)


def _predicate(perm: Perm):
    @rules.predicate(name=f"holds_{perm.value}")
    def check(user: Any, obj: Any = None) -> bool:
        return has_perm_at(user, perm, _unit_of(obj))

    return check


for _perm in Perm:
    rules.add_perm(_perm.rule, _predicate(_perm))
