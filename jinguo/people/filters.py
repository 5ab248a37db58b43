"""The person list's filters, shared by the page, the API and the ledger export so that an export
carries exactly the rows on screen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .models import Gender, PersonQuerySet

AGE_BANDS: dict[str, tuple[int | None, int | None, str]] = {
    "0-5": (0, 5, "0-5岁"),
    "6-17": (6, 17, "6-17岁"),
    "18-34": (18, 34, "18-34岁"),
    "35-59": (35, 59, "35-59岁"),
    "60-": (60, None, "60岁及以上"),
}


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

    def apply(self, qs: PersonQuerySet, *, user: Any) -> PersonQuerySet:
        """Narrow `qs` (already scoped to `user`); a unit outside her view simply matches nothing."""
        from jinguo.core.tree import under
        from jinguo.orgs.models import Unit

        if self.q:
            qs = qs.search(self.q)
        if self.category:
            qs = qs.in_category(self.category)
        if self.unit is not None:
            unit = Unit.objects.for_user(user).filter(pk=self.unit).first()
            qs = qs.filter(under("unit_path", unit.path)) if unit is not None else qs.none()
        if self.gender in Gender.values:
            qs = qs.filter(gender=self.gender)
        if self.age in AGE_BANDS:
            low, high, _ = AGE_BANDS[self.age]
            qs = qs.aged(low, high)
        return qs

    def as_params(self) -> dict[str, str]:
        out = {
            "q": self.q,
            "category": self.category,
            "unit": str(self.unit or ""),
            "gender": self.gender,
            "age": self.age,
        }
        return {k: v for k, v in out.items() if v}
