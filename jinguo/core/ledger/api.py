"""The ledger endpoints at /api/ledgers/: import (upload → dry run → commit), job status, export."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from jinguo.core.access import deny
from jinguo.core.context import AuthedHttpRequest
from jinguo.core.models import ImportJob

from . import engine
from .export import can_export, export_filename, export_xlsx, template_xlsx, xlsx_response
from .views import get_job_for_user, get_register_or_404, preview_import

router = Router(tags=["台账导入导出"])


class CountsOut(Schema):
    total: int
    new: int
    updated: int
    unchanged: int
    refused: int


class RefusedOut(Schema):
    row: int
    column: str
    reason: str


class JobOut(Schema):
    id: int
    ledger: str  # the register's slug: persons
    file_name: str
    status: str
    status_label: str
    message: str
    counts: CountsOut
    progress: int  # percent of the rows to write
    rows_done: int
    rows_to_write: int
    can_commit: bool
    created_at: dt.datetime
    finished_at: dt.datetime | None
    refused_rows: list[RefusedOut]


class ExportFilter(Schema):
    """The filters of the register's list page (for persons: people.filters.PersonFilters)."""

    q: str = ""
    category: str = ""
    unit: str = ""
    gender: str = ""
    age: str = ""


def job_out(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "ledger": job.register,
        "file_name": job.file_name,
        "status": job.status,
        "status_label": job.get_status_display(),
        "message": job.message,
        "counts": job.counts,
        "progress": job.percent,
        "rows_done": job.progress_done,
        "rows_to_write": job.progress_total or job.new_count + job.updated_count,
        "can_commit": job.can_commit,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "refused_rows": engine.refused_rows(job),
    }


@router.post("/{ledger}/imports/", response={201: JobOut}, summary="上传台账文件(预览,不写入)")
def create_import(
    request: AuthedHttpRequest, ledger: str, file: File[UploadedFile], unit_id: Form[int | None] = None
) -> Any:
    """multipart/form-data: `file` (.xlsx/.xls/.csv), optional `unit_id` (default unit for rows
    without one). Answers with the job: counts and every refused row; nothing is written yet."""
    reg = get_register_or_404(ledger)
    if not engine.can_import(request.auth, reg):
        raise deny(request.auth, model=ImportJob, reason=f"import:{reg.slug}")
    job = preview_import(request.auth, reg, file, {"unit": unit_id})
    return Status(201, job_out(job))


@router.get("/imports/{job_id}/", response=JobOut, summary="导入任务状态、计数、进度和被拒绝的行")
def get_import(request: AuthedHttpRequest, job_id: int) -> Any:
    return job_out(get_job_for_user(request.auth, job_id))


@router.post("/imports/{job_id}/commit/", response={202: JobOut}, summary="确认导入(后台执行,全部写入或全部不写)")
def commit_import(request: AuthedHttpRequest, job_id: int) -> Any:
    job = get_job_for_user(request.auth, job_id)
    engine.do_commit_import(actor=request.auth, job=job)
    job.refresh_from_db()
    return Status(202, job_out(job))


@router.post("/imports/{job_id}/cancel/", response=JobOut, summary="取消导入")
def cancel_import(request: AuthedHttpRequest, job_id: int) -> Any:
    job = get_job_for_user(request.auth, job_id)
    return job_out(engine.do_cancel_import(actor=request.auth, job=job))


XLSX_RESPONSE = {
    200: {
        "description": "Excel 文件",
        "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}},
    }
}


@router.get(
    "/{ledger}/export/", summary="导出台账(.xlsx,筛选条件与列表页相同)", openapi_extra={"responses": XLSX_RESPONSE}
)
def export_ledger(request: AuthedHttpRequest, ledger: str, filters: Query[ExportFilter]) -> HttpResponse:
    reg = get_register_or_404(ledger)
    if not can_export(request.auth, reg):
        raise deny(request.auth, model=reg.model, reason=f"export:{reg.slug}")
    content, _count = export_xlsx(reg, request.auth, request.GET)
    return xlsx_response(content, export_filename(reg))


@router.get("/{ledger}/template/", summary="空白台账模板(含一行示例)", openapi_extra={"responses": XLSX_RESPONSE})
def ledger_template(request: AuthedHttpRequest, ledger: str) -> HttpResponse:
    reg = get_register_or_404(ledger)
    return xlsx_response(template_xlsx(reg, request.auth), f"{reg.title}模板.xlsx")
