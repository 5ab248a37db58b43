"""The import wizard and the export downloads (thin: the engine does the work)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jinguo.core.access import deny, get_scoped_or_404
from jinguo.core.audit import record
from jinguo.core.context import AuthedHttpRequest
from jinguo.core.errors import NOT_FOUND_MESSAGE, ActionError
from jinguo.core.excel import check_size, write_xlsx
from jinguo.core.models import AuditEvent, ImportJob

from . import engine
from .export import can_export, export_filename, export_xlsx, template_xlsx, xlsx_response
from .forms import UploadForm
from .registry import Register, get_register

PAGE_ROWS = 500


def get_register_or_404(slug: str) -> Register:
    register = get_register(slug)
    if register is None:
        raise Http404(NOT_FOUND_MESSAGE)
    return register


def get_job_for_user(user: Any, job_id: Any) -> ImportJob:
    """A job of the user's own: 404 (and a denied row in the audit log) for anyone else's."""
    return get_scoped_or_404(ImportJob.objects.filter(user=user), user, job_id)


def preview_import(user: Any, register: Register, upload: Any, options: dict[str, Any]) -> ImportJob:
    """An uploaded file to a previewed job; the size is checked before the file is read."""
    check_size(upload.size or 0)
    return engine.do_preview_import(
        actor=user, register=register, file_name=upload.name or "", data=upload.read(), options=options
    )


@login_required
def import_upload(request: AuthedHttpRequest, register: str) -> HttpResponse:
    reg = get_register_or_404(register)
    if not engine.can_import(request.user, reg):
        raise deny(request.user, model=ImportJob, reason=f"import:{reg.slug}")
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user, register=reg)
    if request.method == "POST" and form.is_valid():
        try:
            unit = form.cleaned_data["unit"]
            job = preview_import(request.user, reg, form.cleaned_data["file"], {"unit": unit.pk if unit else None})
        except ActionError as exc:
            form.add_error("unit" if exc.field == "unit" else "file", exc.message)
        else:
            return redirect("ledgers:job", job.pk)
    recent = ImportJob.objects.filter(user=request.user, register=reg.slug).defer("plan_data", "detail")
    return render(
        request,
        "ledger/upload.html",
        {"section": reg.section, "register": reg, "form": form, "recent": recent.order_by("-id")[:10]},
    )


def _job_context(job: ImportJob) -> dict[str, Any]:
    register = get_register(job.register)
    detail = engine.job_detail(job)
    refused = detail.get("refused", [])
    return {
        "section": register.section if register else "",
        "job": job,
        "register": register,
        "detail": detail,
        "refused": refused[:PAGE_ROWS],
        "refused_more": max(len(refused) - PAGE_ROWS, 0),
        "updates": detail.get("updates", []),
    }


@login_required
def job_page(request: AuthedHttpRequest, job_id: int) -> HttpResponse:
    job = get_job_for_user(request.user, job_id)
    return render(request, "ledger/job.html", _job_context(job))


@login_required
def job_progress(request: AuthedHttpRequest, job_id: int) -> HttpResponse:
    """The progress bar, polled by htmx while the commit runs; the page reloads once it ends."""
    job = get_job_for_user(request.user, job_id)
    response = render(request, "ledger/_progress.html", {"job": job})
    if request.headers.get("HX-Request") == "true" and not job.is_active:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def job_commit(request: AuthedHttpRequest, job_id: int) -> HttpResponse:
    job = get_job_for_user(request.user, job_id)
    try:
        engine.do_commit_import(actor=request.user, job=job)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        job.refresh_from_db()
        if job.is_active:
            messages.info(request, "已提交导入,正在后台写入,请稍候")
    return redirect("ledgers:job", job.pk)


@login_required
@require_POST
def job_cancel(request: AuthedHttpRequest, job_id: int) -> HttpResponse:
    job = get_job_for_user(request.user, job_id)
    try:
        engine.do_cancel_import(actor=request.user, job=job)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("ledgers:job", job.pk)
    messages.success(request, "已取消该导入,没有写入任何数据")
    return redirect("ledgers:import", job.register)


@login_required
def job_refused(request: AuthedHttpRequest, job_id: int) -> HttpResponse:
    job = get_job_for_user(request.user, job_id)
    headers, rows = engine.refused_sheet(job)
    record(
        AuditEvent.EXPORT,
        user=request.user,
        obj=job,
        detail={"what": "import_refused", "register": job.register, "rows": len(rows)},
    )
    stem = job.file_name.rsplit(".", 1)[0] or "导入"
    return xlsx_response(write_xlsx(headers, rows, title="被拒绝的行"), f"{stem}-被拒绝的行.xlsx")


@login_required
def export(request: AuthedHttpRequest, register: str) -> HttpResponse:
    reg = get_register_or_404(register)
    if not can_export(request.user, reg):
        raise deny(request.user, model=reg.model, reason=f"export:{reg.slug}")
    content, _count = export_xlsx(reg, request.user, request.GET)
    return xlsx_response(content, export_filename(reg))


@login_required
def template(request: AuthedHttpRequest, register: str) -> HttpResponse:
    reg = get_register_or_404(register)
    return xlsx_response(template_xlsx(reg, request.user), f"{reg.title}模板.xlsx")
