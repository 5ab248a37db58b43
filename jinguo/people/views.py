"""Pages of the person registry: list, person page, forms, households. Thin: reads go through the
scoped querysets and access helpers, writes through actions."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jinguo.accounts.permissions import Perm
from jinguo.accounts.scoping import has_perm_at, scope_paths
from jinguo.core import paging
from jinguo.core.access import deny
from jinguo.core.context import AuthedHttpRequest
from jinguo.core.crypto import mask_address, mask_id_number, mask_phone, mask_text
from jinguo.core.errors import ActionError
from jinguo.core.tree import under_any
from jinguo.orgs import picker
from jinguo.orgs.models import Unit

from . import actions
from .access import get_household_for_user, get_person_for_user, persons_for, visible_to
from .filters import AGE_BANDS, PersonFilters
from .forms import CategoryForm, EndCategoryForm, HouseholdForm, MemberForm, PersonForm
from .models import SEALED, Category, Gender, Household, HouseholdMember, Person, PersonCategory, sealed_term

PAGE_SIZE = 50
PICK_LIMIT = 20
UNIT_OPTIONS_LIMIT = 300
LIST_COLUMNS = ("id", "name", "gender", "birth_date", "id_number", "phone", "unit", "unit_path", "unit__name")
MASKS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "address": mask_address,
    "notes": mask_text,
    "guardian_phone": mask_phone,
}


# --- helpers ---------------------------------------------------------------------------------------


def _require_scope(request: AuthedHttpRequest) -> None:
    """The registry's pages without an object: 404 for a user who holds no record permission."""
    if not scope_paths(request.user, perm=Perm.VIEW_RECORDS):
        raise deny(request.user, model=Person, reason="no unit")


def _editable(request: AuthedHttpRequest, pk: int) -> Person:
    person = get_person_for_user(request.user, pk)
    if not has_perm_at(request.user, Perm.EDIT_RECORDS, person.unit):
        raise deny(request.user, model=Person, object_pk=pk, reason="edit_records")
    return person


def _editable_household(request: AuthedHttpRequest, pk: int) -> Household:
    household = get_household_for_user(request.user, pk)
    if not has_perm_at(request.user, Perm.EDIT_RECORDS, household.unit):
        raise deny(request.user, model=Household, object_pk=pk, reason="edit_records")
    return household


def _categories_in_scope(user: Any) -> list[Category]:
    """The common dictionary, the entries added above the user's units and those added below."""
    from django.db.models import Q

    paths = scope_paths(user, perm=Perm.VIEW_RECORDS)
    above = {p[:i] for p in paths for i in range(Unit.steplen, len(p) + 1, Unit.steplen)}
    cond = Q(unit__isnull=True) | Q(unit__path__in=above)
    if paths:
        cond |= under_any("unit__path", paths)
    return list(Category.objects.filter(cond, is_active=True))


