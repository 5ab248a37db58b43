from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from jinguo.core.models import ScopedModel

from .permissions import ADMIN_ROLES, Role, role_perms


class User(AbstractUser):
    full_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return f"{self.full_name}({self.username})" if self.full_name else self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def has_admin_role(self) -> bool:
        return any(m.role in ADMIN_ROLES for m in self.active_memberships())

    def active_memberships(self) -> list[Membership]:
        """The user's memberships in open units, cached for the request."""
        cache = self.__dict__.get("_memberships_cache")
        if cache is None:
            cache = list(
                Membership.objects.filter(user=self, unit__is_closed=False)
                .select_related("unit")
                .order_by("unit__path")
            )
            self.__dict__["_memberships_cache"] = cache
        return cache

    def forget_memberships(self) -> None:
        self.__dict__.pop("_memberships_cache", None)
        self.__dict__.pop("_scope_cache", None)


class Membership(ScopedModel):
    """A user's place in a unit, with one role there."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name="用户")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    can_manage_users = models.BooleanField("可管理本级及下级用户", default=False)
    created_at = models.DateTimeField("授权时间", auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="授权人"
    )

    class Meta:
        verbose_name = "任职"
        verbose_name_plural = "任职"
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="one_role_per_unit")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit}: {self.get_role_display()}"

    @property
    def perms(self):
        return role_perms(self.role, can_manage_users=self.can_manage_users)


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=100, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def generate() -> str:
        return "jg_" + secrets.token_urlsafe(32)

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def touch(self) -> None:
        ApiToken.objects.filter(pk=self.pk).update(last_used_at=timezone.now())
