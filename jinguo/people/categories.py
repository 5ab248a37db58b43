"""The common dictionary of person categories, loaded by migration 0002 and re-ensured by the demo
(a flushed test database loses data-migration rows)."""

from __future__ import annotations

DEFAULT_CATEGORIES: list[tuple[str, str, bool]] = [
    ("left_behind_child", "留守儿童", True),
    ("migrant_child", "流动儿童", True),
    ("single_parent_child", "单亲家庭儿童", True),
    ("hardship_child", "困难儿童", True),
    ("hardship_woman", "困难妇女", False),
    ("dibao", "低保", False),
    ("laid_off", "下岗失业", False),
    ("empty_nest_elder", "空巢老人", False),
    ("disabled", "残疾", False),
    ("new_resident", "新居民", False),
    ("single_parent_family", "单亲家庭", False),
]


def ensure_default_categories(category_model=None) -> None:
    if category_model is None:
        from .models import Category as category_model
    for sort, (code, name, for_children) in enumerate(DEFAULT_CATEGORIES, start=1):
        category_model.objects.get_or_create(
            code=code, defaults={"name": name, "for_children": for_children, "sort": sort * 10}
        )
