"""The case list's filters, shared by the page, the API and the ledger export, so that an export
carries exactly the rows on screen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from jinguo.accounts.permissions import Perm
from jinguo.accounts.scoping import scope_paths
from jinguo.core.tree import under, under_any

from .models import CaseQuerySet, Channel, Kind, Status

# besides the statuses themselves
# 待受理: registered and not on its way to another unit (a case sent on waits there, as 待接收转办)
PSEUDO_STATUSES = {"open": "未办结", "overdue": "超期", "to_accept": "待受理", "transfer_in": "待接收转办"}


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class CaseFilters:
    q: str = ""
    kind: str = ""
    status: str = ""  # a Status value, or one of PSEUDO_STATUSES
    category: str = ""
    channel: str = ""
    unit: int | None = None
    mine: bool = False
    received_from: dt.date | None = None
    received_to: dt.date | None = None

    @classmethod
    def from_params(cls, params: Any) -> CaseFilters:
        unit = str(params.get("unit", "") or "").strip()
        return cls(
            q=str(params.get("q", "") or "").strip(),
            kind=str(params.get("kind", "") or "").strip(),
            status=str(params.get("status", "") or "").strip(),
            category=str(params.get("category", "") or "").strip(),
            channel=str(params.get("channel", "") or "").strip(),
            unit=int(unit) if unit.isdigit() else None,
            mine=str(params.get("mine", "")).lower() in ("1", "true", "on"),
            received_from=_date(params.get("received_from")),
            received_to=_date(params.get("received_to")),
        )

    def apply(self, qs: CaseQuerySet, *, user: Any, today: dt.date | None = None) -> CaseQuerySet:
        """Narrow `qs` (already scoped to `user`); a unit outside her view matches nothing."""
        from jinguo.orgs.models import Unit

        if self.q:
            qs = qs.filter(Q(number=self.q.upper()) | Q(person__name__startswith=self.q))
        if self.kind in Kind.values:
            qs = qs.filter(kind=self.kind)
        if self.status in Status.values:
            qs = qs.filter(status=self.status)
        elif self.status == "open":
            qs = qs.open()
        elif self.status == "overdue":
            qs = qs.overdue(today)
        elif self.status == "to_accept":
            qs = qs.to_accept()
        elif self.status == "transfer_in":
            paths = scope_paths(user, perm=Perm.EDIT_RECORDS)
            qs = qs.filter(under_any("transfer_to_path", paths)) if paths else qs.none()
        if self.category:
            qs = qs.filter(category__code=self.category)
        if self.channel in Channel.values:
            qs = qs.filter(channel=self.channel)
        if self.unit is not None:
            path = Unit.objects.for_user(user).filter(pk=self.unit).values_list("path", flat=True).first()
            qs = qs.filter(under("unit_path", path)) if path is not None else qs.none()
        if self.mine:
            qs = qs.filter(handler=user)
        if self.received_from:
            qs = qs.filter(received_at__date__gte=self.received_from)
        if self.received_to:
            qs = qs.filter(received_at__date__lte=self.received_to)
        return qs

    def as_params(self) -> dict[str, str]:
        out = {
            "q": self.q,
            "kind": self.kind,
            "status": self.status,
            "category": self.category,
            "channel": self.channel,
            "unit": str(self.unit or ""),
            "mine": "1" if self.mine else "",
            "received_from": self.received_from.isoformat() if self.received_from else "",
            "received_to": self.received_to.isoformat() if self.received_to else "",
        }
        return {k: v for k, v in out.items() if v}
