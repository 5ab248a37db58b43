"""The monthly report (on screen, .xlsx, .docx), the list of follow-ups, and a unit's settings
(time limits, Word templates)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from jinguo.accounts.permissions import Perm
from jinguo.accounts.scoping import has_perm_at, home_units
from jinguo.core import paging
from jinguo.core.access import deny, get_scoped_or_404
from jinguo.core.audit import record
from jinguo.core.context import AuthedHttpRequest
from jinguo.core.errors import ActionError
from jinguo.core.excel import XLSX_CONTENT_TYPE, write_xlsx
from jinguo.core.models import AuditEvent
from jinguo.orgs import picker
from jinguo.orgs.models import Unit

from .. import actions, documents, limits
from ..access import cases_for
from ..forms import TemplateUploadForm, TimeLimitForm
from ..models import Case, DocumentTemplate, FollowUp
from ..report import MonthlyReport, monthly_report, parse_month
from .cases import require_scope


def _report_unit(request: AuthedHttpRequest) -> Unit:
    """The unit asked for (?unit=), one the user may see records of; else her first unit."""
    wanted = request.GET.get("unit", "")
    units = Unit.objects.for_user(request.user, perm=Perm.VIEW_RECORDS)
    if wanted:
        return get_scoped_or_404(units, request.user, wanted)
    home = home_units(request.user, perm=Perm.VIEW_RECORDS)
    return home[0] if home else units.first()


def _report(request: AuthedHttpRequest) -> tuple[MonthlyReport | None, str]:
    require_scope(request)
    unit = _report_unit(request)
    try:
        month = parse_month(request.GET.get("month"), today=timezone.localdate())
    except ActionError as exc:
        return None, exc.message
    return monthly_report(request.user, unit, month), ""


@login_required
def report_page(request: AuthedHttpRequest) -> HttpResponse:
    report, error = _report(request)
    unit = report.unit if report else _report_unit(request)
    ctx: dict[str, Any] = {
        "section": "case_report",
        "r": report,
        "error": error,
        "month": request.GET.get("month") or f"{timezone.localdate():%Y-%m}",
        "unit_picker": picker.picker(
            request.user, "unit", Perm.VIEW_RECORDS, open_only=False, blank="", selected=unit.pk
        ),
    }
    if report is not None:
        ctx["chart_channel"] = {
            "labels": [r.label for r in report.by_channel],
            "values": [r.count for r in report.by_channel],
        }
        ctx["chart_category"] = [{"name": r.label, "value": r.count} for r in report.by_category if r.count]
        ctx["query"] = f"unit={unit.pk}&month={report.month:%Y-%m}"
    return render(request, "cases/report.html", ctx)


def _download(data: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def report_rows(report: MonthlyReport) -> list[list[Any]]:
    rows: list[list[Any]] = [["受理总数", "", report.received]]
    for title, items in (
        ("来源渠道", report.by_channel),
        ("类型", report.by_kind),
        ("类别", report.by_category),
        ("单位", report.by_unit),
        ("办理结果", report.by_outcome),
    ):
        rows += [[title, r.label, r.count] for r in items]
    rows += [
        ["办结", "", report.finished],
        ["结案", "", report.closed],
        ["制止家庭暴力(起)", "", report.violence_stopped],
        ["婚姻家庭问题", "", report.family_cases],
        ["其中家庭暴力", "", report.violence_cases],
        ["家庭暴力占婚姻家庭问题(%)", "", "" if report.violence_share is None else float(report.violence_share)],
        ["月末在办", "", report.open_at_end],
        ["月末超期", "", report.overdue_at_end],
        ["回访次数", "", report.follow_ups_done],
        ["表示满意", "", report.follow_ups_satisfied],
        ["满意率(%)", "", "" if report.satisfaction is None else float(report.satisfaction)],
        ["回访超期", "", report.follow_ups_overdue],
    ]
    return rows


@login_required
def report_xlsx(request: AuthedHttpRequest) -> HttpResponse:
    report, error = _report(request)
    if report is None:
        messages.error(request, error)
        return redirect("cases:report")
    data = write_xlsx(["项目", "分项", "数量"], report_rows(report), title="维权工作月报", widths=[26, 24, 10])
    record(
        AuditEvent.EXPORT,
        user=request.user,
        obj=report.unit,
        detail={"report": "cases_monthly", "month": f"{report.month:%Y-%m}"},
    )
    return _download(data, f"维权工作月报-{report.unit.name}-{report.month:%Y-%m}.xlsx", XLSX_CONTENT_TYPE)


@login_required
def report_docx(request: AuthedHttpRequest) -> HttpResponse:
    report, error = _report(request)
    if report is None:
        messages.error(request, error)
        return redirect("cases:report")
    data = documents.monthly_report_docx(report)
    record(
        AuditEvent.EXPORT,
        user=request.user,
        obj=report.unit,
        detail={"report": "cases_monthly_docx", "month": f"{report.month:%Y-%m}"},
    )
    return _download(data, f"维权工作月报-{report.unit.name}-{report.month:%Y-%m}.docx", documents.DOCX_CONTENT_TYPE)


# --- follow-ups -----------------------------------------------------------------------------------


@login_required
def follow_up_list(request: AuthedHttpRequest) -> HttpResponse:
    """Follow-ups still to do in the user's view, the overdue first."""
    require_scope(request)
    today = timezone.localdate()
    qs = (
        FollowUp.objects.pending()
        .filter(case__in=cases_for(request.user).values("pk"))
        .select_related("case__unit", "case__person")
    )
    if request.GET.get("state") == "overdue":
        qs = qs.filter(due_on__lt=today)
    count, capped = paging.capped_count(qs)
    page = paging.CountedPaginator(qs.order_by("due_on", "pk"), 50, count=count, capped=capped).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "cases/follow_up_list.html",
        {"section": "follow_ups", "page": page, "today": today, "state": request.GET.get("state", "")},
    )