def _form_error(form: Any, exc: ActionError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _errors_text(form: Any) -> str:
    return ";".join(str(e) for errors in form.errors.values() for e in errors)


def _masked(person: Person) -> dict[str, str]:
    return {key: mask(getattr(person, key)) for key, mask in MASKS.items()}


# --- list ------------------------------------------------------------------------------------------


@login_required
def person_list(request: AuthedHttpRequest) -> HttpResponse:
    _require_scope(request)
    user = request.user
    sealed = sealed_term(request.GET.get("q", ""))
    if sealed:  # a whole ID number or phone stays out of the address bar and the logs
        resealed = request.GET.copy()
        resealed["q"] = sealed
        return redirect(f"{request.path}?{resealed.urlencode()}")
    filters = PersonFilters.from_params(request.GET)
    qs = filters.apply(persons_for(user), user=user)
    open_rows = (
        PersonCategory.objects.filter(ended_on__isnull=True).select_related("category").order_by("category__sort", "pk")
    )
    rows = (
        qs.select_related("unit")
        .only(*LIST_COLUMNS)
        .prefetch_related(Prefetch("categories", queryset=open_rows, to_attr="open_categories"))
        .order_by("unit_path", "name", "pk")
    )
    counted = filters.counts(qs, user=user)
    paginator = paging.CountedPaginator(rows, PAGE_SIZE, count=counted.total, capped=counted.capped)
    page = paginator.get_page(request.GET.get("page"))
    by_category = counted.by_category
    categories = _categories_in_scope(user)
    query = filters.as_params()
    ctx = {
        "section": "people",
        "page": page,
        "rows": [{"p": p, "id": mask_id_number(p.id_number), "phone": mask_phone(p.phone)} for p in page],
        "f": filters,
        "categories": categories,
        "category_counts": [
            (c, None if by_category is None else by_category.get(c.code, 0), urlencode({**query, "category": c.code}))
            for c in categories
        ],
        "all_categories": urlencode({k: v for k, v in query.items() if k != "category"}),
        "unit_picker": picker.picker(
            user, "unit", Perm.VIEW_RECORDS, open_only=False, blank="全部单位(含下级)", selected=filters.unit
        ),
        "genders": Gender.choices,
        "ages": [(k, v[2]) for k, v in AGE_BANDS.items()],
        "query": urlencode(query),
        "filtered": bool(query),
        "sealed": bool(SEALED.fullmatch(filters.q)),
        "count_cap": paging.COUNT_CAP,
        "facets_hidden": by_category is None,
        "can_edit": bool(scope_paths(user, perm=Perm.EDIT_RECORDS)),
    }
    return render(request, "people/person_list.html", ctx)


@login_required
def pick(request: AuthedHttpRequest) -> HttpResponse:
    """A search box's results as radio buttons inside a form (guardian, household member)."""
    _require_scope(request)
    term = request.GET.get("q", "").strip()
    field = request.GET.get("field", "person")
    if field not in ("person", "guardian", "volunteer"):
        field = "person"
    found: list[dict[str, Any]] = []
    if term:
        qs = persons_for(request.user).search(term).select_related("unit").only(*LIST_COLUMNS)
        exclude = request.GET.get("exclude", "")
        if exclude.isdigit():
            qs = qs.exclude(pk=int(exclude))
        found = [{"p": p, "id": mask_id_number(p.id_number)} for p in qs.order_by("name", "pk")[:PICK_LIMIT]]
    return render(request, "people/_pick.html", {"term": term, "found": found, "field": field})


# --- person page -----------------------------------------------------------------------------------


def _sensitive(person: Person, revealed: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """Each sensitive field masked, and whole where it was just revealed."""
    revealed = revealed or {}
    return {
        key: {"key": key, "label": label, "masked": MASKS[key](getattr(person, key)), "value": revealed.get(key)}
        for key, label in actions.SENSITIVE_FIELDS.items()
    }


def _person_context(
    request: AuthedHttpRequest, person: Person, revealed: dict[str, str] | None = None
) -> dict[str, Any]:
    user = request.user
    can_edit = has_perm_at(user, Perm.EDIT_RECORDS, person.unit)
    history = list(PersonCategory.objects.filter(person=person).select_related("category", "set_by", "ended_by"))
    open_ids = {r.category_id for r in history if r.ended_on is None}
    memberships = list(
        HouseholdMember.objects.filter(person=person)
        .select_related("household__unit", "household__head")
        .annotate(size=Count("household__members"))
    )
    households = [{"m": m, "visible": visible_to(user, m.household), "count": m.size} for m in memberships]
    guardian = person.guardian
    wards = list(persons_for(user).filter(guardian=person).select_related("unit").only(*LIST_COLUMNS))
    similar = [p for p in actions.similar_persons(person) if visible_to(user, p)] if can_edit else []
    ctx = {
        "section": "people",
        "p": person,
        "fields": _sensitive(person, revealed),
        "can_edit": can_edit,
        "can_reveal": has_perm_at(user, Perm.REVEAL, person.unit),
        "open_categories": [r for r in history if r.ended_on is None],
        "past_categories": [r for r in history if r.ended_on is not None],
        "category_form": CategoryForm(
            categories=[c for c in Category.objects.available_to(person.unit) if c.pk not in open_ids]
        ),
        "end_form": EndCategoryForm(),
        "households": households,
        "guardian": guardian,
        "guardian_visible": guardian is not None and visible_to(user, guardian),
        "wards": wards,
        "similar": similar,
        "unit_trail": " / ".join(
            Unit.objects.filter(path__in=person.unit.ancestor_paths()).values_list("name", flat=True)
        ),
        "show_child": person.is_child or bool(person.guardian_id or person.guardian_name or person.school),
        **_cases_of(user, person),
    }
    return ctx


def _cases_of(user: Any, person: Person) -> dict[str, Any]:
    """Her cases and her family's place on the key-family register, as far as the viewer sees them
    (the cases app's scoped reads)."""
    from jinguo.cases.access import cases_for, families_for

    cases = cases_for(user).filter(person=person).select_related("category").order_by("-received_at")
    return {
        "person_cases": list(cases[:20]),
        "key_family": families_for(user).listed().filter(person=person).first(),
    }


@login_required
def person_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk)
    return render(request, "people/person_detail.html", _person_context(request, person))


@login_required
@require_POST
def person_reveal(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk)
    field = request.POST.get("field", "")
    if not has_perm_at(request.user, Perm.REVEAL, person.unit) or field not in actions.SENSITIVE_FIELDS:
        raise deny(request.user, model=Person, object_pk=pk, reason="reveal")
    value = actions.reveal(actor=request.user, person=person, field=field)
    if request.headers.get("HX-Request") == "true":
        f = _sensitive(person, {field: value})[field]
        return render(request, "people/_sensitive.html", {"f": f, "p": person})
    ctx = _person_context(request, person, revealed={field: value})
    return render(request, "people/person_detail.html", ctx)


# --- create and edit -------------------------------------------------------------------------------


def _guardian(request: AuthedHttpRequest, form: PersonForm) -> Person | None:
    pk = form.cleaned_data.get("guardian")
    if not pk:
        return None
    guardian = persons_for(request.user).filter(pk=pk).first()
    if guardian is None:
        raise ActionError("请选择您可查看的人员作为监护人", field="guardian")
    return guardian


def _is_child(form: PersonForm, person: Person | None) -> bool:
    """Whether the child fields apply: under 18 by the typed birth date or ID number (or an age
    nobody knows: then what was typed is kept)."""
    from .models import CHILD_AGE
    from .validators import birth_date_of

    born = form.cleaned_data.get("birth_date")
    id_number = form.cleaned_data.get("id_number") or ""
    if len(id_number) == 18 and id_number[:17].isdigit():
        try:
            born = birth_date_of(id_number)
        except ValueError:
            born = None
    if born is None and person is not None:
        born = person.birth_date
    if born is None:
        return True
    probe = Person(birth_date=born)
    age = probe.age()
    return age is not None and age < CHILD_AGE


def _form_context(request: AuthedHttpRequest, form: PersonForm, **extra: Any) -> dict[str, Any]:
    guardian_pk = form["guardian"].value() if "guardian" in form.fields else None
    guardian = None
    if guardian_pk and str(guardian_pk).isdigit():
        found = persons_for(request.user).filter(pk=int(guardian_pk)).select_related("unit").first()
        if found is not None:
            guardian = {"p": found, "id": mask_id_number(found.id_number)}
    ctx = {"section": "people", "form": form, "guardian": guardian, "duplicate": None}
    ctx.update(extra)
    return ctx


@login_required
def person_create(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    units = picker.scope(user, Perm.EDIT_RECORDS, open_only=True)
    first = units.first()
    if first is None:
        raise deny(user, model=Person, reason="edit_records")
    unit_pick = str(request.POST.get("unit") or request.GET.get("unit") or "")
    unit = units.filter(pk=unit_pick).first() if unit_pick.isdigit() else None
    categories = list(Category.objects.available_to(unit or first))
    form = PersonForm(
        request.POST or None,
        user=user,
        categories=categories,
        initial={"unit": str(unit.pk) if unit else ""},
    )
    duplicate = None
    if request.method == "POST" and form.is_valid():
        unit = form.cleaned_data["unit"]
        try:
            data = form.changes(is_child=_is_child(form, None))
            if "guardian" in data:
                data["guardian"] = _guardian(request, form)
            person = actions.do_create_person(actor=user, unit=unit, categories=form.cleaned_data["categories"], **data)
        except actions.DuplicatePerson as exc:
            _form_error(form, exc)
            duplicate = exc.existing
        except ActionError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"已登记“{person.name}”")
            return redirect("people:detail", person.pk)
    ctx = _form_context(request, form, title="登记人员", duplicate=duplicate, show_child=True)
    return render(request, "people/person_form.html", ctx)


@login_required
def person_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    person = _editable(request, pk)
    user = request.user
    form = PersonForm.for_person(person, request.POST or None, user=user)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        try:
            data = form.changes(is_child=_is_child(form, person))
            if "guardian" in data:
                data["guardian"] = _guardian(request, form)
            unit = form.cleaned_data["unit"]
            if unit.pk != person.unit_id:
                data["unit"] = unit
            actions.do_update_person(actor=user, person=person, **data)
        except actions.DuplicatePerson as exc:
            _form_error(form, exc)
            duplicate = exc.existing
        except ActionError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("people:detail", person.pk)
        person.refresh_from_db()
    ctx = _form_context(
        request,
        form,
        title="编辑人员信息",
        p=person,
        duplicate=duplicate,
        show_child=person.is_child or person.birth_date is None,
    )
    return render(request, "people/person_form.html", ctx)


# --- categories --------------------------------------------------------------------------------------


@login_required
@require_POST
def category_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    person = _editable(request, pk)
    categories = list(Category.objects.available_to(person.unit))
    form = CategoryForm(request.POST, categories=categories)
    if not form.is_valid():
        messages.error(request, _errors_text(form))
        return redirect("people:detail", person.pk)
    code = form.cleaned_data["code"]
    try:
        actions.do_set_category(actor=request.user, person=person, code=code, set_on=form.cleaned_data["set_on"])
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        name = next(c.name for c in categories if c.code == code)
        messages.success(request, f"已将{person.name}列入“{name}”")
    return redirect("people:detail", person.pk)


@login_required
@require_POST
def category_end(request: AuthedHttpRequest, pk: int, code: str) -> HttpResponse:
    person = _editable(request, pk)
    form = EndCategoryForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors_text(form))
        return redirect("people:detail", person.pk)
    try:
        actions.do_end_category(
            actor=request.user,
            person=person,
            code=code,
            reason=form.cleaned_data["reason"],
            ended_on=form.cleaned_data["ended_on"],
        )
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已退出该类别,记录保留在历史中")
    return redirect("people:detail", person.pk)


