from __future__ import annotations

from typing import Any

from jinguo.core.access import get_scoped_or_404

from .models import Unit


def get_unit_for_user(user: Any, pk: Any) -> Unit:
    """A unit the user may see (her units and below); 404 for missing and not-yours alike."""
    return get_scoped_or_404(Unit.objects.for_user(user), user, pk)
