from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jinguo.accounts.permissions import Perm
from jinguo.accounts.scoping import has_perm_at, home_units
from jinguo.core.access import deny
from jinguo.core.audit import record
from jinguo.core.context import AuthedHttpRequest
from jinguo.core.errors import ActionError
from jinguo.core.excel import XLSX_CONTENT_TYPE, write_xlsx
from jinguo.core.models import AuditEvent
from jinguo.web.context import breadcrumb

from . import actions, imports, picker
from .access import get_unit_for_user
from .forms import CloseForm, ImportForm, UnitForm
from .models import Unit, UnitImport, coverage_of

SEARCH_LIMIT = 50


def _manageable(request: AuthedHttpRequest, pk: int) -> Unit:
    unit = get_unit_for_user(request.user, pk)
    if not has_perm_at(request.user, Perm.MANAGE_UNITS, unit):
        raise deny(request.user, model=Unit, object_pk=pk, reason="manage_units")
    return unit


def _with_paths(units: list[Unit]) -> list[dict[str, Any]]:
    """Each unit with the names of its ancestors, in one query."""
    wanted = {p for u in units for p in u.ancestor_paths()[:-1]}
    names = dict(Unit.objects.filter(path__in=wanted).values_list("path", "name")) if wanted else {}
    return [{"unit": u, "trail": " / ".join(names.get(p, "") for p in u.ancestor_paths()[:-1])} for u in units]


@login_required
def tree(request: AuthedHttpRequest) -> HttpResponse:
    units = home_units(request.user, perm=Perm.VIEW_UNITS)
    roots = [u for u in units if not any(u.path != o.path and u.path.startswith(o.path) for o in units)]
    if not roots:
        raise deny(request.user, model=Unit, reason="no unit")
    can_import = any(has_perm_at(request.user, Perm.MANAGE_UNITS, r) for r in roots)
    return render(request, "orgs/tree.html", {"section": "orgs", "roots": roots, "can_import": can_import})


@login_required
def children(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk)
    nodes = list(Unit.objects.get_children(unit).order_by("path"))
    return render(request, "orgs/_nodes.html", {"nodes": nodes})


@login_required
def search(request: AuthedHttpRequest) -> HttpResponse:
    term = request.GET.get("q", "").strip()
    results: list[dict[str, Any]] = []
    more = False
    if term:
        found = list(Unit.objects.for_user(request.user).search(term)[: SEARCH_LIMIT + 1])
        more = len(found) > SEARCH_LIMIT
        results = _with_paths(found[:SEARCH_LIMIT])
    return render(request, "orgs/_search.html", {"term": term, "results": results, "more": more})


@login_required
def unit_options(request: AuthedHttpRequest) -> HttpResponse:
    """The options of a unit select, for the search box beside it (orgs.picker): the units of the
    user's scope (with the permission the form needs) whose name holds the term."""
    perm = picker.PERMS.get(request.GET.get("perm", ""), Perm.VIEW_UNITS)
    term = request.GET.get(f"{request.GET.get('field', 'unit')}_q", "").strip()
    open_only = request.GET.get("open") == "1"
    if term:
        options, more = picker.search(request.user, perm, term, open_only=open_only)
    else:
        options, more = picker.choices(request.user, perm, open_only=open_only).options, False
    blank = request.GET.get("blank", "")
    return render(request, "orgs/_options.html", {"options": options, "more": more, "term": term, "blank": blank})


@login_required
def unit_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk)
    can_manage = has_perm_at(request.user, Perm.MANAGE_UNITS, unit)
    parent = Unit.objects.get_parent(unit)
    ctx = {
        "section": "orgs",
        "unit": unit,
        "crumbs": breadcrumb(request.user, unit),
        "children": list(Unit.objects.get_children(unit).order_by("path")),
        "coverage": coverage_of(unit),
        "can_manage": can_manage,
        "can_move": parent is not None and has_perm_at(request.user, Perm.MANAGE_UNITS, parent),
        "close_form": CloseForm(),
    }
    return render(request, "orgs/unit_detail.html", ctx)