# --- merge ---------------------------------------------------------------------------------------------


@login_required
def person_merge(request: AuthedHttpRequest, pk: int, other: int) -> HttpResponse:
    keep = _editable(request, pk)
    merge = _editable(request, other)
    if request.method == "POST":
        try:
            actions.do_merge_persons(actor=request.user, keep=keep, merge=merge)
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已将重复记录 #{other} 合并到本档案,原有的类别、家庭和监护关系均已保留")
        return redirect("people:detail", keep.pk)
    ctx = {
        "section": "people",
        "keep": keep,
        "sides": [{"p": keep, "masked": _masked(keep)}, {"p": merge, "masked": _masked(merge)}],
        "links": {
            "categories": PersonCategory.objects.filter(person=merge).count(),
            "households": HouseholdMember.objects.filter(person=merge).count(),
            "wards": Person.objects.filter(guardian=merge).count(),
        },
    }
    return render(request, "people/person_merge.html", ctx)


# --- households ------------------------------------------------------------------------------------


@login_required
def household_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    household = get_household_for_user(request.user, pk)
    members = [
        {"m": m, "id": mask_id_number(m.person.id_number), "visible": visible_to(request.user, m.person)}
        for m in HouseholdMember.objects.filter(household=household).select_related("person__unit").order_by("pk")
    ]
    ctx = {
        "section": "people",
        "h": household,
        "address": mask_address(household.address),
        "members": members,
        "can_edit": has_perm_at(request.user, Perm.EDIT_RECORDS, household.unit),
        "member_form": MemberForm(),
    }
    return render(request, "people/household_detail.html", ctx)


