"""Builders for the cases tests: cases registered and driven through the actions to a status,
exact times in Asia/Shanghai, and snapshots that prove a refusal changed nothing.

The people of conftest act: a street cadre (东街道) registers and handles, a leader approves.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from conftest import make_user
from jinguo.accounts.permissions import Role
from jinguo.cases import actions
from jinguo.cases.models import (
    Case,
    CaseEvent,
    Channel,
    FollowUp,
    Kind,
    Outcome,
    ReferralTo,
    Status,
)
from jinguo.core.errors import ActionError
from jinguo.orgs.models import Unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
NARRATIVE = "丈夫长期酗酒后辱骂,要求妇联协调"


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0) -> dt.datetime:
    """An exact moment in Asia/Shanghai."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def today() -> dt.date:
    return timezone.localdate()


def days_from_today(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def refused(action: Callable[..., Any], /, **kwargs: Any) -> str:
    """Call an action that must be refused; its Chinese message."""
    with pytest.raises(ActionError) as exc:
        action(**kwargs)
    return exc.value.message


def make_leader(username: str, unit: Any) -> Any:
    return make_user(username, unit, Role.LEADER)


def register(
    actor: Any,
    unit: Any,
    *,
    kind: str = Kind.PETITION,
    channel: str = Channel.VISIT,
    category: str | None = "marriage_family",
    narrative: str = NARRATIVE,
    **kwargs: Any,
) -> Case:
    """A case registered through do_register_case; anonymous unless a person is given."""
    if "person" not in kwargs and "new_person" not in kwargs:
        kwargs.setdefault("anonymous", True)
    return actions.do_register_case(
        actor=actor,
        unit=unit,
        kind=kind,
        channel=channel,
        category=None if kind == Kind.VIOLENCE else category,
        narrative=narrative,
        **kwargs,
    )


# The way to each status from 登记, and what each step needs.
PATH: dict[str, tuple[str, ...]] = {
    Status.REGISTERED: (),
    Status.ACCEPTED: ("accept",),
    Status.IN_PROGRESS: ("accept", "start"),
    Status.REFERRED: ("accept", "start", "refer"),
    Status.FINISHED: ("accept", "start", "finish"),
    Status.CLOSING: ("accept", "start", "finish", "close"),
    Status.CLOSED: ("accept", "start", "finish", "close", "approve_close"),
}


def step(case: Case, name: str, *, cadre: Any, leader: Any, handler: Any = None) -> Case:
    """One step of the workflow with plain valid arguments (the cadre acts, the leader approves)."""
    if name == "accept":
        return actions.do_accept(actor=cadre, case=case, handler=handler or cadre)
    if name == "start":
        return actions.do_start(actor=cadre, case=case)
    if name == "refer":
        actions.do_refer(actor=cadre, case=case, to=ReferralTo.LEGAL_AID, organisation="区法律援助中心")
        return Case.objects.get(pk=case.pk)
    if name == "answer_referral":
        actions.do_answer_referral(actor=cadre, case=case, answer="已指派律师")
        return Case.objects.get(pk=case.pk)
    if name == "finish":
        return actions.do_finish(actor=cadre, case=case, outcome=Outcome.RESOLVED)
    if name == "close":
        return actions.do_request_close(actor=cadre, case=case)
    if name == "approve_close":
        return actions.do_approve_close(actor=leader, case=case)
    if name == "reject_close":
        return actions.do_reject_close(actor=leader, case=case, reason="材料不全")
    if name == "reopen":
        return actions.do_reopen(actor=cadre, case=case, reason="当事人再次求助")
    if name == "transfer":
        child = Unit.objects.get_children(case.unit).order_by("path").first()
        actions.do_transfer(actor=cadre, case=case, to_unit=child, reason="属地办理")
        return Case.objects.get(pk=case.pk)
    raise AssertionError(name)


def drive(case: Case, status: str, *, cadre: Any, leader: Any, handler: Any = None) -> Case:
    """The case moved from 登记 to `status` through the actions."""
    for name in PATH[status]:
        case = step(case, name, cadre=cadre, leader=leader, handler=handler)
    assert case.status == status
    return case


def case_in(status: str, *, unit: Any, cadre: Any, leader: Any, handler: Any = None, **kwargs: Any) -> Case:
    """A new case at `unit` already in `status`."""
    return drive(register(cadre, unit, **kwargs), status, cadre=cadre, leader=leader, handler=handler)


def case_row(case: Case) -> Any:
    """What a refused step must leave as it was: the case's row as stored."""
    return (
        Case.objects.filter(pk=case.pk)
        .values(
            "status",
            "updated_at",
            "unit_id",
            "handler_id",
            "transfer_to_id",
            "accept_due",
            "finish_due",
            "accepted_at",
            "finished_at",
            "closed_at",
            "outcome",
            "violence_stopped",
            "close_requested_by_id",
        )
        .get()
    )


def last_event(case: Case) -> CaseEvent:
    """The latest step of the case's timeline."""
    event = CaseEvent.objects.filter(case=case).order_by("at", "id").last()
    assert event is not None
    return event


def timeline(case: Case) -> list[tuple[str, str, str]]:
    """The case's steps as (action, from status, to status)."""
    return list(
        CaseEvent.objects.filter(case=case).order_by("at", "id").values_list("action", "from_status", "to_status")
    )


def set_times(case: Case, **fields: Any) -> Case:
    """Exact timestamps and dates, written without the actions' clock; the case read back."""
    Case.objects.filter(pk=case.pk).update(**fields)
    return Case.objects.select_related("unit", "category").get(pk=case.pk)


def follow_ups_of(case: Case) -> list[tuple[dt.date, dt.date | None, bool | None]]:
    """(due, done, satisfied) of each follow-up of the case."""
    return list(
        FollowUp.objects.filter(case=case).order_by("due_on", "id").values_list("due_on", "done_on", "satisfied")
    )


# --- a month of work for the monthly report (October 2026) -----------------------------------------


def handled_case(
    people: Any,
    unit: Any,
    kind: str,
    channel: str,
    category: str | None,
    received: dt.datetime,
    *,
    accepted: dt.datetime | None = None,
    finish_due: dt.date | None = None,
    finished: dt.datetime | None = None,
    outcome: str = Outcome.RESOLVED,
    stopped: bool = False,
    closed: dt.datetime | None = None,
) -> Case:
    """A case received, and as far as given accepted, finished and closed, at exact moments (the
    district cadre handles, the district leader approves; the actions' clock is overwritten)."""
    cadre = people.district_cadre
    case = register(cadre, unit, kind=kind, channel=channel, category=category, received_at=received)
    times: dict[str, Any] = {}
    if accepted:
        case = actions.do_accept(actor=cadre, case=case, handler=cadre)
        case = actions.do_start(actor=cadre, case=case)
        local = accepted.astimezone(SHANGHAI).date()
        times.update(accepted_at=accepted, finish_due=finish_due or local + dt.timedelta(days=15))
    if finished:
        case = actions.do_finish(actor=cadre, case=case, outcome=outcome, violence_stopped=stopped)
        times["finished_at"] = finished
    if closed:
        case = actions.do_request_close(actor=cadre, case=case)
        case = actions.do_approve_close(actor=people.district_leader, case=case)
        times["closed_at"] = closed
        FollowUp.objects.filter(case=case).update(due_on=closed.astimezone(SHANGHAI).date() + dt.timedelta(days=30))
    return set_times(case, **times) if times else case


def follow_up_done(
    people: Any, case: Case, done_on: dt.date, satisfied: bool | None, next_due: dt.date | None = None
) -> FollowUp:
    """The case's pending follow-up recorded as done."""
    pending = FollowUp.objects.filter(case=case, done_on__isnull=True).order_by("due_on").first()
    assert pending is not None
    return actions.do_record_follow_up(
        actor=people.district_cadre,
        follow_up=pending,
        done_on=done_on,
        way="phone",
        result="情况稳定",
        satisfied=satisfied,
        next_due=next_due,
    )


def october(people: Any, tree: Any) -> dict[str, Case]:
    """Fifteen cases around October 2026 (see test_report for what each one counts as)."""
    P, M, V = Kind.PETITION, Kind.MEDIATION, Kind.VIOLENCE
    ch = Channel
    c: dict[str, Case] = {}
    c["C1"] = handled_case(people, tree.east, P, ch.VISIT, "marriage_family", at(2026, 10, 1, 0, 0, 0))
    c["C2"] = handled_case(
        people, tree.east1, V, ch.PHONE, None, at(2026, 10, 5),
        accepted=at(2026, 10, 5, 11), finished=at(2026, 10, 6), stopped=True, closed=at(2026, 10, 7),
    )  # fmt: skip
    c["C3"] = handled_case(people, tree.east1, V, ch.VISIT, None, at(2026, 10, 10), accepted=at(2026, 10, 30))
    c["C4"] = handled_case(
        people, tree.east2, M, ch.VISIT, "marriage_family", at(2026, 10, 12),
        accepted=at(2026, 10, 12), finished=at(2026, 10, 31, 23), outcome=Outcome.PARTLY,
    )  # fmt: skip
    c["C5"] = handled_case(
        people, tree.west, P, ch.LETTER, "domestic_violence", at(2026, 10, 15),
        accepted=at(2026, 10, 15), finished=at(2026, 10, 20), outcome=Outcome.REFERRED_OUT, closed=at(2026, 11, 3),
    )  # fmt: skip
    c["C6"] = handled_case(
        people, tree.west1, P, ch.ONLINE, "labour", at(2026, 10, 16),
        accepted=at(2026, 10, 16), finished=at(2026, 11, 1, 0, 0, 0),
    )  # fmt: skip
    c["C7"] = handled_case(people, tree.west1, M, ch.REFERRED, "property_land", at(2026, 10, 31, 23, 59, 59))
    c["C8"] = handled_case(people, tree.district, P, ch.PHONE, "other", at(2026, 10, 25), accepted=at(2026, 11, 2))
    c["C9"] = handled_case(people, tree.east, P, ch.LETTER, "marriage_family", at(2026, 9, 30, 23, 59, 59))
    c["C10"] = handled_case(people, tree.west, P, ch.VISIT, "labour", at(2026, 11, 1, 0, 0, 0))
    c["C11"] = handled_case(
        people, tree.east1, P, ch.VISIT, "child_rights", at(2026, 9, 10),
        accepted=at(2026, 9, 11), finished=at(2026, 10, 8), closed=at(2026, 10, 9),
    )  # fmt: skip
    c["C12"] = handled_case(
        people, tree.west1, V, ch.PHONE, None, at(2026, 9, 15),
        accepted=at(2026, 9, 15), finished=at(2026, 10, 3), stopped=True, closed=at(2026, 10, 4),
    )  # fmt: skip
    c["C13"] = handled_case(
        people, tree.east2, M, ch.VISIT, "marriage_family", at(2026, 8, 20),
        accepted=at(2026, 8, 20), finished=at(2026, 9, 20), outcome=Outcome.UNRESOLVED, closed=at(2026, 9, 25),
    )  # fmt: skip
    c["C14"] = handled_case(
        people, tree.west, P, ch.PHONE, "personal_rights", at(2026, 9, 5),
        accepted=at(2026, 9, 6), finished=at(2026, 11, 5), outcome=Outcome.UNRESOLVED,
    )  # fmt: skip
    c["C15"] = handled_case(
        people, tree.east, P, ch.ONLINE, "other", at(2026, 9, 20),
        accepted=at(2026, 9, 20), finished=at(2026, 9, 30, 12),
    )  # fmt: skip
    # follow-ups: C2 done in October without a verdict; C11 satisfied, the next one planned in
    # November; C12's due 10-15 never done; C13 not satisfied on 10-05, the next due 10-30 done late
    FollowUp.objects.filter(case=c["C12"]).update(due_on=dt.date(2026, 10, 15))
    follow_up_done(people, c["C2"], dt.date(2026, 10, 25), None)
    follow_up_done(people, c["C11"], dt.date(2026, 10, 20), True, next_due=dt.date(2026, 11, 20))
    follow_up_done(people, c["C13"], dt.date(2026, 10, 5), False, next_due=dt.date(2026, 10, 30))
    follow_up_done(people, c["C13"], dt.date(2026, 11, 2), True)
    return c


# --- reading the pages -------------------------------------------------------------------------------


def page_text(html: str) -> str:
    """The text of an HTML fragment, tags dropped and white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def html_of(page: Any) -> str:
    return page if isinstance(page, str) else page.content.decode()


def element(page: Any, element_id: str, tag: str = "div") -> str:
    """The inner HTML of the element with `element_id` up to the first closing `tag` after it."""
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</{tag}>', html_of(page), re.S)
    assert found is not None, element_id
    return found.group(1)


def table_rows(page: Any, table_id: str) -> list[tuple[str, ...]]:
    """The body rows of a table as the text of their cells."""
    body = element(page, table_id, "table")
    body = body.split("</thead>", 1)[-1]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = tuple(page_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S))
        if cells:
            rows.append(cells)
    return rows


def marked_rows(page: Any, table_id: str) -> list[str]:
    """The first cell of each row of a table marked as late (class="table-danger")."""
    body = element(page, table_id, "table").split("</thead>", 1)[-1]
    return [page_text(first) for first in re.findall(r'<tr class="table-danger">\s*<td[^>]*>(.*?)</td>', body, re.S)]


def count_line(page: Any, element_id: str) -> str:
    return page_text(element(page, element_id, "p"))


def step_buttons(page: Any) -> list[str]:
    """The steps the case page offers (its 办理 card), in order; [] without the card."""
    body = html_of(page)
    if 'id="steps"' not in body:
        return []
    card = body.split('id="steps"', 1)[1].split('id="timeline"', 1)[0]
    return re.findall(r'id="step-(\w+)"', card)


def timeline_shown(page: Any) -> list[str]:
    """The case page's 办理记录, one text per step, without its time."""
    items = re.findall(r'<li class="list-group-item small">(.*?)</li>', element(page, "timeline", "ol"), re.S)
    return [re.sub(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2} ", "", page_text(i)) for i in items]


def field_errors(page: Any) -> list[str]:
    return re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', html_of(page))


def alerts(page: Any) -> list[str]:
    """The red alerts of a page (form errors not tied to a field, flashed errors)."""
    return [page_text(a) for a in re.findall(r'<div class="alert alert-danger[^"]*"[^>]*>(.*?)</div>', html_of(page))]


def flashed(response: Any) -> list[tuple[str, str]]:
    """The messages queued by a view (shown on the next page)."""
    from django.contrib.messages import get_messages

    storage: Any = get_messages(response.wsgi_request)
    return [(m.level_tag, str(m)) for m in storage._queued_messages]


def register_snapshot() -> list[Any]:
    """Every row of the case register a page could write, to prove that a refusal changed nothing."""
    from jinguo.cases.models import (
        CaseMediator,
        CaseNumber,
        CaseParty,
        DocumentTemplate,
        KeyFamily,
        KeyFamilyVisit,
        MediationSession,
        Referral,
        Screening,
        ScreeningResult,
        TimeLimit,
        Transfer,
    )
    from jinguo.people.models import Person

    return [
        [
            (
                c.pk,
                c.status,
                c.unit_id,
                c.handler_id,
                c.transfer_to_id,
                c.updated_at,
                c.category_id,
                c.channel,
                c.urgency,
                c.narrative,
                c.request,
                c.risk_factors,
                c.finish_due,
                c.outcome,
                c.agreement_reached,
                c.agreement_terms,
            )
            for c in Case.objects.order_by("pk")
        ],
        list(CaseEvent.objects.order_by("pk").values_list("pk", "action", "to_status")),
        list(CaseParty.objects.order_by("pk").values_list("pk", "case_id", "role")),
        list(Referral.objects.order_by("pk").values_list("pk", "answered_on")),
        list(Transfer.objects.order_by("pk").values_list("pk", "state")),
        list(FollowUp.objects.order_by("pk").values_list("pk", "due_on", "done_on", "satisfied")),
        list(MediationSession.objects.order_by("pk").values_list("pk", "case_id")),
        list(CaseMediator.objects.order_by("pk").values_list("pk", "user_id", "person_id")),
        list(
            KeyFamily.objects.order_by("pk").values_list(
                "pk", "colour", "responsible_id", "visit_interval_days", "next_visit_due", "lifted_on"
            )
        ),
        list(KeyFamilyVisit.objects.order_by("pk").values_list("pk", "family_id", "visited_on")),
        list(Screening.objects.order_by("pk").values_list("pk", "unit_id")),
        list(ScreeningResult.objects.order_by("pk").values_list("pk", "finding")),
        list(TimeLimit.objects.order_by("pk").values_list("pk", "unit_id", "kind", "step", "days")),
        list(DocumentTemplate.objects.order_by("pk").values_list("pk", "unit_id", "purpose", "file_name")),
        list(CaseNumber.objects.order_by("pk").values_list("pk", "last")),
        list(Person.objects.order_by("pk").values_list("pk", "name", "unit_id")),
    ]
