"""The life of a case: every step the status allows, every one it refuses (with the case left as
it was), the handler, self-approval, reopening, referrals, transfers up and down the tree, and the
timeline that records each step."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.http import Http404

from conftest import make_user
from jinguo.cases import actions
from jinguo.cases.access import cases_for, get_case_for_user, get_case_to_handle
from jinguo.cases.models import Case, CaseEvent, FollowUp, FollowUpWay, Kind, Outcome, Referral, Status, Transfer
from jinguo.core.dates import cn_date
from jinguo.core.errors import ActionError

from .helpers import (
    case_in,
    case_row,
    days_from_today,
    last_event,
    make_leader,
    refused,
    register,
    step,
    timeline,
    today,
)

pytestmark = pytest.mark.django_db

EXPECTED_ALLOWED = {
    "accept": {"registered"},
    "start": {"accepted"},
    "refer": {"accepted", "in_progress"},
    "answer_referral": {"referred"},
    "finish": {"accepted", "in_progress", "referred"},
    "close": {"finished"},
    "approve_close": {"closing"},
    "reject_close": {"closing"},
    "reopen": {"finished", "closing", "closed"},
    "transfer": {"registered", "accepted", "in_progress"},
}
RESULT = {
    "accept": Status.ACCEPTED,
    "start": Status.IN_PROGRESS,
    "refer": Status.REFERRED,
    "answer_referral": Status.IN_PROGRESS,
    "finish": Status.FINISHED,
    "close": Status.CLOSING,
    "approve_close": Status.CLOSED,
    "reject_close": Status.FINISHED,
    "reopen": Status.IN_PROGRESS,
    "transfer": None,  # the status stays; the case waits for the receiving unit
}
PAIRS = list(itertools.product(Status.values, actions.ALLOWED))


def a_case(people, tree, status, **kwargs):
    return case_in(status, unit=tree.east, cadre=people.street_cadre, leader=people.district_leader, **kwargs)


def test_the_allowed_table_is_the_designed_one():
    assert {action: set(statuses) for action, statuses in actions.ALLOWED.items()} == EXPECTED_ALLOWED
    assert len(PAIRS) == 70
    assert sum(status in actions.ALLOWED[action] for status, action in PAIRS) == 17


@pytest.mark.parametrize(("status", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_each_step_succeeds_exactly_where_the_status_allows_it(people, tree, status, action):
    case = a_case(people, tree, status)
    events = CaseEvent.objects.filter(case=case).count()
    if status in EXPECTED_ALLOWED[action]:
        after = step(case, action, cadre=people.street_cadre, leader=people.district_leader)
        assert after.status == (RESULT[action] or status)
        assert timeline(case)[-1] == (action, status, after.status)
        assert CaseEvent.objects.filter(case=case).count() == events + 1
        if action == "transfer":
            assert after.transfer_to == tree.east1
    else:
        before = case_row(case)
        with pytest.raises(ActionError) as exc:
            step(case, action, cadre=people.street_cadre, leader=people.district_leader)
        label = Status(status).label
        assert exc.value.message == f"案件当前状态为“{label}”,不能{actions.ACTION_LABELS[action]}"
        assert case_row(case) == before
        assert CaseEvent.objects.filter(case=case).count() == events


# --- accepting -----------------------------------------------------------------------------------


def test_accepting_sets_the_handler_the_time_and_the_finish_date(people, tree):
    case = register(people.street_cadre, tree.east)
    case = actions.do_accept(actor=people.street_cadre, case=case, handler=people.street_cadre)
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.handler, stored.finish_due) == (
        Status.ACCEPTED,
        people.street_cadre,
        days_from_today(15),
    )
    assert stored.accepted_at is not None
    assert CaseEvent.objects.get(case=case, action="accept").note == "承办人:street_cadre"


@pytest.mark.parametrize("handler", ["street_cadre", "district_cadre", "district_leader"])
def test_a_handler_with_edit_rights_at_the_unit_or_above_is_accepted(people, tree, handler):
    case = register(people.street_cadre, tree.east)
    case = actions.do_accept(actor=people.street_cadre, case=case, handler=getattr(people, handler))
    assert case.handler == getattr(people, handler)


@pytest.mark.parametrize("handler", ["readonly_user", "sibling_street_cadre", "community_cadre", "sys_admin", None])
def test_a_handler_without_edit_rights_at_the_unit_is_refused(people, tree, handler):
    case = register(people.street_cadre, tree.east)
    before = case_row(case)
    message = refused(
        actions.do_accept, actor=people.street_cadre, case=case, handler=handler and getattr(people, handler)
    )
    assert message == "承办人须是本单位或上级单位有办理权限的干部"
    assert case_row(case) == before


@pytest.mark.parametrize("actor", ["readonly_user", "sibling_street_cadre", "community_cadre", "outsider"])
def test_a_user_who_cannot_edit_at_the_unit_cannot_take_any_step(people, tree, actor):
    case = register(people.street_cadre, tree.east)
    before = case_row(case)
    message = refused(actions.do_accept, actor=getattr(people, actor), case=case, handler=people.street_cadre)
    assert message == "您无权在该单位办理案件"
    assert case_row(case) == before


# --- finishing -----------------------------------------------------------------------------------


def test_finishing_records_the_outcome_and_the_note(people, tree):
    case = a_case(people, tree, Status.IN_PROGRESS)
    case = actions.do_finish(actor=people.street_cadre, case=case, outcome=Outcome.PARTLY, note=" 已调解部分 ")
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.outcome, stored.outcome_note, stored.violence_stopped) == (
        Status.FINISHED,
        "partly",
        "已调解部分",
        False,
    )
    assert stored.finished_at is not None
    assert CaseEvent.objects.get(case=case, action="finish").note == "部分解决"


@pytest.mark.parametrize("outcome", ["", "solved", None])
def test_finishing_needs_a_valid_outcome(people, tree, outcome):
    case = a_case(people, tree, Status.IN_PROGRESS)
    before = case_row(case)
    assert refused(actions.do_finish, actor=people.street_cadre, case=case, outcome=outcome) == "请选择办理结果"
    assert case_row(case) == before


def test_violence_stopped_is_recorded_on_a_violence_case(people, tree):
    case = a_case(people, tree, Status.IN_PROGRESS, kind=Kind.VIOLENCE)
    case = actions.do_finish(actor=people.street_cadre, case=case, outcome=Outcome.RESOLVED, violence_stopped=True)
    assert Case.objects.get(pk=case.pk).violence_stopped is True
    assert CaseEvent.objects.get(case=case, action="finish").note == "已解决(制止家庭暴力)"


def test_violence_stopped_is_recorded_on_a_petition_about_domestic_violence(people, tree):
    case = a_case(people, tree, Status.ACCEPTED, category="domestic_violence")
    case = actions.do_finish(actor=people.street_cadre, case=case, outcome=Outcome.RESOLVED, violence_stopped=True)
    assert Case.objects.get(pk=case.pk).violence_stopped is True


@pytest.mark.parametrize("kind", [Kind.PETITION, Kind.MEDIATION])
def test_violence_stopped_on_a_case_that_is_not_about_violence_is_refused(people, tree, kind):
    case = a_case(people, tree, Status.IN_PROGRESS, kind=kind)
    before = case_row(case)
    message = refused(
        actions.do_finish, actor=people.street_cadre, case=case, outcome=Outcome.RESOLVED, violence_stopped=True
    )
    assert message == "只有家庭暴力案件可以登记制止家暴"
    assert case_row(case) == before


# --- closing and approving -----------------------------------------------------------------------


def closing_case(people, tree, *, handler, requester):
    case = a_case(people, tree, Status.FINISHED, handler=handler)
    return actions.do_request_close(actor=requester, case=case)


def test_the_handler_cannot_approve_the_close(people, tree):
    case = closing_case(people, tree, handler=people.district_leader, requester=people.street_cadre)
    before = case_row(case)
    message = refused(actions.do_approve_close, actor=people.district_leader, case=case)
    assert message == "承办人或申请人不能批准自己办理的案件结案,请由其他领导审批"
    assert case_row(case) == before
    assert actions.can_approve(people.district_leader, case) is False


def test_the_one_who_asked_to_close_cannot_approve(people, tree):
    case = closing_case(people, tree, handler=people.street_cadre, requester=people.district_leader)
    before = case_row(case)
    message = refused(actions.do_approve_close, actor=people.district_leader, case=case)
    assert message == "承办人或申请人不能批准自己办理的案件结案,请由其他领导审批"
    assert case_row(case) == before


@pytest.mark.parametrize("actor", ["district_cadre", "street_cadre", "readonly_user", "sibling_street_cadre"])
def test_a_user_without_approve_rights_at_the_unit_cannot_approve(people, tree, actor):
    case = closing_case(people, tree, handler=people.street_cadre, requester=people.street_cadre)
    before = case_row(case)
    message = refused(actions.do_approve_close, actor=getattr(people, actor), case=case)
    assert message == "只有本单位或上级单位的领导可以批准结案"
    assert case_row(case) == before
    assert FollowUp.objects.count() == 0
    assert actions.can_approve(getattr(people, actor), case) is False


def test_another_leader_approves_and_the_first_follow_up_is_planned(people, tree):
    street_leader = make_leader("street_leader", tree.east)
    case = closing_case(people, tree, handler=people.district_leader, requester=people.district_leader)
    assert actions.can_approve(street_leader, case) is True
    case = actions.do_approve_close(actor=street_leader, case=case)
    stored = Case.objects.get(pk=case.pk)
    assert stored.status == Status.CLOSED
    assert stored.closed_at is not None
    due = days_from_today(30)
    assert list(FollowUp.objects.filter(case=case).values_list("due_on", "done_on")) == [(due, None)]
    event = CaseEvent.objects.get(case=case, action="approve_close")
    assert (event.actor, event.from_status, event.to_status, event.note) == (
        street_leader,
        "closing",
        "closed",
        f"计划{cn_date(due)}前首次回访",
    )


def test_the_first_follow_up_follows_the_configured_limit(people, tree):
    actions.do_set_time_limit(
        actor=people.district_leader, unit=tree.east, kind=Kind.PETITION, step="follow_up", days=10
    )
    case = a_case(people, tree, Status.CLOSED)
    assert list(FollowUp.objects.filter(case=case).values_list("due_on", flat=True)) == [days_from_today(10)]


def test_a_leader_sends_the_close_back_with_a_reason(people, tree):
    case = closing_case(people, tree, handler=people.street_cadre, requester=people.street_cadre)
    before = case_row(case)
    assert refused(actions.do_reject_close, actor=people.district_leader, case=case, reason=" ") == "请填写退回理由"
    assert case_row(case) == before
    case = actions.do_reject_close(actor=people.district_leader, case=case, reason="缺少回访计划")
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.close_requested_by, stored.closed_at) == (Status.FINISHED, None, None)
    assert last_event(case).note == "缺少回访计划"


def test_a_cadre_cannot_send_the_close_back(people, tree):
    case = closing_case(people, tree, handler=people.street_cadre, requester=people.street_cadre)
    message = refused(actions.do_reject_close, actor=people.district_cadre, case=case, reason="不同意")
    assert message == "只有本单位或上级单位的领导可以审批结案"


# --- reopening -----------------------------------------------------------------------------------


def test_reopening_a_closed_case_clears_the_closing_and_drops_the_planned_follow_ups(people, tree):
    case = a_case(people, tree, Status.CLOSED, kind=Kind.VIOLENCE)
    Case.objects.filter(pk=case.pk).update(violence_stopped=True)
    first = FollowUp.objects.get(case=case)
    actions.do_record_follow_up(
        actor=people.street_cadre,
        follow_up=first,
        done_on=today(),
        way=FollowUpWay.PHONE,
        result="情况稳定",
        satisfied=True,
        next_due=days_from_today(20),
    )
    case = actions.do_reopen(actor=people.street_cadre, case=case, reason="再次遭受家暴")
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.closed_at, stored.finished_at, stored.outcome) == (Status.IN_PROGRESS, None, None, "")
    assert (stored.violence_stopped, stored.close_requested_by, stored.finish_due) == (False, None, days_from_today(15))
    assert stored.handler == people.street_cadre
    assert list(FollowUp.objects.filter(case=case).values_list("pk", "done_on")) == [(first.pk, today())]
    assert timeline(case)[-1] == ("reopen", "closed", "in_progress")
    assert last_event(case).note == "再次遭受家暴"


@pytest.mark.parametrize("status", [Status.FINISHED, Status.CLOSING, Status.CLOSED])
def test_reopening_needs_a_reason(people, tree, status):
    case = a_case(people, tree, status)
    before = case_row(case)
    follow_ups = FollowUp.objects.count()
    assert refused(actions.do_reopen, actor=people.street_cadre, case=case, reason="") == "请填写重新办理的原因"
    assert case_row(case) == before
    assert FollowUp.objects.count() == follow_ups


def test_a_reopened_case_can_be_finished_and_closed_again(people, tree):
    case = a_case(people, tree, Status.CLOSED)
    case = actions.do_reopen(actor=people.street_cadre, case=case, reason="当事人再次求助")
    for name in ("finish", "close", "approve_close"):
        case = step(case, name, cadre=people.street_cadre, leader=people.district_leader)
    assert case.status == Status.CLOSED
    assert FollowUp.objects.filter(case=case, done_on__isnull=True).count() == 1


# --- referrals -----------------------------------------------------------------------------------


def test_a_referral_is_recorded_and_answered(people, tree):
    case = a_case(people, tree, Status.IN_PROGRESS)
    referred_on = days_from_today(-5)
    referral = actions.do_refer(
        actor=people.street_cadre,
        case=case,
        to="police",
        organisation=" 东街道派出所 ",
        referred_on=referred_on,
        note="请出具告诫书",
    )
    assert (referral.to, referral.organisation, referral.referred_on, referral.referred_by, referral.note) == (
        "police",
        "东街道派出所",
        referred_on,
        people.street_cadre,
        "请出具告诫书",
    )
    assert Case.objects.get(pk=case.pk).status == Status.REFERRED
    assert last_event(case).note == "转介至东街道派出所(公安)"
    answered = actions.do_answer_referral(
        actor=people.street_cadre, case=case, answer="已出具告诫书", answered_on=referred_on
    )
    stored = Referral.objects.get(pk=referral.pk)
    assert (answered.pk, stored.answer, stored.answered_on) == (referral.pk, "已出具告诫书", referred_on)
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS
    assert timeline(case)[-2:] == [("refer", "in_progress", "referred"), ("answer_referral", "referred", "in_progress")]
    assert last_event(case).note == "东街道派出所已反馈"


def test_an_answer_dated_before_the_referral_is_refused(people, tree):
    case = a_case(people, tree, Status.ACCEPTED)
    referral = actions.do_refer(
        actor=people.street_cadre, case=case, to="court", organisation="区法院", referred_on=days_from_today(-5)
    )
    before = case_row(case)
    message = refused(
        actions.do_answer_referral,
        actor=people.street_cadre,
        case=case,
        answer="已立案",
        answered_on=days_from_today(-6),
    )
    assert message == "反馈日期不能早于转介日期"
    assert case_row(case) == before
    assert Referral.objects.filter(pk=referral.pk).values_list("answer", "answered_on").get() == ("", None)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"to": "embassy", "organisation": "区法院"}, "请选择转介去向"),
        ({"to": "court", "organisation": "  "}, "请填写接收单位名称"),
        ({"to": "court", "organisation": "区法院", "referred_on": "tomorrow"}, "转介日期不能晚于今天"),
    ],
)
def test_a_bad_referral_is_refused(people, tree, arguments, message):
    if arguments.get("referred_on") == "tomorrow":
        arguments = {**arguments, "referred_on": days_from_today(1)}
    case = a_case(people, tree, Status.IN_PROGRESS)
    before = case_row(case)
    assert refused(actions.do_refer, actor=people.street_cadre, case=case, **arguments) == message
    assert case_row(case) == before
    assert Referral.objects.count() == 0


def test_an_answer_needs_its_text(people, tree):
    case = a_case(people, tree, Status.REFERRED)
    assert refused(actions.do_answer_referral, actor=people.street_cadre, case=case, answer=" ") == "请填写反馈内容"


def test_the_answer_goes_to_the_pending_referral_and_an_answered_one_is_not_answered_again(people, tree):
    case = a_case(people, tree, Status.REFERRED)
    first = Referral.objects.get(case=case)
    actions.do_answer_referral(actor=people.street_cadre, case=case, answer="第一次反馈")
    second = actions.do_refer(actor=people.street_cadre, case=case, to="health", organisation="区妇幼保健院")
    message = refused(actions.do_answer_referral, actor=people.street_cadre, case=case, answer="覆盖", referral=first)
    assert message == "没有待反馈的转介"
    actions.do_answer_referral(actor=people.street_cadre, case=case, answer="已验伤")
    assert list(Referral.objects.filter(case=case).order_by("id").values_list("pk", "answer")) == [
        (first.pk, "第一次反馈"),
        (second.pk, "已验伤"),
    ]


def test_a_referral_of_another_case_cannot_be_answered_here(people, tree):
    case = a_case(people, tree, Status.REFERRED)
    other = a_case(people, tree, Status.REFERRED)
    message = refused(
        actions.do_answer_referral,
        actor=people.street_cadre,
        case=case,
        answer="x",
        referral=Referral.objects.get(case=other),
    )
    assert message == "没有待反馈的转介"


# --- transfers -----------------------------------------------------------------------------------


def test_a_case_transferred_down_is_seen_by_the_receiving_unit_and_taken_over(people, tree):
    actions.do_set_time_limit(actor=people.district_leader, unit=tree.east1, kind=Kind.PETITION, step="accept", days=1)
    case = a_case(people, tree, Status.ACCEPTED)
    receiver = people.community_cadre
    assert not cases_for(receiver).filter(pk=case.pk).exists()
    transfer = actions.do_transfer(actor=people.street_cadre, case=case, to_unit=tree.east1, reason="属地办理")
    assert (transfer.from_unit, transfer.to_unit, transfer.reason, transfer.requested_by, transfer.state) == (
        tree.east,
        tree.east1,
        "属地办理",
        people.street_cadre,
        Transfer.State.PENDING,
    )
    assert list(cases_for(receiver).values_list("pk", flat=True)) == [case.pk]
    assert get_case_for_user(receiver, case.pk) == case
    assert get_case_to_handle(receiver, case.pk) == case
    case = actions.do_accept_transfer(actor=receiver, case=case)
    stored = Case.objects.get(pk=case.pk)
    assert (stored.unit, stored.unit_path, stored.status, stored.handler) == (
        tree.east1,
        tree.east1.path,
        Status.REGISTERED,
        None,
    )
    assert (stored.accepted_at, stored.finish_due, stored.accept_due) == (None, None, days_from_today(1))
    assert (stored.transfer_to, stored.transfer_to_path) == (None, "")
    transfer.refresh_from_db()
    assert (transfer.state, transfer.decided_by) == (Transfer.State.ACCEPTED, receiver)
    assert transfer.decided_at is not None
    assert timeline(case)[-2:] == [("transfer", "accepted", "accepted"), ("accept_transfer", "accepted", "registered")]
    assert [e.note for e in CaseEvent.objects.filter(case=case).order_by("id")][-2:] == [
        "转往东一社区:属地办理",
        "东一社区接收",
    ]
    # the receiving unit handles it from now; the street above still sees it
    case = actions.do_accept(actor=receiver, case=case, handler=receiver)
    assert case.handler == receiver
    assert cases_for(people.street_cadre).filter(pk=case.pk).exists()


def test_a_case_transferred_up_is_taken_over_by_the_unit_above(people, tree):
    case = case_in(Status.REGISTERED, unit=tree.east1, cadre=people.community_cadre, leader=people.district_leader)
    actions.do_transfer(actor=people.community_cadre, case=case, to_unit=tree.district, reason="涉及跨街道")
    case = actions.do_accept_transfer(actor=people.district_cadre, case=case)
    assert (case.unit, case.status) == (tree.district, Status.REGISTERED)
    assert not cases_for(people.community_cadre).filter(pk=case.pk).exists()


def test_the_receiving_unit_sends_the_transfer_back_with_a_reason(people, tree):
    case = a_case(people, tree, Status.IN_PROGRESS)
    transfer = actions.do_transfer(actor=people.street_cadre, case=case, to_unit=tree.east1, reason="属地办理")
    before = case_row(case)
    message = refused(actions.do_reject_transfer, actor=people.community_cadre, case=case, reason="")
    assert message == "请填写退回理由"
    assert case_row(case) == before
    case = actions.do_reject_transfer(actor=people.community_cadre, case=case, reason="当事人已搬离本社区")
    stored = Case.objects.get(pk=case.pk)
    assert (stored.unit, stored.status, stored.handler, stored.transfer_to, stored.transfer_to_path) == (
        tree.east,
        Status.IN_PROGRESS,
        people.street_cadre,
        None,
        "",
    )
    transfer.refresh_from_db()
    assert (transfer.state, transfer.decided_by, transfer.decision_reason) == (
        Transfer.State.REJECTED,
        people.community_cadre,
        "当事人已搬离本社区",
    )
    assert not cases_for(people.community_cadre).filter(pk=case.pk).exists()
    assert timeline(case)[-1] == ("reject_transfer", "in_progress", "in_progress")
    assert last_event(case).note == "东一社区退回:当事人已搬离本社区"
    # back at home, the case moves on
    assert actions.do_finish(actor=people.street_cadre, case=case, outcome=Outcome.RESOLVED).status == Status.FINISHED


@pytest.mark.parametrize(
    ("to_unit", "message"),
    [
        ("west", "只能转给上级或下级单位"),
        ("west1", "只能转给上级或下级单位"),
        ("east", "请选择其他单位"),
        (None, "请选择其他单位"),
    ],
)
def test_a_transfer_only_goes_up_or_down_the_tree(people, tree, to_unit, message):
    case = a_case(people, tree, Status.REGISTERED)
    before = case_row(case)
    to = getattr(tree, to_unit) if to_unit else None
    assert refused(actions.do_transfer, actor=people.district_cadre, case=case, to_unit=to, reason="转办") == message
    assert case_row(case) == before
    assert Transfer.objects.count() == 0


def test_a_transfer_to_a_closed_unit_or_without_a_reason_is_refused(people, tree):
    case = a_case(people, tree, Status.REGISTERED)
    before = case_row(case)
    message = refused(actions.do_transfer, actor=people.street_cadre, case=case, to_unit=tree.east1, reason=" ")
    assert message == "请填写转办理由"
    tree.east2.is_closed = True
    tree.east2.save()
    message = refused(actions.do_transfer, actor=people.street_cadre, case=case, to_unit=tree.east2, reason="转办")
    assert message == "该单位已撤销"
    assert case_row(case) == before
    assert Transfer.objects.count() == 0


def test_while_a_transfer_is_pending_the_sending_unit_cannot_move_the_case(people, tree):
    case = a_case(people, tree, Status.IN_PROGRESS)
    actions.do_transfer(actor=people.street_cadre, case=case, to_unit=tree.east1, reason="属地办理")
    before = case_row(case)
    pending = "案件正在转办,等待接收单位处理,暂不能办理"
    cadre = people.street_cadre
    assert refused(actions.do_finish, actor=cadre, case=case, outcome=Outcome.RESOLVED) == pending
    assert refused(actions.do_refer, actor=cadre, case=case, to="court", organisation="区法院") == pending
    assert refused(actions.do_transfer, actor=cadre, case=case, to_unit=tree.east2, reason="改转") == pending
    assert refused(actions.do_transfer, actor=cadre, case=case, to_unit=tree.district, reason="改转") == pending
    assert case_row(case) == before
    assert Transfer.objects.count() == 1


def test_the_cadre_who_sent_a_transfer_down_cannot_answer_it_herself(people, tree):
    case = a_case(people, tree, Status.REGISTERED)
    actions.do_transfer(actor=people.street_cadre, case=case, to_unit=tree.east1, reason="属地办理")
    before = case_row(case)
    own = "不能接收或退回自己发起的转办,请由接收单位的同志处理"
    assert refused(actions.do_accept_transfer, actor=people.street_cadre, case=case) == own
    assert refused(actions.do_reject_transfer, actor=people.street_cadre, case=case, reason="算了") == own
    assert case_row(case) == before
    assert Transfer.objects.get().state == Transfer.State.PENDING


def test_what_was_registered_is_not_changed_while_a_transfer_is_pending(people, tree):
    case = a_case(people, tree, Status.IN_PROGRESS)
    actions.do_transfer(actor=people.street_cadre, case=case, to_unit=tree.east1, reason="属地办理")
    before = case_row(case)
    pending = "案件正在转办,等待接收单位处理,暂不能办理"
    cadre = people.street_cadre
    assert refused(actions.do_update_case, actor=cadre, case=case, narrative="改写") == pending
    assert refused(actions.do_add_party, actor=cadre, case=case, party=actions.Party(name="李某")) == pending
    assert case_row(case) == before
    assert case.parties.count() == 0


def test_a_third_unit_cannot_answer_the_transfer(people, tree):
    east2_cadre = make_user("east2_cadre", tree.east2)
    case = a_case(people, tree, Status.REGISTERED)
    actions.do_transfer(actor=people.street_cadre, case=case, to_unit=tree.east1, reason="属地办理")
    before = case_row(case)
    for outsider in (east2_cadre, people.sibling_street_cadre, people.readonly_user):
        assert refused(actions.do_accept_transfer, actor=outsider, case=case) == "只有接收单位可以接收转办"
        message = refused(actions.do_reject_transfer, actor=outsider, case=case, reason="不接")
        assert message == "只有接收单位可以退回转办"
    assert case_row(case) == before
    assert Transfer.objects.get().state == Transfer.State.PENDING
    assert not cases_for(east2_cadre).filter(pk=case.pk).exists()
    with pytest.raises(Http404):
        get_case_for_user(east2_cadre, case.pk)


def test_the_receiver_of_a_pending_transfer_cannot_work_on_the_case_before_taking_it(people, tree):
    case = a_case(people, tree, Status.REGISTERED)
    actions.do_transfer(actor=people.street_cadre, case=case, to_unit=tree.east1, reason="属地办理")
    before = case_row(case)
    message = refused(actions.do_add_note, actor=people.community_cadre, case=case, note="先看看")
    assert message == "您无权在该单位办理案件"
    assert case_row(case) == before


def test_a_transfer_cannot_be_answered_when_none_is_pending(people, tree):
    case = a_case(people, tree, Status.REGISTERED)
    assert refused(actions.do_accept_transfer, actor=people.street_cadre, case=case) == "该案件没有待接收的转办"
    assert (
        refused(actions.do_reject_transfer, actor=people.street_cadre, case=case, reason="x")
        == "该案件没有待接收的转办"
    )


# --- the timeline --------------------------------------------------------------------------------


def test_the_timeline_records_each_step_with_its_statuses_and_actor(people, tree):
    case = register(people.street_cadre, tree.east)
    for name in ("accept", "start", "refer", "answer_referral", "finish", "close", "reject_close", "close"):
        case = step(case, name, cadre=people.street_cadre, leader=people.district_leader)
    case = step(case, "approve_close", cadre=people.street_cadre, leader=people.district_leader)
    case = step(case, "reopen", cadre=people.street_cadre, leader=people.district_leader)
    actions.do_add_note(actor=people.street_cadre, case=case, note="电话联系当事人")
    assert timeline(case) == [
        ("register", "", "registered"),
        ("accept", "registered", "accepted"),
        ("start", "accepted", "in_progress"),
        ("refer", "in_progress", "referred"),
        ("answer_referral", "referred", "in_progress"),
        ("finish", "in_progress", "finished"),
        ("close", "finished", "closing"),
        ("reject_close", "closing", "finished"),
        ("close", "finished", "closing"),
        ("approve_close", "closing", "closed"),
        ("reopen", "closed", "in_progress"),
        ("note", "in_progress", "in_progress"),
    ]
    actors = list(CaseEvent.objects.filter(case=case).order_by("id").values_list("actor__username", flat=True))
    assert (
        actors == ["street_cadre"] * 7 + ["district_leader", "street_cadre", "district_leader"] + ["street_cadre"] * 2
    )
    assert refused(actions.do_add_note, actor=people.street_cadre, case=case, note=" ") == "请填写办理记录"


def test_the_accept_date_after_a_transfer_counts_from_the_day_it_was_taken(people, tree):
    case = register(people.street_cadre, tree.east, received_at=dt.datetime(2026, 1, 5, 2, tzinfo=dt.UTC))
    assert case.accept_due == dt.date(2026, 1, 8)
    actions.do_transfer(actor=people.street_cadre, case=case, to_unit=tree.east1, reason="属地办理")
    case = actions.do_accept_transfer(actor=people.community_cadre, case=case)
    assert case.accept_due == days_from_today(3)