@login_required
def household_create(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    head = _editable(request, pk)
    form = HouseholdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            household = actions.do_create_household(
                actor=request.user, unit=head.unit, head=head, address=form.cleaned_data["address"]
            )
        except ActionError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"已建立家庭,户主:{head.name}")
            return redirect("people:household", household.pk)
    return render(request, "people/household_form.html", {"section": "people", "form": form, "head": head})


@login_required
@require_POST
def member_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    household = _editable_household(request, pk)
    form = MemberForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors_text(form))
        return redirect("people:household", household.pk)
    person = persons_for(request.user).filter(pk=form.cleaned_data["person"]).first()
    try:
        if person is None:
            raise ActionError("请选择您可查看的人员", field="person")
        actions.do_add_member(
            actor=request.user, household=household, person=person, relation=form.cleaned_data["relation"]
        )
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已将{person.name}加入本家庭")
    return redirect("people:household", household.pk)


@login_required
@require_POST
def member_remove(request: AuthedHttpRequest, pk: int, member: int) -> HttpResponse:
    household = _editable_household(request, pk)
    row = HouseholdMember.objects.filter(household=household, pk=member).select_related("person").first()
    if row is None:
        raise deny(request.user, model=HouseholdMember, object_pk=member, reason="not a member")
    try:
        actions.do_remove_member(actor=request.user, member=row)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已将{row.person.name}移出本家庭")
    return redirect("people:household", household.pk)
