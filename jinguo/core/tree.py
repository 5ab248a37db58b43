"""Subtree conditions on a copied treebeard path.

`path LIKE 'prefix%'` alone lets PostgreSQL walk an index in path order and filter (and SQLite scan);
a range beside it (`path BETWEEN prefix AND prefix||'ZZZ…'`, as treebeard does for descendants)
gives both an index condition. The LIKE keeps the condition exact whatever the collation.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

PATH_MAX = 255
TOP = "Z"  # the last character of treebeard's path alphabet (0-9A-Z)


def under(field: str, path: str) -> Q:
    """Rows whose `field` is `path` or below it."""
    return Q(
        **{f"{field}__startswith": path, f"{field}__gte": path, f"{field}__lte": path + TOP * (PATH_MAX - len(path))}
    )


def under_any(field: str, paths: Iterable[str]) -> Q:
    """Rows under any of `paths` (an empty Q matches nothing: callers check for no paths first)."""
    cond = Q()
    for p in paths:
        cond |= under(field, p)
    return cond
