"""What every app stands on: the audit log entry and the scoped abstract base."""

from __future__ import annotations

from typing import Any

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .context import current_request_info
from .crypto import EncryptedTextField
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


def user_stamp(**options: Any) -> models.ForeignKey:
    """The user who wrote a row (an audit row's actor, a person's creator, who set a category): no
    foreign-key constraint in the database and, unless `db_index=True`, no index. PostgreSQL checks
    a constraint with a query a row, 100,000 of them per stamp for an import; the platform alone
    writes these columns, from the signed-in user. Django still applies on_delete: deleting a user
    sets her stamps to NULL (docs/architecture.md)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        **{"db_index": False, **options},
    )


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

    # Events without an object (a failed login) have no content type. The actor and the content
    # type carry no foreign-key constraint in the database (see user_stamp); the username is kept
    # beside the actor's id. The actor keeps its index: the audit page filters by it.
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        db_constraint=False,
    )
    actor = user_stamp(db_index=True, verbose_name=_("actor"))
    # the (timestamp, event) index serves the page's date range and order: no index of its own
    timestamp = models.DateTimeField(default=timezone.now, verbose_name=_("timestamp"))
    # Indexes: each one is written for every audit row, 100,000 of them for an import. Those the
    # audit page searches by are declared in Meta, without the varchar_pattern_ops twin that
    # db_index gives a CharField on PostgreSQL (nothing searches them by prefix); the action
    # (four values, the page filters by event) and the correlation id are not searched at all.
    object_pk = models.CharField(max_length=255, blank=True, default="")
    object_repr = models.TextField(blank=True, default="")
    action = models.PositiveSmallIntegerField(choices=AbstractLogEntry.Action.choices, null=True, blank=True)
    cid = models.CharField(max_length=255, blank=True, null=True, verbose_name=_("Correlation ID"))
    event = models.CharField("动作", max_length=20, choices=AuditEvent.choices)
    result = models.CharField("结果", max_length=10, choices=AuditResult.choices, default=AuditResult.SUCCESS)
    username = _ActorNameField("用户名", max_length=150, blank=True, default="")
    remote_addr = _RequestAddressField(blank=True, null=True, verbose_name=_("remote address"))
    path = models.CharField("请求地址", max_length=500, blank=True, default="")

    objects = LogEntryManager.from_queryset(AuditEntryQuerySet)()

    class Meta(AbstractLogEntry.Meta):
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        indexes = [
            models.Index(fields=["timestamp", "event"]),
            models.Index(fields=["object_pk"], name="audit_object_pk"),
            models.Index(fields=["event"], name="audit_event"),
            models.Index(fields=["username"], name="audit_username"),
        ]

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


class DictionaryQuerySet(models.QuerySet):
    def available_to(self, unit: Any) -> DictionaryQuerySet:
        """The common dictionary plus the entries a unit above `unit` (or it) added."""
        from django.db.models import Q

        paths = unit.ancestor_paths() if unit is not None else []
        return self.filter(Q(unit__isnull=True) | Q(unit__path__in=paths), is_active=True)


class DictionaryEntry(models.Model):
    """An entry of a dictionary a district can extend (person categories, case categories): the
    common entries have no unit; a unit's own serve it and the units below."""

    code = models.SlugField("代码", max_length=40)
    name = models.CharField("名称", max_length=40)
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="增设单位"
    )
    is_active = models.BooleanField("启用", default=True)
    sort = models.PositiveSmallIntegerField("排序", default=100)

    objects = DictionaryQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.name


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


class ImportJob(models.Model):
    """One ledger import: the dry run's counts, refused rows and plan (the rows to write, encrypted:
    they hold ID numbers), and the commit's status and progress. Visible to its creator only. The
    uploaded file itself is not kept."""

    class Status(models.TextChoices):
        PREVIEW = "preview", "待确认"
        QUEUED = "queued", "排队中"
        RUNNING = "running", "导入中"
        COMMITTED = "committed", "已导入"
        FAILED = "failed", "导入失败"
        CANCELLED = "cancelled", "已取消"

    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name="导入人")
    register = models.CharField("台账", max_length=40)
    file_name = models.CharField("文件名", max_length=200)
    file_size = models.PositiveIntegerField("文件大小", default=0)
    # Fernet token of the plan: the rows to write as the dry run read and checked them (compressed
    # JSON, engine.Analysis.plan); the commit writes from it. Emptied once committed or cancelled.
    plan_data = models.BinaryField(null=True, blank=True, editable=False)
    options = models.JSONField("选项", default=dict, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PREVIEW, db_index=True)
    total_count = models.PositiveIntegerField("总行数", default=0)
    new_count = models.PositiveIntegerField("新增", default=0)
    updated_count = models.PositiveIntegerField("更新", default=0)
    unchanged_count = models.PositiveIntegerField("无变化", default=0)
    refused_count = models.PositiveIntegerField("拒绝", default=0)
    progress_done = models.PositiveIntegerField("已写入行数", default=0)
    progress_total = models.PositiveIntegerField("待写入行数", default=0)
    # JSON: the header as the file names it, the refused rows with their cells and reasons, the
    # rows to be updated; encrypted, for the cells are the file's own.
    detail = EncryptedTextField("明细", blank=True, default="")
    message = models.TextField("说明", blank=True, default="")
    task_id = models.CharField(max_length=64, blank=True, default="", editable=False)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "台账导入"
        verbose_name_plural = "台账导入"
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def counts(self) -> dict[str, int]:
        return {
            "total": self.total_count,
            "new": self.new_count,
            "updated": self.updated_count,
            "unchanged": self.unchanged_count,
            "refused": self.refused_count,
        }

    @property
    def percent(self) -> int:
        if self.status == self.Status.COMMITTED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def is_stale(self) -> bool:
        """Queued or running with no sign of life for a long time: the worker died (its
        transaction was rolled back by the database, nothing was written)."""
        from django.conf import settings
        from django.utils import timezone

        limit = int(getattr(settings, "LEDGER_STALE_SECONDS", 30 * 60))
        return self.is_active and (timezone.now() - self.updated_at).total_seconds() > limit

    @property
    def can_commit(self) -> bool:
        has_work = bool(self.new_count or self.updated_count)
        return has_work and (self.status in (self.Status.PREVIEW, self.Status.FAILED) or self.is_stale)

    @property
    def can_cancel(self) -> bool:
        return self.status in (self.Status.PREVIEW, self.Status.FAILED) or self.is_stale
