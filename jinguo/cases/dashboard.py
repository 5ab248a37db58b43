"""What waits on the work bench (工作台): overdue cases and follow-ups, cases to accept, closings
to approve, transfers to answer, key families whose visit is late. Nothing waits unseen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from jinguo.accounts.permissions import Perm
from jinguo.accounts.scoping import scope_paths
from jinguo.core.paging import capped_count
from jinguo.core.tree import under_any

from .access import cases_for, families_for
from .models import FollowUp, Status


@dataclass(frozen=True)
class Todo:
    key: str
    label: str
    count: int
    capped: bool
    url: str
    urgent: bool = False

    @property
    def shown(self) -> str:
        return f"{self.count}+" if self.capped else str(self.count)


def todos(user: Any) -> list[Todo]:
    if not scope_paths(user, perm=Perm.VIEW_RECORDS):
        return []
    today = timezone.localdate()
    cases = cases_for(user)
    out = []

    def add(key: str, label: str, qs: Any, url: str, *, urgent: bool = False) -> None:
        n, capped = capped_count(qs, 999)
        out.append(Todo(key, label, n, capped, url, urgent))

    base = reverse("cases:list")
    add("overdue", "超期案件", cases.overdue(today), f"{base}?status=overdue", urgent=True)
    add(
        "to_accept",
        "待受理",
        cases.to_accept(),
        f"{base}?status=to_accept",
    )
    approve = scope_paths(user, perm=Perm.APPROVE)
    if approve:
        closing = cases.filter(status=Status.CLOSING).filter(under_any("unit_path", approve))
        closing = closing.exclude(Q(handler=user) | Q(close_requested_by=user))
        add("to_approve", "待我审批结案", closing, f"{base}?status=closing")
    edit = scope_paths(user, perm=Perm.EDIT_RECORDS)
    if edit:
        add("transfers", "待接收转办", cases.filter(under_any("transfer_to_path", edit)), f"{base}?status=transfer_in")
    add("mine", "我承办的在办案件", cases.open().filter(handler=user), f"{base}?mine=1&status=open")
    follow_ups = FollowUp.objects.overdue(today).filter(case__in=cases.values("pk"))
    add("follow_ups", "回访超期", follow_ups, f"{reverse('cases:follow_ups')}?state=overdue", urgent=True)
    add(
        "visits",
        "重点家庭走访超期",
        families_for(user).visit_overdue(today),
        f"{reverse('cases:families')}?state=overdue",
        urgent=True,
    )
    return out
