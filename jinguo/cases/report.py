"""The monthly report of rights protection (工作月报) for a unit's subtree: cases received by
channel, kind, category and unit; results; violence stopped; the share of domestic violence among
marriage-and-family cases; open, overdue and closed cases; follow-ups done and satisfaction. Every
figure is counted from the records, with a few aggregate queries whatever the number of cases."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr
from django.utils import timezone

from jinguo.core.errors import ActionError
from jinguo.core.tree import under
from jinguo.orgs.models import Unit

from .access import cases_for
from .models import VIOLENCE_CATEGORY, CaseCategory, Channel, FollowUp, Kind, Outcome

MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(value: str | None, *, today: dt.date) -> dt.date:
    """'2026-03' -> 2026-03-01; empty -> this month; anything else is refused in Chinese."""
    if not value:
        return today.replace(day=1)
    m = MONTH.fullmatch(value.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ActionError("月份格式应为 YYYY-MM,如 2026-03", field="month")
    first = dt.date(int(m.group(1)), int(m.group(2)), 1)
    if first > today:
        raise ActionError("不能统计未来的月份", field="month")
    return first


def next_month(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def share(part: int, whole: int) -> Decimal | None:
    """part / whole in percent, rounded half up to one decimal; None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def counted(label: str, count: int) -> str:
    """'来访3件'; after a label ending in a digit a space keeps the figure apart: '电话/12338 2件'."""
    return f"{label}{' ' if label[-1:].isdigit() else ''}{count}件"


@dataclass
class Row:
    key: str
    label: str
    count: int


@dataclass
class MonthlyReport:
    unit: Unit
    month: dt.date
    received: int = 0
    by_channel: list[Row] = field(default_factory=list)
    by_kind: list[Row] = field(default_factory=list)
    by_category: list[Row] = field(default_factory=list)
    by_unit: list[Row] = field(default_factory=list)
    finished: int = 0
    by_outcome: list[Row] = field(default_factory=list)
    violence_stopped: int = 0
    family_cases: int = 0
    violence_cases: int = 0
    violence_share: Decimal | None = None
    open_at_end: int = 0
    overdue_at_end: int = 0
    closed: int = 0
    follow_ups_done: int = 0
    follow_ups_satisfied: int = 0
    follow_ups_answered: int = 0
    satisfaction: Decimal | None = None
    follow_ups_overdue: int = 0
    running: bool = False  # the month has not ended: "open at its end" means open now

    @property
    def at_end_label(self) -> str:
        return "目前" if self.running else "月末"

    @property
    def month_label(self) -> str:
        return f"{self.month.year}年{self.month.month}月"

    def as_dict(self) -> dict[str, Any]:
        def rows(items: list[Row]) -> list[dict[str, Any]]:
            return [{"key": r.key, "label": r.label, "count": r.count} for r in items]

        return {
            "unit": {"id": self.unit.pk, "name": self.unit.name},
            "month": f"{self.month:%Y-%m}",
            "received": self.received,
            "by_channel": rows(self.by_channel),
            "by_kind": rows(self.by_kind),
            "by_category": rows(self.by_category),
            "by_unit": rows(self.by_unit),
            "finished": self.finished,
            "by_outcome": rows(self.by_outcome),
            "violence_stopped": self.violence_stopped,
            "family_cases": self.family_cases,
            "violence_cases": self.violence_cases,
            "violence_share": None if self.violence_share is None else str(self.violence_share),
            "open_at_end": self.open_at_end,
            "overdue_at_end": self.overdue_at_end,
            "closed": self.closed,
            "follow_ups_done": self.follow_ups_done,
            "follow_ups_answered": self.follow_ups_answered,
            "follow_ups_satisfied": self.follow_ups_satisfied,
            "satisfaction": None if self.satisfaction is None else str(self.satisfaction),
            "follow_ups_overdue": self.follow_ups_overdue,
        }

    def sentence(self) -> str:
        """The report's figures as a work summary writes them."""
        parts = [f"{self.month_label},共受理来信来访及调解、家暴案件{self.received}件"]
        channels = [counted(r.label, r.count) for r in self.by_channel if r.count]
        if channels:
            parts.append("其中" + "、".join(channels))
        parts.append(f"办结{self.finished}件,结案{self.closed}件")
        if self.violence_stopped:
            parts.append(f"制止家庭暴力{self.violence_stopped}起")
        if self.violence_share is not None:
            parts.append(f"家庭暴力占婚姻家庭问题的{self.violence_share}%")
        parts.append(f"{self.at_end_label}在办{self.open_at_end}件,其中超期{self.overdue_at_end}件")
        if self.follow_ups_done:
            tail = f",满意率{self.satisfaction}%" if self.satisfaction is not None else ""
            parts.append(f"回访{self.follow_ups_done}次{tail}")
        return ",".join(parts) + "。"


def _rows(counts: dict[str, int], choices: list[tuple[str, str]]) -> list[Row]:
    return [Row(key, label, counts.get(key, 0)) for key, label in choices]


