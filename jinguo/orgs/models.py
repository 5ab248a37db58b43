"""The unit tree: the district federation and every unit below it (DOMAIN.md §1)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from jinguo.core.tree import under, under_any


class UnitKind(models.TextChoices):
    CITY = "city", "市"
    DISTRICT = "district", "区/县"
    STREET = "street", "街道"
    TOWN = "town", "乡镇"
    COMMUNITY = "community", "社区"
    VILLAGE = "village", "村"
    ENTERPRISE = "enterprise", "企事业单位妇委会/女职委"
    NEW_ORG = "new_org", "两新组织"
    OTHER = "other", "其他"


# Words a ledger may use for a kind, beside its label.
KIND_ALIASES: dict[str, str] = {
    "市": UnitKind.CITY,
    "区": UnitKind.DISTRICT,
    "县": UnitKind.DISTRICT,
    "区/县": UnitKind.DISTRICT,
    "区县": UnitKind.DISTRICT,
    "街道": UnitKind.STREET,
    "乡镇": UnitKind.TOWN,
    "乡": UnitKind.TOWN,
    "镇": UnitKind.TOWN,
    "社区": UnitKind.COMMUNITY,
    "社区居委会": UnitKind.COMMUNITY,
    "居委会": UnitKind.COMMUNITY,
    "村": UnitKind.VILLAGE,
    "行政村": UnitKind.VILLAGE,
    "村委会": UnitKind.VILLAGE,
    "企事业单位妇委会/女职委": UnitKind.ENTERPRISE,
    "妇委会": UnitKind.ENTERPRISE,
    "女职委": UnitKind.ENTERPRISE,
    "企事业单位": UnitKind.ENTERPRISE,
    "两新组织": UnitKind.NEW_ORG,
    "其他": UnitKind.OTHER,
}

# Province-level prefixes of the statistical division codes (统计用区划代码).
PROVINCE_PREFIXES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)
_CODE_RE = re.compile(r"^\d{12}$")


def validate_division_code(value: str) -> None:
    if not _CODE_RE.match(value or ""):
        raise ValidationError("区划代码应为12位数字(统计用区划代码)", code="format")
    if value[:2] not in PROVINCE_PREFIXES:
        raise ValidationError(f"区划代码前两位 {value[:2]} 不是有效的省级代码", code="province")


class UnitQuerySet(MP_NodeQuerySet):
    def open(self) -> UnitQuerySet:
        return self.filter(is_closed=False)

    def for_user(self, user, *, perm: str | None = None) -> UnitQuerySet:
        """The user's units and everything below them; nothing for a user without a unit."""
        from jinguo.accounts.scoping import scope_paths

        paths = scope_paths(user, perm=perm)
        if not paths:
            return self.none()
        return self.filter(under_any("path", paths))

    def subtree(self, unit: Unit, *, include_self: bool = True) -> UnitQuerySet:
        qs = self.filter(under("path", unit.path))
        return qs if include_self else qs.exclude(pk=unit.pk)

    def search(self, term: str) -> UnitQuerySet:
        # full-width digits and letters (a Chinese keyboard) to their plain forms, as on import
        term = unicodedata.normalize("NFKC", term).strip()
        if term.isdigit():
            return self.filter(division_code__startswith=term)
        return self.filter(name__contains=term)


class UnitManager(MP_NodeManager.from_queryset(UnitQuerySet)):  # type: ignore[misc]
    def get_queryset(self) -> UnitQuerySet:
        return UnitQuerySet(self.model, using=self._db).order_by("path")


class Unit(MP_Node):
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=UnitKind.choices)
    division_code = models.CharField(
        "区划代码", max_length=12, null=True, blank=True, unique=True, validators=[validate_division_code]
    )
    federation_established = models.BooleanField("已建立妇联组织", default=False)
    federation_since = models.DateField("建立时间", null=True, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    notes = models.TextField("备注", blank=True)
    is_closed = models.BooleanField("已撤销", default=False, db_index=True)
    closed_at = models.DateTimeField("撤销时间", null=True, blank=True)
    closed_reason = models.CharField("撤销原因", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    steplen = 4
    objects = UnitManager()

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        indexes = [models.Index(fields=["name"]), models.Index(fields=["kind", "path"])]

    def __str__(self) -> str:
        return self.name

    def ancestor_paths(self) -> list[str]:
        return [self.path[:i] for i in range(self.steplen, len(self.path) + 1, self.steplen)]


@dataclass(frozen=True)
class KindCoverage:
    kind: str
    label: str
    total: int
    established: int

    @property
    def share(self) -> Decimal:
        """Share with a federation established, in percent, two decimals (84.48)."""
        if not self.total:
            return Decimal("0.00")
        return (Decimal(self.established) * 100 / Decimal(self.total)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.established == self.total


@dataclass(frozen=True)
class Coverage:
    kinds: list[KindCoverage]

    @property
    def total(self) -> int:
        return sum(k.total for k in self.kinds)

    @property
    def established(self) -> int:
        return sum(k.established for k in self.kinds)

    @property
    def share(self) -> Decimal:
        return KindCoverage("", "", self.total, self.established).share

    def sentence(self) -> str:
        """The sentence of a work summary: '7个街道、38个社区全部建立了妇联组织;21个村中18个建立了妇联组织(85.71%)'."""
        full = [f"{k.total}个{k.label}" for k in self.kinds if k.complete]
        parts = []
        if full:
            parts.append("、".join(full) + "全部建立了妇联组织")
        for k in self.kinds:
            if k.total and not k.complete:
                parts.append(f"{k.total}个{k.label}中{k.established}个建立了妇联组织({k.share}%)")
        return ";".join(parts)


def coverage_of(unit: Unit) -> Coverage:
    """Counts of the open units below `unit`, per kind, with and without a federation."""
    rows = (
        Unit.objects.filter(under("path", unit.path), depth__gt=unit.depth, is_closed=False)
        .order_by()
        .values("kind")
        .annotate(total=Count("id"), established=Count("id", filter=Q(federation_established=True)))
    )
    by_kind = {r["kind"]: r for r in rows}
    kinds = [
        KindCoverage(kind=k.value, label=k.label, total=by_kind[k]["total"], established=by_kind[k]["established"])
        for k in UnitKind
        if k.value in by_kind
    ]
    return Coverage(kinds=kinds)


class UnitImport(models.Model):
    """A tree import waiting for confirmation, and what it did."""

    class Status(models.TextChoices):
        PREVIEW = "preview", "待确认"
        COMMITTED = "committed", "已导入"
        CANCELLED = "cancelled", "已取消"

    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=200)
    rows = models.JSONField(default=list)
    counts = models.JSONField(default=dict)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PREVIEW)
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "组织导入"
        verbose_name_plural = "组织导入"

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"