def _form_error(form: UnitForm, exc: ActionError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@login_required
def unit_create(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    parent = _manageable(request, pk)
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unit = actions.do_create_unit(actor=request.user, parent=parent, **form.cleaned_data)
        except ActionError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"已新建单位“{unit.name}”")
            return redirect("orgs:unit", unit.pk)
    return render(
        request, "orgs/unit_form.html", {"section": "orgs", "form": form, "parent": parent, "title": "新建下级单位"}
    )


@login_required
def unit_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    unit = _manageable(request, pk)
    form = UnitForm.for_unit(unit, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_unit(actor=request.user, unit=unit, **form.cleaned_data)
        except ActionError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("orgs:unit", unit.pk)
    return render(request, "orgs/unit_form.html", {"section": "orgs", "form": form, "unit": unit, "title": "编辑单位"})


def _resolve_unit(user: Any, ref: str) -> Unit:
    ref = ref.strip()
    qs = Unit.objects.for_user(user, perm=Perm.MANAGE_UNITS).open()
    found = list((qs.filter(division_code=ref) if ref.isdigit() else qs.filter(name=ref))[:2])
    if not found:
        raise ActionError(f"找不到“{ref}”,或该单位不在您的管理范围内", field="new_parent")
    if len(found) > 1:
        raise ActionError(f"名称“{ref}”对应多个单位,请改填区划代码", field="new_parent")
    return found[0]


@login_required
def unit_move(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk)
    parent = Unit.objects.get_parent(unit)
    if parent is None or not has_perm_at(request.user, Perm.MANAGE_UNITS, parent):
        raise deny(request.user, model=Unit, object_pk=pk, reason="move")
    error = ""
    ref = request.POST.get("new_parent", "")
    if request.method == "POST":
        try:
            target = _resolve_unit(request.user, ref)
            actions.do_move_unit(actor=request.user, unit=unit, new_parent=target)
        except ActionError as exc:
            error = exc.message
        else:
            messages.success(request, f"已将“{unit.name}”迁移到“{target.name}”之下")
            return redirect("orgs:unit", unit.pk)
    return render(
        request,
        "orgs/unit_move.html",
        {"section": "orgs", "unit": unit, "parent": parent, "error": error, "ref": ref},
    )


@login_required
@require_POST
def unit_close(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    unit = _manageable(request, pk)
    try:
        actions.do_close_unit(actor=request.user, unit=unit, reason=request.POST.get("reason", ""))
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已撤销“{unit.name}”")
    return redirect("orgs:unit", unit.pk)


@login_required
@require_POST
def unit_reopen(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    unit = _manageable(request, pk)
    try:
        actions.do_reopen_unit(actor=request.user, unit=unit)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已恢复“{unit.name}”")
    return redirect("orgs:unit", unit.pk)


@login_required
@require_POST
def unit_delete(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk)
    parent = Unit.objects.get_parent(unit)
    if parent is None or not has_perm_at(request.user, Perm.MANAGE_UNITS, parent):
        raise deny(request.user, model=Unit, object_pk=pk, reason="delete")
    try:
        actions.do_delete_unit(actor=request.user, unit=unit)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("orgs:unit", unit.pk)
    messages.success(request, f"已删除“{unit.name}”")
    return redirect("orgs:unit", parent.pk)


# --- import ------------------------------------------------------------------------------------


def _can_import(user: Any) -> bool:
    return bool(Unit.objects.for_user(user, perm=Perm.MANAGE_UNITS).exists())


@login_required
def import_upload(request: AuthedHttpRequest) -> HttpResponse:
    if not _can_import(request.user):
        raise deny(request.user, model=UnitImport, reason="import")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            imp = imports.do_preview_import(actor=request.user, filename=upload.name, data=upload.read())
        except ActionError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("orgs:import_preview", imp.pk)
    return render(request, "orgs/import_upload.html", {"section": "orgs", "form": form})


def _get_import(request: AuthedHttpRequest, pk: int) -> UnitImport:
    from jinguo.core.access import get_scoped_or_404

    return get_scoped_or_404(UnitImport.objects.filter(created_by=request.user), request.user, pk)


@login_required
def import_preview(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    imp = _get_import(request, pk)
    if request.method == "POST":
        try:
            result = imports.do_commit_import(actor=request.user, imp=imp)
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"导入完成:新建 {result['created']} 个单位,已存在 {result['unchanged']} 个,拒绝 {result['refused']} 行",
            )
            return redirect("orgs:tree")
        imp.refresh_from_db()
    return render(request, "orgs/import_preview.html", {"section": "orgs", "imp": imp})


@login_required
def import_refused(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    imp = _get_import(request, pk)
    headers = ["原行号", "单位名称", "单位类型", "上级单位", "区划代码", "是否建立妇联", "拒绝原因"]
    rows = [
        [
            r["number"],
            r["name"],
            r["kind_text"],
            r["parent"],
            r["division_code"],
            "是" if r["federation_established"] else "否",
            ";".join(r["errors"]),
        ]
        for r in imp.rows
        if r["status"] == "refused"
    ]
    record(AuditEvent.EXPORT, user=request.user, obj=imp, detail={"what": "unit_import_refused", "rows": len(rows)})
    return _xlsx(write_xlsx(headers, rows, title="被拒绝的行"), "组织导入-被拒绝的行.xlsx")


@login_required
def import_template(request: AuthedHttpRequest) -> HttpResponse:
    headers = ["单位名称", "单位类型", "上级单位", "区划代码", "是否建立妇联"]
    rows = [["示例社区", "社区", "上级街道的名称或区划代码", "", "是"]]
    return _xlsx(write_xlsx(headers, rows, title="组织名单"), "组织名单模板.xlsx")


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