def monthly_report(user: Any, unit: Unit, month: dt.date, *, today: dt.date | None = None) -> MonthlyReport:
    """The figures of `month` (its first day) for the cases of `unit` and below that `user` may see."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(month, dt.time(), tzinfo=zone)
    end_day = next_month(month)
    # overdue as seen at the month's end, or today in the month still running (not what will be late)
    as_of = min(end_day, today or timezone.localdate())
    end = dt.datetime.combine(end_day, dt.time(), tzinfo=zone)
    cases = cases_for(user).filter(under("unit_path", unit.path))
    out = MonthlyReport(unit=unit, month=month, running=as_of < end_day)

    # what came in: one pass over the month's cases, grouped by channel, kind, category and unit
    width = len(unit.path) + Unit.steplen
    received = (
        cases.filter(received_at__gte=start, received_at__lt=end)
        .annotate(prefix=Substr("unit_path", 1, width))
        .values_list("channel", "kind", "category_id", "prefix")
        .annotate(n=Count("id"))
        .order_by()
    )
    by: dict[str, Counter[Any]] = {k: Counter() for k in ("channel", "kind", "category", "prefix")}
    for channel, kind, category_id, prefix, n in received:
        by["channel"][channel] += n
        by["kind"][kind] += n
        by["category"][category_id] += n
        by["prefix"][prefix] += n
    out.by_channel = _rows(by["channel"], Channel.choices)
    out.by_kind = _rows(by["kind"], Kind.choices)
    out.received = sum(by["kind"].values())
    by_category = by["category"]
    shown = CaseCategory.objects.filter(pk__in=list(by_category)) | CaseCategory.objects.available_to(unit)
    categories = list(shown.distinct().order_by("sort", "pk"))
    out.by_category = [Row(c.code, c.name, by_category.get(c.pk, 0)) for c in categories]
    out.family_cases = sum(by_category.get(c.pk, 0) for c in categories if c.is_family)
    out.violence_cases = sum(by_category.get(c.pk, 0) for c in categories if c.code == VIOLENCE_CATEGORY)
    out.violence_share = share(out.violence_cases, out.family_cases)
    out.by_unit = _by_unit(by["prefix"], unit)

    finished = cases.filter(finished_at__gte=start, finished_at__lt=end)
    outcome_counts: Counter[str] = Counter()
    for outcome, stopped, n in finished.values_list("outcome", "violence_stopped").annotate(n=Count("id")).order_by():
        outcome_counts[outcome] += n
        out.violence_stopped += n if stopped else 0
    out.by_outcome = _rows(outcome_counts, Outcome.choices)
    out.finished = sum(outcome_counts.values())
    out.closed = cases.filter(closed_at__gte=start, closed_at__lt=end).count()

    # open at the month's end: received by then and not finished by then; overdue: past the date
    # to accept (not accepted by then) or to finish (accepted by then)
    not_accepted = Q(accepted_at__isnull=True) | Q(accepted_at__gte=end)
    late = (not_accepted & Q(accept_due__lt=as_of)) | (~not_accepted & Q(finish_due__lt=as_of))
    figures = alive_at(cases, end).aggregate(open=Count("id"), overdue=Count("id", filter=late))
    out.open_at_end, out.overdue_at_end = figures["open"], figures["overdue"]

    # follow-ups: those done in the month, and those due before the as-of day not done by the month's end
    in_scope = Q(case__in=cases.values("pk"))
    done = FollowUp.objects.filter(in_scope, done_on__gte=month, done_on__lt=end_day).aggregate(
        done=Count("id"),
        answered=Count("id", filter=Q(satisfied__isnull=False)),
        satisfied=Count("id", filter=Q(satisfied=True)),
    )
    out.follow_ups_done, out.follow_ups_answered = done["done"], done["answered"]
    out.follow_ups_satisfied = done["satisfied"]
    out.follow_ups_overdue = pending_at(FollowUp.objects.filter(in_scope), as_of, end_day).count()
    out.satisfaction = share(out.follow_ups_satisfied, out.follow_ups_answered)
    return out


# The life of a case, (received, finished], and the wait of a follow-up, [due, done): a GiST index
# on each expression (migration cases.0003, PostgreSQL) finds those alive at a moment without
# reading the ones that ended long before. An end before the start counts as the start.
CASE_LIFE = "tstzrange(received_at, CASE WHEN finished_at < received_at THEN received_at ELSE finished_at END, '(]')"
FOLLOW_UP_WAIT = "daterange(due_on, CASE WHEN done_on < due_on THEN due_on ELSE done_on END, '[)')"


def alive_at(cases: QuerySet[Any], moment: dt.datetime) -> QuerySet[Any]:
    """Cases received before `moment` and not finished by then."""
    if connection.vendor == "postgresql":
        return cases.filter(RawSQL(f"{CASE_LIFE} @> %s::timestamptz", (moment,), BooleanField()))  # noqa: S611
    return cases.filter(received_at__lt=moment).filter(Q(finished_at__isnull=True) | Q(finished_at__gte=moment))


def pending_at(follow_ups: QuerySet[Any], as_of: dt.date, end_day: dt.date) -> QuerySet[Any]:
    """Follow-ups due before `as_of` and not done by `end_day` (a month's end, or later than today)."""
    if as_of < end_day:  # the month still running: what is not done yet
        return follow_ups.filter(done_on__isnull=True, due_on__lt=as_of)
    if connection.vendor == "postgresql":  # due before the month's end, done after it or not yet
        last = end_day - dt.timedelta(days=1)
        return follow_ups.filter(RawSQL(f"{FOLLOW_UP_WAIT} @> %s::date", (last,), BooleanField()))  # noqa: S611
    return follow_ups.filter(due_on__lt=as_of).filter(Q(done_on__isnull=True) | Q(done_on__gte=end_day))


def _by_unit(counts: Counter[Any], unit: Unit) -> list[Row]:
    """Cases received per child unit of `unit` (each with its subtree), and at `unit` itself."""
    children = Unit.objects.get_children(unit).order_by("path").values_list("path", "name")
    rows = [Row(path, name, counts.get(path, 0)) for path, name in children]
    own = counts.get(unit.path, 0)
    if own:
        rows.insert(0, Row(unit.path, f"{unit.name}(本级)", own))
    return rows