# --- settings -------------------------------------------------------------------------------------


@login_required
def unit_settings(request: AuthedHttpRequest) -> HttpResponse:
    """A unit's time limits (a leader sets them) and its Word templates."""
    require_scope(request)
    unit = _report_unit(request)
    user = request.user
    can_limit = has_perm_at(user, Perm.APPROVE, unit)
    can_template = has_perm_at(user, Perm.EDIT_RECORDS, unit)
    table = limits.table_for(unit)
    form = TimeLimitForm(
        request.POST if request.method == "POST" and "limits" in request.POST else None,
        table=table,
        readonly=not can_limit,
    )
    upload = TemplateUploadForm(
        request.POST if "upload" in request.POST else None, request.FILES if "upload" in request.POST else None
    )
    if request.method == "POST":
        if "limits" in request.POST:
            if not can_limit:
                raise deny(user, model=Case, reason="time_limits")
            if form.is_valid():
                try:
                    for row in table:
                        days = form.cleaned_data[f"{row['kind']}__{row['step']}"]
                        actions.do_set_time_limit(actor=user, unit=unit, kind=row["kind"], step=row["step"], days=days)
                except ActionError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, "已保存办理时限")
                    return redirect(f"{request.path}?unit={unit.pk}")
        elif "upload" in request.POST:
            if not can_template:
                raise deny(user, model=DocumentTemplate, reason="templates")
            if upload.is_valid():
                f = upload.cleaned_data["file"]
                try:
                    actions.do_upload_template(
                        actor=user, unit=unit, purpose=upload.cleaned_data["purpose"], file_name=f.name, data=f.read()
                    )
                except ActionError as exc:
                    upload.add_error("file", exc.message)
                else:
                    messages.success(request, "已上传模板")
                    return redirect(f"{request.path}?unit={unit.pk}")
    templates = []
    for purpose, label in DocumentTemplate.Purpose.choices:
        _, own = documents.template_for(unit, purpose)
        templates.append(
            {"purpose": purpose, "label": label, "own": own, "placeholders": documents.PLACEHOLDERS[purpose]}
        )
    return render(
        request,
        "cases/settings.html",
        {
            "section": "case_settings",
            "unit": unit,
            "table": table,
            "form": form,
            "upload": upload,
            "templates": templates,
            "can_limit": can_limit,
            "can_template": can_template,
            "unit_picker": picker.picker(user, "unit", Perm.VIEW_RECORDS, open_only=False, blank="", selected=unit.pk),
        },
    )


@login_required
def template_download(request: AuthedHttpRequest, purpose: str) -> HttpResponse:
    """The template that applies at the unit (its own, one above, or the default), to edit in Word."""
    require_scope(request)
    unit = _report_unit(request)
    if purpose not in DocumentTemplate.Purpose.values:
        return redirect("cases:settings")
    data, own = documents.template_for(unit, purpose)
    name = own.file_name if own else f"{DocumentTemplate.Purpose(purpose).label}(默认模板).docx"
    return _download(data, name, documents.DOCX_CONTENT_TYPE)
