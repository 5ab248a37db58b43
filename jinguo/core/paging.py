"""Pagination of large registers: the count is given (from kept counts, or a capped count) rather
than counted by the paginator, which would read every row of a city's register."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Schema
from ninja.pagination import LimitOffsetPagination

# A live count stops here: "5000+" is all a cadre needs of a broad search, and counting further
# costs a scan of the rows (at 2,000,000 persons: 10,000 took 57 ms, 5,000 half of it).
COUNT_CAP = 5_000


def capped_count(qs: QuerySet[Any], cap: int | None = None) -> tuple[int, bool]:
    """(count, capped): counts at most cap + 1 rows (default COUNT_CAP); capped means "more than cap"."""
    cap = COUNT_CAP if cap is None else cap
    n = qs.order_by()[: cap + 1].count()
    return (cap, True) if n > cap else (n, False)


class CountedPaginator(Paginator):
    """A paginator told its count. With `capped` the count is a lower bound: the pages go on while
    rows come, and the pager says "10000+"."""

    def __init__(self, object_list: Any, per_page: int, *, count: int, capped: bool = False) -> None:
        super().__init__(object_list, per_page)
        self._known = count
        self.capped = capped

    @cached_property
    def count(self) -> int:
        return self._known + 1 if self.capped else self._known

    @property
    def count_label(self) -> str:
        return f"{self._known}+" if self.capped else str(self._known)


class Counted:
    """A queryset with its count known beforehand, for `CountedLimitOffset`."""

    def __init__(self, queryset: QuerySet[Any], count: int, *, capped: bool = False) -> None:
        self.queryset, self.count, self.capped = queryset, count, capped


class CountedLimitOffset(LimitOffsetPagination):
    """limit/offset pagination of the API whose count comes from the view (`Counted`): kept counts
    or a capped count. `count_capped` true means "more than `count`"."""

    class Output(Schema):
        items: list[Any]
        count: int
        count_capped: bool = False

    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        if not isinstance(queryset, Counted):
            return super().paginate_queryset(queryset, pagination, request, **params)
        offset, limit = pagination.offset, min(pagination.limit, self.max_limit)
        return {
            "items": queryset.queryset[offset : offset + limit],
            "count": queryset.count,
            "count_capped": queryset.capped,
        }
