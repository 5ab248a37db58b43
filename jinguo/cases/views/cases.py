"""Pages of the case register: the unit's cases, my cases, the intake form, the case page with its
timeline. Thin: reads through the access helpers, writes through the actions."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from jinguo.accounts.permissions import Perm
from jinguo.accounts.scoping import has_perm_at, home_units, scope_paths, users_with_perm_at
from jinguo.core import paging
from jinguo.core.access import deny
from jinguo.core.audit import record
from jinguo.core.context import AuthedHttpRequest
from jinguo.core.crypto import mask_phone
from jinguo.core.errors import ActionError
from jinguo.core.models import AuditEvent
from jinguo.orgs import picker
from jinguo.orgs.models import Unit
from jinguo.people.access import persons_for

from .. import actions
from ..access import can_answer_transfer, can_handle, cases_for, get_case_to_handle, open_case
from ..filters import PSEUDO_STATUSES, CaseFilters
from ..forms import (
    AcceptForm,
    AgreementForm,
    AnswerForm,
    CaseEditForm,
    FinishForm,
    FollowUpForm,
    IntakeForm,
    MediatorsForm,
    NoteForm,
    PartyForm,
    ReasonForm,
    ReferForm,
    ScheduleForm,
    SessionForm,
    TransferForm,
)
from ..models import Case, CaseCategory, Channel, Kind, Status

PAGE_SIZE = 50
LIST_RELATED = ("unit", "category", "person", "handler", "transfer_to")


def require_scope(request: AuthedHttpRequest) -> None:
    """The register's pages without an object: 404 for a user who holds no record permission."""
    if not scope_paths(request.user, perm=Perm.VIEW_RECORDS):
        raise deny(request.user, model=Case, reason="no unit")


