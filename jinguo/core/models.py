"""What every app stands on: the audit log entry and the scoped abstract base."""

from __future__ import annotations

from typing import Any

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from .context import current_request_info
from .tree import under_any


class AuditEvent(models.TextChoices):
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    ACCESS = "access", "查看敏感信息"
    LOGIN = "login", "登录"
    LOGOUT = "logout", "退出"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOCKOUT = "lockout", "账户锁定"
    DENIED = "denied", "拒绝访问"
    EXPORT = "export", "导出"
    IMPORT = "import", "导入"
    SECURITY = "security", "安全操作"


class AuditResult(models.TextChoices):
    SUCCESS = "success", "成功"
    FAILURE = "failure", "失败"
    DENIED = "denied", "拒绝"


_ACTION_TO_EVENT = {
    AbstractLogEntry.Action.CREATE: AuditEvent.CREATE,
    AbstractLogEntry.Action.UPDATE: AuditEvent.UPDATE,
    AbstractLogEntry.Action.DELETE: AuditEvent.DELETE,
    AbstractLogEntry.Action.ACCESS: AuditEvent.ACCESS,
}


class _RequestAddressField(models.GenericIPAddressField):
    """The client address as `core.context.client_ip` sees it (REMOTE_ADDR, or X-Real-IP behind the
    proxy), set as the row is written. django-auditlog's middleware writes remote_addr in a pre_save
    receiver, after AuditEntry.save has run, from the first entry of X-Forwarded-For, which any
    client can forge."""

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        info = current_request_info()
        if add and info is not None:
            setattr(model_instance, self.attname, info.ip)
        return super().pre_save(model_instance, add)

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.GenericIPAddressField", args, kwargs


class _ActorNameField(models.CharField):
    """The actor's username, filled as the row is written when empty: django-auditlog sets the actor
    of a change row in a pre_save receiver, after AuditEntry.save has run."""

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        if add and not getattr(model_instance, self.attname) and model_instance.actor_id:
            setattr(model_instance, self.attname, model_instance.actor.get_username())
        return super().pre_save(model_instance, add)

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("audit rows cannot be changed")

    def delete(self) -> Any:
        raise PermissionError("audit rows cannot be deleted")


class AuditEntry(AbstractLogEntry):
    """One row of the audit log: a change recorded by django-auditlog, or an event we record
    ourselves (login, failed login, lockout, denied access, export, import, security action).

    Rows are append-only: the application offers no way to change or delete them, and the model
    refuses it too.
    """

    # Events without an object (a failed login) have no content type.
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    object_pk = models.CharField(max_length=255, db_index=True, blank=True, default="")
    object_repr = models.TextField(blank=True, default="")
    action = models.PositiveSmallIntegerField(
        choices=AbstractLogEntry.Action.choices, null=True, blank=True, db_index=True
    )
    event = models.CharField("动作", max_length=20, choices=AuditEvent.choices, db_index=True)
    result = models.CharField("结果", max_length=10, choices=AuditResult.choices, default=AuditResult.SUCCESS)
    username = _ActorNameField("用户名", max_length=150, blank=True, default="", db_index=True)
    remote_addr = _RequestAddressField(blank=True, null=True, verbose_name=_("remote address"))
    path = models.CharField("请求地址", max_length=500, blank=True, default="")

    objects = LogEntryManager.from_queryset(AuditEntryQuerySet)()

    class Meta(AbstractLogEntry.Meta):
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        indexes = [models.Index(fields=["timestamp", "event"])]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise PermissionError("audit rows cannot be changed")
        if not self.event and self.action is not None:
            self.event = _ACTION_TO_EVENT[self.action]
        if not self.username and self.actor_id:
            self.username = self.actor.get_username() if self.actor else ""
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("audit rows cannot be deleted")


class ScopedQuerySet(models.QuerySet):
    """Reads of records that belong to a unit. `for_user` is the only way pages and the API read
    them: the user's units and everything below, nothing for a user with no unit."""

    def for_user(self, user, *, perm: str | None = None) -> ScopedQuerySet:
        from jinguo.accounts.scoping import scope_paths

        paths = scope_paths(user, perm=perm)
        if not paths:
            return self.none()
        return self.filter(under_any("unit_path", paths))


class ScopedModel(models.Model):
    """A record that belongs to a unit and carries a copy of the unit's tree path, so that a
    subtree is one `unit_path LIKE 'prefix%'` without a join. orgs.actions keeps the copy right
    when a unit moves."""

    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="所属单位")
    unit_path = models.CharField(max_length=255, db_index=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.unit_path = self.unit.path
        super().save(*args, **kwargs)


def scoped_models() -> list[type[ScopedModel]]:
    from django.apps import apps

    return [m for m in apps.get_models() if issubclass(m, ScopedModel)]
