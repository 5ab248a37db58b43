"""The common dictionary of case categories, loaded by migration 0002 and re-ensured by the demo
(a flushed test database loses data-migration rows)."""

from __future__ import annotations

from typing import Any

# code, name, is a marriage-and-family problem (the denominator of "家庭暴力已占家庭问题的58%")
DEFAULT_CASE_CATEGORIES: list[tuple[str, str, bool]] = [
    ("marriage_family", "婚姻家庭", True),
    ("domestic_violence", "家庭暴力", True),
    ("property_land", "财产与土地权益", False),
    ("labour", "劳动就业", False),
    ("personal_rights", "人身权利", False),
    ("child_rights", "儿童权益", False),
    ("other", "其他", False),
]


def ensure_default_case_categories(model: Any = None) -> None:
    if model is None:
        from .models import CaseCategory as model
    for sort, (code, name, is_family) in enumerate(DEFAULT_CASE_CATEGORIES, start=1):
        model.objects.get_or_create(code=code, defaults={"name": name, "is_family": is_family, "sort": sort * 10})