def form_error(form: Any, exc: ActionError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def categories_in_scope(user: Any) -> list[CaseCategory]:
    units = Unit.objects.for_user(user, perm=Perm.VIEW_RECORDS)
    top = units.order_by("depth", "path").first()
    return list(CaseCategory.objects.available_to(top)) if top else []


@login_required
def case_list(request: AuthedHttpRequest) -> HttpResponse:
    require_scope(request)
    user = request.user
    filters = CaseFilters.from_params(request.GET)
    qs = filters.apply(cases_for(user), user=user)
    count, capped = paging.capped_count(qs)
    rows = qs.select_related(*LIST_RELATED).order_by("-received_at", "-id")
    page = paging.CountedPaginator(rows, PAGE_SIZE, count=count, capped=capped).get_page(request.GET.get("page"))
    today = timezone.localdate()
    query = filters.as_params()
    title = "我的案件" if filters.mine else "维权案件"
    ctx = {
        "section": "cases_mine" if filters.mine else "cases",
        "title": title,
        "page": page,
        "rows": [{"c": c, "overdue": c.is_overdue(today)} for c in page],
        "f": filters,
        "kinds": Kind.choices,
        "channels": Channel.choices,
        "statuses": [*Status.choices, *PSEUDO_STATUSES.items()],
        "categories": categories_in_scope(user),
        "unit_picker": picker.picker(
            user, "unit", Perm.VIEW_RECORDS, open_only=False, blank="全部单位(含下级)", selected=filters.unit
        ),
        "query": urlencode(query),
        "filtered": bool(query),
        "can_register": bool(scope_paths(user, perm=Perm.EDIT_RECORDS)),
    }
    return render(request, "cases/case_list.html", ctx)


# --- intake ---------------------------------------------------------------------------------------


def _picked_person(request: AuthedHttpRequest, form: IntakeForm) -> Any:
    pk = form.cleaned_data.get("person")
    return persons_for(request.user).filter(pk=pk).first() if pk else None


@login_required
def case_create(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    units = picker.scope(user, Perm.EDIT_RECORDS, open_only=True)
    first = units.first()
    if first is None:
        raise deny(user, model=Case, reason="edit_records")
    home = home_units(user, perm=Perm.EDIT_RECORDS)
    initial = {"unit": str(home[0].pk)} if len(home) == 1 and not home[0].is_closed else {}
    form = IntakeForm(
        request.POST or None, initial=initial, user=user, categories=list(CaseCategory.objects.available_to(first))
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        who = data["who"]
        new_person = None
        if who == "new":
            new_person = {"name": data["new_name"], "gender": data["new_gender"], "phone": data["new_phone"]}
            if data["new_id_number"]:
                new_person["id_number"] = data["new_id_number"]
        person = _picked_person(request, form) if who == "registered" else None
        try:
            case = actions.do_register_case(
                actor=user,
                unit=data["unit"],
                kind=data["kind"],
                channel=data["channel"],
                category=data["category"] or None,
                received_at=data["received_at"],
                person=person,
                new_person=new_person,
                anonymous=who == "anonymous",
                narrative=data["narrative"],
                request=data["request"],
                urgency=data["urgency"],
                risk_factors=data["risk_factors"],
                parties=[actions.Party(**p) for p in form.parties()],
            )
        except ActionError as exc:
            if exc.field == "name":
                exc = ActionError(exc.message, field="new_name")
            elif exc.field in ("gender", "phone", "id_number"):
                exc = ActionError(exc.message, field=f"new_{exc.field}")
            form_error(form, exc)
        else:
            messages.success(request, f"已登记,编号 {case.number}")
            return redirect("cases:detail", case.pk)
    # the person she picked stays picked when the form comes back with an error
    pk = str(form.data.get("person") or "") if form.is_bound else ""
    picked = persons_for(user).filter(pk=pk).select_related("unit").first() if pk.isdigit() else None
    return render(request, "cases/case_form.html", {"section": "cases", "form": form, "picked": picked})


# --- the case page --------------------------------------------------------------------------------


def available_actions(user: Any, case: Case) -> list[str]:
    """The steps the user may take now, for the buttons of the page (the actions check again)."""
    if case.transfer_to_id:
        return ["accept_transfer", "reject_transfer"] if can_answer_transfer(user, case) else []
    if not can_handle(user, case):
        return []
    out = [a for a, allowed in actions.ALLOWED.items() if case.status in allowed]
    if not has_perm_at(user, Perm.APPROVE, case.unit) or not actions.can_approve(user, case):
        out = [a for a in out if a not in ("approve_close", "reject_close")]
    return out


def transfer_targets(case: Case) -> list[tuple[str, str]]:
    """Units up the tree (ancestors) and down it (descendants) of the case's unit, open ones."""
    up = Unit.objects.filter(path__in=case.unit.ancestor_paths()[:-1])
    down = Unit.objects.subtree(case.unit).exclude(pk=case.unit_id)
    units = [u for u in [*up, *down.open().order_by("path")[:300]] if not u.is_closed]
    return picker.with_trail(units)


def case_context(request: AuthedHttpRequest, case: Case, **forms: Any) -> dict[str, Any]:
    user = request.user
    steps = available_actions(user, case)
    handlers = [(str(u.pk), u.display_name) for u in users_with_perm_at(Perm.EDIT_RECORDS, case.unit)]
    mediator_users = [(str(u.pk), u.display_name) for u in users_with_perm_at(Perm.VIEW_RECORDS, case.unit)]
    defaults: dict[str, Any] = {
        "accept": AcceptForm(handlers=handlers, initial={"handler": str(user.pk)}),
        "refer": ReferForm(),
        "answer": AnswerForm(),
        "finish": FinishForm(),
        "note": NoteForm(),
        "start": NoteForm(),
        "close": NoteForm(),
        "approve": NoteForm(),
        "accept_transfer": NoteForm(),
        "reject": ReasonForm(),
        "reopen": ReasonForm(),
        "reject_transfer": ReasonForm(),
        "transfer": TransferForm(units=transfer_targets(case)) if "transfer" in steps else None,
        "party": PartyForm(),
        "follow_up": FollowUpForm(),
        "schedule": ScheduleForm(),
        "session": SessionForm(),
        "agreement": AgreementForm(),
        "mediators": MediatorsForm(
            users=mediator_users,
            initial={"users": [str(m.user_id) for m in case.mediators.all() if m.user_id]},
        ),
    }
    defaults.update(forms)
    parties = [{"p": p, "phone": mask_phone(p.phone)} for p in case.parties.all()]
    return {
        "section": "cases",
        "c": case,
        "steps": steps,
        "labels": actions.ACTION_LABELS,
        "can_edit": can_handle(user, case) and case.status != Status.CLOSED,
        "overdue": case.is_overdue(),
        "parties": parties,
        "events": list(case.events.select_related("actor")),
        "referrals": list(case.referrals.all()),
        "transfers": list(case.transfers.select_related("from_unit", "to_unit", "requested_by", "decided_by")),
        "follow_ups": list(case.follow_ups.select_related("by")),
        "sessions": list(case.sessions.select_related("recorded_by")),
        "mediators": list(case.mediators.select_related("user", "person")),
        "pending_referral": case.referrals.filter(answered_on__isnull=True).first(),
        "forms": defaults,
        "person_visible": case.person is not None and persons_for(user).filter(pk=case.person_id).exists(),
        "can_record_follow_up": can_handle(user, case) and case.status == Status.CLOSED,
        "today": timezone.localdate(),
    }


@login_required
def case_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    case = open_case(request.user, pk)
    return render(request, "cases/case_detail.html", case_context(request, case))


@login_required
def case_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    case = get_case_to_handle(request.user, pk)
    if not can_handle(request.user, case):
        raise deny(request.user, model=Case, object_pk=pk, reason="edit_records")
    initial = {
        "category": case.category.code,
        "channel": case.channel,
        "urgency": case.urgency,
        "narrative": case.narrative,
        "request": case.request,
        "risk_factors": case.factor_codes,
    }
    categories = list(CaseCategory.objects.available_to(case.unit))
    form = CaseEditForm(request.POST or None, initial=initial, categories=categories, violence=case.is_violence)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if v != initial.get(k)}
        try:
            actions.do_update_case(actor=request.user, case=case, **changes)
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("cases:detail", case.pk)
    if case.is_violence:  # the form shows what was registered: an opening of the case
        record(AuditEvent.ACCESS, user=request.user, obj=case, detail={"opened": "violence_case"})
    return render(request, "cases/case_edit.html", {"section": "cases", "c": case, "form": form})
