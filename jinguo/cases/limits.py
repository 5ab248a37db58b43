"""Time limits of case handling: how many days to accept, to finish, and to the first follow-up
visit after closing. A unit sets its own for itself and the units below (TimeLimit); the nearest
unit above a case that set one decides; else the defaults."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .models import Kind, TimeLimit

Step = TimeLimit.Step

DEFAULT_DAYS: dict[str, int] = {Step.ACCEPT: 3, Step.FINISH: 15, Step.FOLLOW_UP: 30}


def days_for(unit: Any, kind: str, step: str) -> int:
    """The limit for a case of `kind` at `unit`: the deepest of its units (itself or above) that set one."""
    paths = unit.ancestor_paths()
    rows = TimeLimit.objects.filter(unit__path__in=paths, kind=kind, step=step).values_list("unit__path", "days")
    found = dict(rows)
    for path in reversed(paths):
        if path in found:
            return found[path]
    return DEFAULT_DAYS[step]


def due(start: dt.date, unit: Any, kind: str, step: str) -> dt.date:
    return start + dt.timedelta(days=days_for(unit, kind, step))


def table_for(unit: Any) -> list[dict[str, Any]]:
    """Every kind and step with the days that apply at `unit`, and whether the unit set them itself."""
    own = {(t.kind, t.step): t.days for t in TimeLimit.objects.filter(unit=unit)}
    out = []
    for kind, kind_label in Kind.choices:
        for step, step_label in Step.choices:
            out.append(
                {
                    "kind": kind,
                    "kind_label": kind_label,
                    "step": step,
                    "step_label": step_label,
                    "days": days_for(unit, kind, step),
                    "own": (kind, step) in own,
                }
            )
    return out
