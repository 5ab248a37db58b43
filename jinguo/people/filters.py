"""The person list's filters, shared by the page, the API and the ledger export so that an export
carries exactly the rows on screen."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Count

from jinguo.core import paging
from jinguo.core.paging import capped_count

from . import counts
from .models import Gender, PersonCategory, PersonQuerySet

AGE_BANDS: dict[str, tuple[int | None, int | None, str]] = {
    "0-5": (0, 5, "0-5岁"),
    "6-17": (6, 17, "6-17岁"),
    "18-34": (18, 34, "18-34岁"),
    "35-59": (35, 59, "35-59岁"),
    "60-": (60, None, "60岁及以上"),
}


@dataclass(frozen=True)
class ListCounts:
    """What the list shows above its rows: how many persons match, and how many of the persons
    matching the other filters are in each category (clicking one gives that many rows)."""

    total: int
    capped: bool = False  # total is COUNT_CAP and there are more
    by_category: dict[str, int] | None = None  # code -> count; None: too many rows to count live


@dataclass(frozen=True)
class PersonFilters:
    q: str = ""
    category: str = ""
    unit: int | None = None
    gender: str = ""
    age: str = ""

    @classmethod
    def from_params(cls, params: Any) -> PersonFilters:
        unit = str(params.get("unit", "") or "").strip()
        return cls(
            q=str(params.get("q", "") or "").strip(),
            category=str(params.get("category", "") or "").strip(),
            unit=int(unit) if unit.isdigit() else None,
            gender=str(params.get("gender", "") or "").strip(),
            age=str(params.get("age", "") or "").strip(),
        )

    def _unit_path(self, user: Any) -> str | None:
        """The path of the unit filter if the user can see that unit, else None."""
        from jinguo.orgs.models import Unit

        return Unit.objects.for_user(user).filter(pk=self.unit).values_list("path", flat=True).first()

    def apply(self, qs: PersonQuerySet, *, user: Any) -> PersonQuerySet:
        """Narrow `qs` (already scoped to `user`); a unit outside her view simply matches nothing."""
        from jinguo.core.tree import under

        if self.q:
            qs = qs.search(self.q)
        if self.category:
            qs = qs.in_category(self.category)
        if self.unit is not None:
            path = self._unit_path(user)
            qs = qs.filter(under("unit_path", path)) if path is not None else qs.none()
        if self.gender in Gender.values:
            qs = qs.filter(gender=self.gender)
        if self.age in AGE_BANDS:
            low, high, _ = AGE_BANDS[self.age]
            qs = qs.aged(low, high)
        return qs

    @property
    def kept_counts_answer(self) -> bool:
        """Whether the kept counts per unit (people.counts) answer these filters: a unit and a
        category, nothing that needs the rows themselves."""
        return not self.q and self.gender not in Gender.values and self.age not in AGE_BANDS

    def counts(self, qs: PersonQuerySet, *, user: Any) -> ListCounts:
        """The counts of the list `qs` (these filters applied to the user's persons)."""
        from .access import persons_for

        if self.kept_counts_answer:
            path = None
            if self.unit is not None:
                path = self._unit_path(user)
                if path is None:
                    return ListCounts(0, by_category={})
            kept = counts.in_scope(user, unit_path=path)
            return ListCounts(
                kept.get(self.category or counts.ALL, 0), by_category={k: n for k, n in kept.items() if k}
            )
        if not self.category:
            # the matching persons' ids (at most COUNT_CAP + 1), then their categories: the persons
            # are read once, not once to count them and again for the facets (a search by the last
            # 4 digits and a surname read 1,700 rows' pages twice)
            cap = paging.COUNT_CAP
            ids = list(qs.order_by().values_list("pk", flat=True)[: cap + 1])
            if len(ids) > cap:
                return ListCounts(cap, True)
            return ListCounts(len(ids), False, by_category=self._by_category(ids))
        total, capped = capped_count(qs)
        # the facets count the persons matching all but the category
        base = replace(self, category="").apply(persons_for(user), user=user)
        if capped_count(base)[1]:
            return ListCounts(total, capped)
        return ListCounts(total, capped, by_category=self._by_category(base.values("pk")))

    @staticmethod
    def _by_category(persons: Any) -> dict[str, int]:
        """{category code: how many of `persons` (ids, or a query of them) are in it}."""
        rows = (
            PersonCategory.objects.filter(ended_on__isnull=True, person_id__in=persons)
            .values_list("category__code")
            .annotate(n=Count("person_id"))
            .order_by()
        )
        return dict(rows)

    def as_params(self) -> dict[str, str]:
        out = {
            "q": self.q,
            "category": self.category,
            "unit": str(self.unit or ""),
            "gender": self.gender,
            "age": self.age,
        }
        return {k: v for k, v in out.items() if v}
