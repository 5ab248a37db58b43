"""Pages of the key-family register (重点家庭) and of the village screenings (婚姻矛盾家庭排查)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from jinguo.accounts.models import User
from jinguo.accounts.permissions import Perm
from jinguo.accounts.scoping import has_perm_at, scope_paths, users_with_perm_at
from jinguo.core import paging
from jinguo.core.access import deny
from jinguo.core.audit import record
from jinguo.core.context import AuthedHttpRequest
from jinguo.core.crypto import mask_text
from jinguo.core.errors import ActionError
from jinguo.core.excel import XLSX_CONTENT_TYPE, write_xlsx
from jinguo.core.models import AuditEvent
from jinguo.core.tree import under
from jinguo.orgs import picker
from jinguo.orgs.models import Unit
from jinguo.people.access import get_person_for_user
from jinguo.people.models import HouseholdMember, Relation

from .. import actions
from ..access import families_for, get_family_for_user, get_screening_for_user
from ..forms import FamilyForm, LiftForm, VisitForm
from ..models import DEFAULT_INTERVAL, Colour, KeyFamily, Screening, ScreeningResult
from .cases import form_error, require_scope

PAGE_SIZE = 50


def _responsibles(unit: Unit) -> list[tuple[str, str]]:
    return [(str(u.pk), u.display_name) for u in users_with_perm_at(Perm.EDIT_RECORDS, unit)]


@login_required
def family_list(request: AuthedHttpRequest) -> HttpResponse:
    require_scope(request)
    user = request.user
    qs, colour, state, unit_id = _filtered(request)
    today = timezone.localdate()
    count, capped = paging.capped_count(qs)
    rows = qs.order_by("next_visit_due", "pk")
    page = paging.CountedPaginator(rows, PAGE_SIZE, count=count, capped=capped).get_page(request.GET.get("page"))
    query = {k: v for k, v in {"colour": colour, "state": state, "unit": unit_id}.items() if v}
    return render(
        request,
        "cases/family_list.html",
        {
            "section": "families",
            "page": page,
            "rows": [{"f": f, "overdue": f.is_visit_overdue(today)} for f in page],
            "colours": Colour.choices,
            "colour": colour,
            "state": state,
            "query": urlencode(query),
            "unit_picker": picker.picker(
                user, "unit", Perm.VIEW_RECORDS, open_only=False, blank="全部单位(含下级)", selected=unit_id or None
            ),
            "can_edit": bool(scope_paths(user, perm=Perm.EDIT_RECORDS)),
        },
    )


def _filtered(request: AuthedHttpRequest) -> tuple[Any, str, str, str]:
    """The register narrowed by the filters on screen: (queryset, colour, state, unit id)."""
    user = request.user
    qs = families_for(user).select_related("unit", "person", "responsible")
    colour = request.GET.get("colour", "")
    state = request.GET.get("state", "listed")
    if colour in Colour.values:
        qs = qs.filter(colour=colour)
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit():
        path = Unit.objects.for_user(user).filter(pk=unit_id).values_list("path", flat=True).first()
        qs = qs.filter(under("unit_path", path)) if path else qs.none()
    if state == "overdue":
        qs = qs.visit_overdue(timezone.localdate())
    elif state == "lifted":
        qs = qs.filter(lifted_on__isnull=False)
    else:
        state = "listed"
        qs = qs.listed()
    return qs, colour, state, unit_id


@login_required
def family_export(request: AuthedHttpRequest) -> HttpResponse:
    """The register on screen as .xlsx; the reasons are whole only where the user may reveal."""
    require_scope(request)
    qs, colour, state, unit_id = _filtered(request)
    reveal = scope_paths(request.user, perm=Perm.REVEAL)
    rows = []
    for f in qs.order_by("unit_path", "pk"):
        whole = any(f.unit_path.startswith(p) for p in reveal)
        rows.append(
            [
                f"{f.person.name}家",
                f.get_colour_display(),
                f.unit.name,
                f.reason if whole else mask_text(f.reason),
                f.responsible.display_name,
                f.visit_interval_days,
                f.next_visit_due if f.is_listed else None,
                f.listed_on,
                f.lifted_on,
            ]
        )
    headers = ["家庭", "类别", "所属单位", "列入原因", "责任人", "走访间隔(天)", "下次走访", "列入日期", "撤销日期"]
    data = write_xlsx(headers, rows, title="重点家庭名册", widths=[10, 14, 14, 30, 10, 10, 12, 12, 12])
    filters = {k: v for k, v in {"colour": colour, "state": state, "unit": unit_id}.items() if v}
    record(
        AuditEvent.EXPORT,
        user=request.user,
        model=KeyFamily,
        detail={"register": "key_families", "filters": filters, "rows": len(rows)},
    )
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('重点家庭名册.xlsx')}"
    return response


@login_required
def family_create(request: AuthedHttpRequest) -> HttpResponse:
    """List a family, starting from a person of the registry (?person=<id>, or chosen on the form)."""
    user = request.user
    if not scope_paths(user, perm=Perm.EDIT_RECORDS):
        raise deny(user, model=KeyFamily, reason="edit_records")
    person_id = request.POST.get("person") or request.GET.get("person")
    person = get_person_for_user(user, person_id) if person_id else None
    unit = person.unit if person else None
    responsibles = _responsibles(unit) if unit else []
    colour = request.GET.get("colour", "")
    initial = {
        "person": person.pk if person else None,
        "responsible": str(user.pk),
        "colour": colour,
        "visit_interval_days": DEFAULT_INTERVAL.get(colour, 30),
    }
    form = FamilyForm(request.POST or None, initial=initial, responsibles=responsibles)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if person is None:
                raise ActionError("请从人员台账中选择家庭联系人", field="person")
            family = actions.do_list_family(
                actor=user,
                unit=person.unit,
                person=person,
                household=_household_of(person),
                colour=d["colour"],
                reason=d["reason"],
                responsible=User.objects.filter(pk=d["responsible"]).first(),
                visit_interval_days=d["visit_interval_days"],
            )
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"已将{family}列入重点家庭名册")
            return redirect("cases:family", family.pk)
    ctx = {"section": "families", "form": form, "person": person, "title": "列入重点家庭"}
    return render(request, "cases/family_form.html", ctx)


def _household_of(person: Any) -> Any:
    member = HouseholdMember.objects.filter(person=person).select_related("household").first()
    return member.household if member else None


@login_required
def family_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    family = get_family_for_user(request.user, pk)
    return render(request, "cases/family_detail.html", _family_context(request, family))


def _family_context(request: AuthedHttpRequest, family: KeyFamily, **forms: Any) -> dict[str, Any]:
    can_edit = has_perm_at(request.user, Perm.EDIT_RECORDS, family.unit) and family.is_listed
    ctx: dict[str, Any] = {
        "section": "families",
        "fam": family,
        "visits": list(family.visits.select_related("visitor")),
        "overdue": family.is_visit_overdue(),
        "can_edit": can_edit,
        "visit_form": VisitForm(initial={"visited_on": timezone.localdate()}),
        "lift_form": LiftForm(),
    }
    ctx.update(forms)
    return ctx


def _editable(request: AuthedHttpRequest, pk: int) -> KeyFamily:
    family = get_family_for_user(request.user, pk)
    if not has_perm_at(request.user, Perm.EDIT_RECORDS, family.unit):
        raise deny(request.user, model=KeyFamily, object_pk=pk, reason="edit_records")
    return family


@login_required
def family_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    family = _editable(request, pk)
    initial = {
        "colour": family.colour,
        "reason": family.reason,
        "responsible": str(family.responsible_id),
        "visit_interval_days": family.visit_interval_days,
        "person": family.person_id,
    }
    form = FamilyForm(request.POST or None, initial=initial, responsibles=_responsibles(family.unit))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.do_update_family(
                actor=request.user,
                family=family,
                colour=d["colour"],
                reason=d["reason"],
                responsible=User.objects.filter(pk=d["responsible"]).first(),
                visit_interval_days=d["visit_interval_days"],
            )
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("cases:family", family.pk)
    ctx = {"section": "families", "form": form, "person": family.person, "fam": family, "title": "修改重点家庭"}
    return render(request, "cases/family_form.html", ctx)


@login_required
@require_POST
def family_visit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    family = _editable(request, pk)
    form = VisitForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            actions.do_record_visit(
                actor=request.user,
                family=family,
                visited_on=d["visited_on"],
                found=d["found"],
                next_step=d["next_step"],
                companions=d["companions"],
            )
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "已登记走访")
            return redirect("cases:family", family.pk)
    return render(request, "cases/family_detail.html", _family_context(request, family, visit_form=form))


@login_required
@require_POST
def family_lift(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    family = _editable(request, pk)
    form = LiftForm(request.POST)
    if form.is_valid():
        try:
            actions.do_lift_family(
                actor=request.user,
                family=family,
                reason=form.cleaned_data["reason"],
                lifted_on=form.cleaned_data["lifted_on"],
            )
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "已撤销重点管理")
            return redirect("cases:family", family.pk)
    return render(request, "cases/family_detail.html", _family_context(request, family, lift_form=form))


# --- screenings -----------------------------------------------------------------------------------


@login_required
def screening_list(request: AuthedHttpRequest) -> HttpResponse:
    require_scope(request)
    qs = Screening.objects.for_user(request.user, perm=Perm.VIEW_RECORDS).select_related("unit", "by")
    page = paging.CountedPaginator(qs.order_by("-held_on", "-id"), PAGE_SIZE, count=qs.count()).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "cases/screening_list.html",
        {"section": "families", "page": page, "can_edit": bool(scope_paths(request.user, perm=Perm.EDIT_RECORDS))},
    )


def _heads(unit: Unit) -> list[Any]:
    """The families of a village: the heads of its households (one row each)."""
    members = (
        HouseholdMember.objects.filter(relation=Relation.HEAD, household__unit=unit)
        .select_related("person")
        .order_by("person__name", "person_id")
    )
    return [m.person for m in members]


@login_required
def screening_create(request: AuthedHttpRequest) -> HttpResponse:
    """A village's screening: its households listed, one finding each (无矛盾 unless marked)."""
    user = request.user
    scope = picker.scope(user, Perm.EDIT_RECORDS, open_only=True)
    if not scope.exists():
        raise deny(user, model=Screening, reason="edit_records")
    unit_id = request.POST.get("unit") or request.GET.get("unit") or ""
    unit = scope.filter(pk=unit_id).first() if unit_id.isdigit() else None
    heads = _heads(unit) if unit else []
    errors: list[str] = []
    if request.method == "POST" and unit is not None:
        findings = []
        for person in heads:
            finding = request.POST.get(f"finding_{person.pk}", ScreeningResult.Finding.NONE)
            findings.append(
                actions.Finding(
                    person=person,
                    finding=finding,
                    note=request.POST.get(f"note_{person.pk}", ""),
                    list_family=request.POST.get(f"list_{person.pk}") == "1",
                )
            )
        held_on = request.POST.get("held_on", "")
        try:
            day = dt.date.fromisoformat(held_on) if held_on else None
            if day is None:
                raise ActionError("请填写排查日期", field="held_on")
            screening = actions.do_record_screening(
                actor=user, unit=unit, held_on=day, findings=findings, note=request.POST.get("note", "")
            )
        except ValueError:
            errors.append("排查日期格式不正确")
        except ActionError as exc:
            errors.append(exc.message)
        else:
            messages.success(request, f"已登记{unit.name}的排查结果")
            return redirect("cases:screening", screening.pk)
    return render(
        request,
        "cases/screening_form.html",
        {
            "section": "families",
            "unit": unit,
            "heads": heads,
            "findings": ScreeningResult.Finding.choices,
            "errors": errors,
            "posted": request.POST,
            # what she marked for each family, kept when the form comes back with an error
            "rows": [
                {
                    "p": p,
                    "finding": request.POST.get(f"finding_{p.pk}", ""),
                    "note": request.POST.get(f"note_{p.pk}", ""),
                    "listed": request.POST.get(f"list_{p.pk}") == "1",
                }
                for p in heads
            ],
            "held_on": request.POST.get("held_on") or f"{timezone.localdate():%Y-%m-%d}",
            "unit_picker": picker.picker(
                user,
                "unit",
                Perm.EDIT_RECORDS,
                open_only=True,
                blank="请选择村(社区)",
                selected=unit.pk if unit else None,
            ),
            "today": timezone.localdate(),
        },
    )


@login_required
def screening_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    screening = get_screening_for_user(request.user, pk)
    results = list(screening.results.select_related("person", "family"))
    counts = {label: sum(1 for r in results if r.finding == key) for key, label in ScreeningResult.Finding.choices}
    return render(
        request,
        "cases/screening_detail.html",
        {"section": "families", "s": screening, "results": results, "counts": counts},
    )
