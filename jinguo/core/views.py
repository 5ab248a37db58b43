"""The audit log page: for the audit admin only. Read and export; nothing can be changed here."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from jinguo.accounts.permissions import Perm
from jinguo.accounts.scoping import scope_paths
from jinguo.core.context import AuthedHttpRequest

from .access import deny
from .audit import record
from .excel import XLSX_CONTENT_TYPE, write_xlsx
from .models import AuditEntry, AuditEvent
from .tree import under_any

EXPORT_LIMIT = 100_000


def _parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def entries_for(user: Any) -> QuerySet[AuditEntry]:
    """The rows an auditor may read: all of them for an auditor at a root unit (the district);
    below that, the rows of the people who work in her subtree (their own acts, and the failed
    logins under their names)."""
    paths = scope_paths(user, perm=Perm.VIEW_AUDIT)
    qs = AuditEntry.objects.select_related("content_type", "actor").order_by("-timestamp", "-id")
    if not paths:
        return qs.none()
    if any(len(p) == 4 for p in paths):  # a root of the tree (treebeard steplen 4)
        return qs
    from django.db.models import Q

    from jinguo.accounts.models import Membership, User

    people = Membership.objects.filter(under_any("unit_path", paths)).values("user_id")
    names = User.objects.filter(pk__in=people).values("username")
    return qs.filter(Q(actor_id__in=people) | Q(actor__isnull=True, username__in=names))


_WORDS = {"None": "—", "": "—", "True": "是", "False": "否"}


def describe_changes(entry: AuditEntry) -> str:
    """A change row in words: '名称:东街道 → 城东街道;已建立妇联组织:False → True'."""
    parts: list[str] = []
    changes = entry.changes if isinstance(entry.changes, dict) else None
    if changes:
        model = entry.content_type.model_class() if entry.content_type else None
        for field, values in changes.items():
            label = field
            if model is not None:
                try:
                    label = str(getattr(model._meta.get_field(field), "verbose_name", field))
                except FieldDoesNotExist:  # a field removed since the row was written
                    label = field
            if isinstance(values, list) and len(values) == 2:
                old, new = (_WORDS.get(str(v), v) for v in values)
                parts.append(f"{label}:{old} → {new}")
            else:
                parts.append(f"{label}:{values}")
    if entry.additional_data:
        parts.append(
            "; ".join(f"{k}={v}" for k, v in entry.additional_data.items())
            if isinstance(entry.additional_data, dict)
            else str(entry.additional_data)
        )
    return ";".join(parts)


def filtered_entries(params: Any, user: Any) -> tuple[QuerySet[AuditEntry], dict[str, Any]]:
    qs = entries_for(user)
    f = {
        "user": params.get("user", "").strip(),
        "event": params.get("event", ""),
        "object_type": params.get("object_type", ""),
        "object_id": params.get("object_id", "").strip(),
        "since": params.get("since", ""),
        "until": params.get("until", ""),
    }
    if f["user"]:
        qs = qs.filter(username__icontains=f["user"])
    if f["event"] in AuditEvent.values:
        qs = qs.filter(event=f["event"])
    if f["object_type"].isdigit():
        qs = qs.filter(content_type_id=int(f["object_type"]))
    if f["object_id"]:
        qs = qs.filter(object_pk=f["object_id"])
    since, until = _parse_date(f["since"]), _parse_date(f["until"])
    tz = timezone.get_current_timezone()
    if since:
        qs = qs.filter(timestamp__gte=dt.datetime.combine(since, dt.time.min, tzinfo=tz))
    if until:
        qs = qs.filter(timestamp__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return qs, f


def _require_auditor(request: AuthedHttpRequest) -> None:
    if not scope_paths(request.user, perm=Perm.VIEW_AUDIT):
        raise deny(request.user, model=AuditEntry, reason="view_audit")


def _object_types() -> list[ContentType]:
    ids = AuditEntry.objects.exclude(content_type=None).values("content_type_id").distinct()
    return list(ContentType.objects.filter(pk__in=ids).order_by("app_label", "model"))


@login_required
def audit_list(request: AuthedHttpRequest) -> HttpResponse:
    _require_auditor(request)
    qs, f = filtered_entries(request.GET, request.user)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for entry in page:
        entry.details = describe_changes(entry)
    return render(
        request,
        "core/audit_list.html",
        {"section": "audit", "page": page, "f": f, "events": AuditEvent.choices, "types": _object_types()},
    )


def _row(e: AuditEntry) -> list[Any]:
    return [
        timezone.localtime(e.timestamp).strftime("%Y-%m-%d %H:%M:%S"),
        e.username,
        e.remote_addr or "",
        e.get_event_display(),
        e.get_result_display(),
        e.content_type.name if e.content_type else "",
        e.object_pk,
        e.object_repr,
        e.changes_text or (str(e.changes) if e.changes else ""),
        str(e.additional_data) if e.additional_data else "",
    ]


HEADERS = ["时间", "用户", "IP", "动作", "结果", "对象类型", "对象编号", "对象", "变更", "附加信息"]


@login_required
def audit_export(request: AuthedHttpRequest) -> HttpResponse:
    _require_auditor(request)
    qs, f = filtered_entries(request.GET, request.user)
    rows = [_row(e) for e in qs[:EXPORT_LIMIT]]
    record(
        AuditEvent.EXPORT,
        user=request.user,
        model=AuditEntry,
        detail={"what": "audit_log", "rows": len(rows), "filters": f},
    )
    response = HttpResponse(write_xlsx(HEADERS, rows, title="审计日志"), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('审计日志.xlsx')}"
    return response
