"""What every page's layout needs: the current unit, its breadcrumb and the menu."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from jinguo.accounts.scoping import home_units, scope_paths

from .menu import MENU

SESSION_UNIT = "current_unit_id"


def current_unit(request: HttpRequest) -> Any:
    """The unit the user is working in: the one she chose, else her first unit."""
    cached = getattr(request, "_jinguo_current_unit", False)
    if cached is not False:
        return cached
    units = home_units(request.user)
    chosen = request.session.get(SESSION_UNIT)
    unit = next((u for u in units if u.pk == chosen), units[0] if units else None)
    request._jinguo_current_unit = unit  # type: ignore[attr-defined]
    return unit


def breadcrumb(user: Any, unit: Any) -> list[dict[str, Any]]:
    """Ancestors of `unit` down to it; those inside the user's view are links."""
    if unit is None:
        return []
    from jinguo.orgs.models import Unit

    visible = scope_paths(user)
    crumbs = []
    for anc in Unit.objects.filter(path__in=unit.ancestor_paths()).only("id", "name", "path", "depth"):
        link = any(anc.path.startswith(p) for p in visible)
        crumbs.append({"name": anc.name, "url": reverse("orgs:unit", args=[anc.pk]) if link else None})
    return crumbs


def layout(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if request.headers.get("HX-Request") == "true":
        return {}  # a partial: no layout to fill
    from jinguo.accounts.otp import needs_second_factor

    if needs_second_factor(user) and not user.is_verified():
        # Until the second factor is passed, the layout shows nothing of the platform.
        return {"second_factor_pending": True}
    unit = current_unit(request)
    menu = [
        {"label": item.label, "url": reverse(item.url_name), "section": item.section}
        for item in MENU
        if item.perm is None or scope_paths(user, perm=item.perm)
    ]
    return {
        "current_unit": unit,
        "my_units": home_units(user),
        "menu": menu,
        "crumbs": breadcrumb(user, unit),
    }
