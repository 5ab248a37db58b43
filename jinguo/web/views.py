from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jinguo.accounts.permissions import Perm
from jinguo.accounts.scoping import has_perm_at, home_units
from jinguo.core.context import AuthedHttpRequest
from jinguo.orgs.models import coverage_of

from .context import SESSION_UNIT, current_unit


@login_required
def home(request: AuthedHttpRequest) -> HttpResponse:
    unit = current_unit(request)
    ctx: dict = {"section": "home", "unit": unit}
    if unit is not None and has_perm_at(request.user, Perm.VIEW_UNITS, unit):
        coverage = coverage_of(unit)
        ctx["coverage"] = coverage
        ctx["chart"] = {
            "labels": [k.label for k in coverage.kinds],
            "established": [k.established for k in coverage.kinds],
            "missing": [k.total - k.established for k in coverage.kinds],
        }
    from jinguo.cases.dashboard import todos

    ctx["todos"] = todos(request.user)
    return render(request, "web/home.html", ctx)


@login_required
@require_POST
def switch_unit(request: AuthedHttpRequest) -> HttpResponse:
    wanted = request.POST.get("unit", "")
    for unit in home_units(request.user):
        if str(unit.pk) == wanted:
            request.session[SESSION_UNIT] = unit.pk
            break
    return redirect(request.POST.get("next") or "web:home")
