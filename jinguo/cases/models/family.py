"""The key-family register (重点家庭): families known for violence risk, marital conflict or
hardship, visited at an interval, lifted from the register with a reason; and the village-by-
village screening of families with marital conflict (婚姻矛盾家庭排查)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from jinguo.core.crypto import EncryptedTextField
from jinguo.core.models import ScopedModel, ScopedQuerySet


class Colour(models.TextChoices):
    RED = "red", "红色(家暴风险)"
    ORANGE = "orange", "橙色(婚姻矛盾)"
    YELLOW = "yellow", "黄色(生活困难)"


COLOUR_SHORT: dict[str, str] = {Colour.RED: "红", Colour.ORANGE: "橙", Colour.YELLOW: "黄"}
DEFAULT_INTERVAL: dict[str, int] = {Colour.RED: 7, Colour.ORANGE: 30, Colour.YELLOW: 60}


class KeyFamilyQuerySet(ScopedQuerySet):
    def listed(self) -> KeyFamilyQuerySet:
        return self.filter(lifted_on__isnull=True)

    def visit_overdue(self, today: dt.date | None = None) -> KeyFamilyQuerySet:
        return self.listed().filter(next_visit_due__lt=today or timezone.localdate())


class KeyFamily(ScopedModel):
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name="联系人")
    household = models.ForeignKey(
        "people.Household", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="家庭"
    )
    colour = models.CharField("类别", max_length=8, choices=Colour.choices)
    reason = EncryptedTextField("列入原因")
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="责任人"
    )
    visit_interval_days = models.PositiveSmallIntegerField("走访间隔(天)")
    next_visit_due = models.DateField("下次走访日期")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="来源案件"
    )
    listed_on = models.DateField("列入日期")
    listed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lifted_on = models.DateField("撤销日期", null=True, blank=True)
    lift_reason = EncryptedTextField("撤销原因", blank=True, default="")
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = KeyFamilyQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        verbose_name = "重点家庭"
        verbose_name_plural = "重点家庭"
        indexes = [models.Index(fields=["unit_path", "next_visit_due"], name="keyfamily_unit_due")]

    def __str__(self) -> str:
        return f"{self.person.name}家({COLOUR_SHORT.get(self.colour, '')})"

    @property
    def is_listed(self) -> bool:
        return self.lifted_on is None

    def is_visit_overdue(self, today: dt.date | None = None) -> bool:
        return self.is_listed and self.next_visit_due < (today or timezone.localdate())


class KeyFamilyVisit(models.Model):
    family = models.ForeignKey(KeyFamily, on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField("走访日期")
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    companions = models.CharField("同行人员", max_length=100, blank=True)
    found = EncryptedTextField("走访情况")
    next_step = EncryptedTextField("下一步措施", blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "重点家庭走访"
        verbose_name_plural = "重点家庭走访"
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.family} · {self.visited_on}"


class Screening(ScopedModel):
    """One round of screening in a village or community: its date and one result per family."""

    held_on = models.DateField("排查日期")
    note = models.CharField("说明", max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "婚姻矛盾家庭排查"
        verbose_name_plural = "婚姻矛盾家庭排查"
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.held_on}"


class ScreeningResult(models.Model):
    class Finding(models.TextChoices):
        NONE = "none", "无矛盾"
        DISPUTE = "dispute", "婚姻矛盾"
        VIOLENCE = "violence", "家暴风险"
        HARDSHIP = "hardship", "生活困难"

    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="results")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name="家庭联系人")
    finding = models.CharField("排查结果", max_length=10, choices=Finding.choices)
    note = EncryptedTextField("情况", blank=True, default="")
    family = models.ForeignKey(
        KeyFamily, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="列入重点家庭"
    )

    class Meta:
        verbose_name = "排查结果"
        verbose_name_plural = "排查结果"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["screening", "person"], name="one_result_per_family")]

    def __str__(self) -> str:
        return f"{self.screening} · {self.get_finding_display()}"
