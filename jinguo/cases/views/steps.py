"""The buttons of the case page: each step of the workflow, parties, follow-ups, mediation, the
agreement document. POST only; a refusal re-renders the case page with the Chinese message on the
form that was sent, and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jinguo.accounts.models import User
from jinguo.accounts.permissions import Perm
from jinguo.accounts.scoping import users_with_perm_at
from jinguo.core.access import deny
from jinguo.core.audit import record
from jinguo.core.context import AuthedHttpRequest
from jinguo.core.errors import NOT_FOUND_MESSAGE, ActionError
from jinguo.core.models import AuditEvent
from jinguo.orgs.models import Unit
from jinguo.people.access import persons_for

from .. import actions, documents
from ..access import can_answer_transfer, can_handle, get_case_for_user, get_case_to_handle, open_case
from ..forms import (
    AcceptForm,
    AgreementForm,
    AnswerForm,
    FinishForm,
    FollowUpForm,
    MediatorsForm,
    NoteForm,
    PartyForm,
    ReasonForm,
    ReferForm,
    ScheduleForm,
    SessionForm,
    TransferForm,
)
from ..models import Case, FollowUp, Kind, Status
from .cases import case_context, transfer_targets

# action -> (form key on the page, form class)
STEP_FORMS: dict[str, tuple[str, Any]] = {
    "accept": ("accept", AcceptForm),
    "start": ("start", NoteForm),
    "refer": ("refer", ReferForm),
    "answer_referral": ("answer", AnswerForm),
    "finish": ("finish", FinishForm),
    "close": ("close", NoteForm),
    "approve_close": ("approve", NoteForm),
    "reject_close": ("reject", ReasonForm),
    "reopen": ("reopen", ReasonForm),
    "transfer": ("transfer", TransferForm),
    "accept_transfer": ("accept_transfer", NoteForm),
    "reject_transfer": ("reject_transfer", ReasonForm),
    "note": ("note", NoteForm),
}
DONE = {
    "accept": "已受理",
    "start": "已开始办理",
    "refer": "已转介",
    "answer_referral": "已登记转介反馈",
    "finish": "已办结",
    "close": "已提交结案申请,待领导审批",
    "approve_close": "已批准结案,已安排回访",
    "reject_close": "已退回结案申请",
    "reopen": "已重新办理",
    "transfer": "已转办,待接收单位处理",
    "accept_transfer": "已接收转办",
    "reject_transfer": "已退回转办",
    "note": "已记录",
}


def _form(action: str, case: Case, data: Any) -> Any:
    _, cls = STEP_FORMS[action]
    if cls is AcceptForm:
        handlers = [(str(u.pk), u.display_name) for u in users_with_perm_at(Perm.EDIT_RECORDS, case.unit)]
        return cls(data, handlers=handlers)
    if cls is TransferForm:
        return cls(data, units=transfer_targets(case))
    return cls(data)


def _run(user: Any, case: Case, action: str, d: dict[str, Any]) -> Any:
    if action == "accept":
        handler = User.objects.filter(pk=d["handler"]).first()
        return actions.do_accept(actor=user, case=case, handler=handler, note=d["note"])
    if action == "start":
        return actions.do_start(actor=user, case=case, note=d["note"])
    if action == "refer":
        return actions.do_refer(
            actor=user,
            case=case,
            to=d["to"],
            organisation=d["organisation"],
            referred_on=d["referred_on"],
            note=d["note"],
        )
    if action == "answer_referral":
        return actions.do_answer_referral(actor=user, case=case, answer=d["answer"], answered_on=d["answered_on"])
    if action == "finish":
        return actions.do_finish(
            actor=user, case=case, outcome=d["outcome"], note=d["note"], violence_stopped=d["violence_stopped"]
        )
    if action == "close":
        return actions.do_request_close(actor=user, case=case, note=d["note"])
    if action == "approve_close":
        return actions.do_approve_close(actor=user, case=case, note=d["note"])
    if action == "reject_close":
        return actions.do_reject_close(actor=user, case=case, reason=d["reason"])
    if action == "reopen":
        return actions.do_reopen(actor=user, case=case, reason=d["reason"])
    if action == "transfer":
        to_unit = Unit.objects.filter(pk=d["to_unit"]).first() if str(d["to_unit"]).isdigit() else None
        return actions.do_transfer(actor=user, case=case, to_unit=to_unit, reason=d["reason"])
    if action == "accept_transfer":
        return actions.do_accept_transfer(actor=user, case=case)
    if action == "reject_transfer":
        return actions.do_reject_transfer(actor=user, case=case, reason=d["reason"])
    return actions.do_add_note(actor=user, case=case, note=d["note"])


def _form_shown(ctx: dict[str, Any], key: str, action: str | None) -> bool:
    """Whether the case page draws the form that was sent, and so its errors (a step the case has
    moved past meanwhile, or a mediation form of a case asked to close, is not drawn)."""
    c, steps = ctx["c"], ctx["steps"]
    if action == "note":
        return bool(steps) and "accept_transfer" not in steps
    if action is not None:
        return action in steps
    if key == "party":
        return bool(ctx["can_edit"])
    if key == "schedule":
        return bool(ctx["can_record_follow_up"])
    if key == "follow_up":
        return bool(ctx["can_record_follow_up"]) and any(f.done_on is None for f in ctx["follow_ups"])
    return c.kind == Kind.MEDIATION and bool(ctx["can_edit"]) and c.status != Status.CLOSING


def _again(request: AuthedHttpRequest, case: Case, key: str, form: Any, action: str | None = None) -> HttpResponse:
    case = open_case(request.user, case.pk)  # the whole page again: an opening of a violence case
    ctx = case_context(request, case, **{key: form})
    if not _form_shown(ctx, key, action):  # the refusal is said above the page instead
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return render(request, "cases/case_detail.html", ctx, status=200)


@login_required
@require_POST
def step(request: AuthedHttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in STEP_FORMS:
        raise Http404(NOT_FOUND_MESSAGE)
    case = get_case_to_handle(request.user, pk)
    answering = action in ("accept_transfer", "reject_transfer")
    if not (can_answer_transfer(request.user, case) if answering else can_handle(request.user, case)):
        raise deny(request.user, model=Case, object_pk=pk, reason=action)
    form = _form(action, case, request.POST)
    key = STEP_FORMS[action][0]
    if not form.is_valid():
        return _again(request, case, key, form, action)
    try:
        result = _run(request.user, case, action, form.cleaned_data)
    except ActionError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _again(request, case, key, form, action)
    messages.success(request, DONE[action])
    if action == "accept_transfer" or not isinstance(result, Case) or can_handle(request.user, result):
        return redirect("cases:detail", case.pk)
    return redirect("cases:list")  # a transfer refused: the case is no longer hers to see


def _sub(
    request: AuthedHttpRequest, pk: int, key: str, form_cls: Any, run: Callable[[Case, Any], Any], done: str
) -> HttpResponse:
    case = get_case_to_handle(request.user, pk)
    if not can_handle(request.user, case):
        raise deny(request.user, model=Case, object_pk=pk, reason="edit_records")
    form = form_cls(request.POST)
    if form.is_valid():
        try:
            run(case, form)
        except ActionError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, done)
            return redirect("cases:detail", case.pk)
    return _again(request, case, key, form)


@login_required
@require_POST
def party_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    def run(case: Case, form: Any) -> Any:
        d = form.cleaned_data
        party = actions.Party(name=d["name"], role=d["role"], relation=d["relation"], phone=d["phone"])
        return actions.do_add_party(actor=request.user, case=case, party=party)

    return _sub(request, pk, "party", PartyForm, run, "已增加当事人")


@login_required
@require_POST
def party_remove(request: AuthedHttpRequest, pk: int, party: int) -> HttpResponse:
    case = get_case_to_handle(request.user, pk)
    row = case.parties.filter(pk=party).first()
    if row is None or not can_handle(request.user, case):
        raise deny(request.user, model=Case, object_pk=pk, reason="party")
    try:
        actions.do_remove_party(actor=request.user, party=row)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已删除当事人")
    return redirect("cases:detail", case.pk)


@login_required
@require_POST
def follow_up_record(request: AuthedHttpRequest, pk: int, follow_up: int) -> HttpResponse:
    case = get_case_to_handle(request.user, pk)
    row = FollowUp.objects.filter(case=case, pk=follow_up).first()
    if row is None:
        raise deny(request.user, model=FollowUp, object_pk=follow_up, reason="follow_up")

    def run(case: Case, form: Any) -> Any:
        d = form.cleaned_data
        return actions.do_record_follow_up(
            actor=request.user,
            follow_up=row,
            done_on=d["done_on"],
            way=d["way"],
            result=d["result"],
            satisfied=form.satisfaction(),
            next_due=d["next_due"],
        )

    return _sub(request, pk, "follow_up", FollowUpForm, run, "已登记回访")


@login_required
@require_POST
def follow_up_schedule(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    def run(case: Case, form: Any) -> Any:
        return actions.do_schedule_follow_up(actor=request.user, case=case, due_on=form.cleaned_data["due_on"])

    return _sub(request, pk, "schedule", ScheduleForm, run, "已安排回访")


@login_required
@require_POST
def session_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    def run(case: Case, form: Any) -> Any:
        d = form.cleaned_data
        return actions.do_record_session(
            actor=request.user,
            case=case,
            held_on=d["held_on"],
            place=d["place"],
            parties_present=d["parties_present"],
            outcome=d["outcome"],
        )

    return _sub(request, pk, "session", SessionForm, run, "已登记调解记录")


@login_required
@require_POST
def agreement(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    def run(case: Case, form: Any) -> Any:
        d = form.cleaned_data
        return actions.do_record_agreement(
            actor=request.user, case=case, reached=d["reached"] == "yes", terms=d["terms"], agreed_on=d["agreed_on"]
        )

    return _sub(request, pk, "agreement", AgreementForm, run, "已登记调解结果")


@login_required
@require_POST
def mediators(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    case = get_case_to_handle(request.user, pk)
    choices = [(str(u.pk), u.display_name) for u in users_with_perm_at(Perm.VIEW_RECORDS, case.unit)]

    def form_cls(data: Any) -> MediatorsForm:
        return MediatorsForm(data, users=choices)

    def run(case: Case, form: Any) -> Any:
        d = form.cleaned_data
        users = list(User.objects.filter(pk__in=[int(x) for x in d["users"]]))
        kept = [] if request.POST.get("clear_volunteers") else (d["persons"] or "").split(",")
        ids = [int(x) for x in [*kept, *request.POST.getlist("volunteer")] if x.strip().isdigit()]
        persons = list(persons_for(request.user).filter(pk__in=ids))
        return actions.do_set_mediators(actor=request.user, case=case, users=users, persons=persons)

    return _sub(request, pk, "mediators", form_cls, run, "已设置调解员")


@login_required
def agreement_docx(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The mediation agreement as a Word document, from the unit's template (audited as an export)."""
    case = get_case_for_user(request.user, pk)
    try:
        data = documents.mediation_agreement(case)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("cases:detail", case.pk)
    record(AuditEvent.EXPORT, user=request.user, obj=case, detail={"document": "mediation_agreement"})
    response = HttpResponse(data, content_type=documents.DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'调解协议书-{case.number}.docx')}"
    return response
