"""The rights-protection register (维权案件) in a real browser: a hotline call about domestic
violence from intake to the follow-up visit, transfers between units, the key-family register,
the monthly report with its charts and downloads, and the pages on a phone.

Every expected value is computed from the test database (the demo district of `seed_demo`, with
its year of cases and its key families), never guessed.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import docx
import openpyxl
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from playwright.sync_api import Response, expect

from jinguo.accounts.models import User
from jinguo.cases import actions, limits
from jinguo.cases.models import (
    RISK_FACTORS,
    Case,
    CaseEvent,
    CaseNumber,
    Channel,
    FollowUp,
    KeyFamily,
    Kind,
    Status,
    TimeLimit,
    Transfer,
)
from jinguo.cases.report import MonthlyReport, monthly_report
from jinguo.cases.views.report import report_rows
from jinguo.cases.views.steps import DONE
from jinguo.core.crypto import mask_id_number
from jinguo.core.dates import cn_date
from jinguo.core.models import AuditEntry
from jinguo.core.tree import under
from jinguo.orgs.models import Unit
from jinguo.people.access import persons_for
from jinguo.people.models import Person

from .conftest import DESKTOP, Browse

CASE_PAGE = re.compile(r"/cases/(\d+)/")
REPORT_MONTH = dt.date(2026, 3, 1)  # a month of the demo year (December 2025 to November 2026)
# How the category chart labels its ring (ECharts' own option, as drawn).
PIE_LABEL = "() => echarts.getInstanceByDom(document.querySelector('[data-kind=pie]')).getOption().series[0].label"


# --- helpers ---------------------------------------------------------------------------------------


def settle(browse: Browse) -> None:
    """Let the page finish its own requests before the next step."""
    browse.page.wait_for_load_state("networkidle")


def overflow(browse: Browse) -> int:
    """How many pixels the page is wider than the screen (0: it fits)."""
    return int(
        browse.page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def chinese_date(day: dt.date) -> str:
    """A date as the pages write it: 2026年3月8日."""
    return f"{day.year}年{day.month}月{day.day}日"


def next_number(kind: str, prefix: str) -> str:
    """The number the next case of `kind` registered now will get (2026JB00029)."""
    year = timezone.localdate().year
    counter = CaseNumber.objects.filter(year=year, kind=kind).first()
    return f"{year}{prefix}{(counter.last if counter else 0) + 1:05d}"


def timeline_line(event: CaseEvent) -> str:
    """One line of the case page's timeline (办理记录)."""
    who = f" {event.actor.display_name}" if event.actor else ""
    note = f":{event.note}" if event.note else ""
    return f"{timezone.localtime(event.at):%Y-%m-%d %H:%M}{who} {event.label}{note}"


def transfer_line(t: Transfer) -> str:
    """One line of the case page's transfer card (转办)."""
    line = f"{timezone.localtime(t.requested_at):%Y-%m-%d %H:%M} {t.from_unit.name} → {t.to_unit.name}:{t.reason}"
    line += f" {t.get_state_display()}"
    if t.decided_at and t.decided_by:
        line += f"({timezone.localtime(t.decided_at):%Y-%m-%d},{t.decided_by.display_name})"
    if t.decision_reason:
        line += f":{t.decision_reason}"
    return line


def note_case_openings(browse: Browse, username: str, openings: list[tuple[str, int]]) -> None:
    """Write down (username, case id) each time this browser loads a case page."""

    def seen(response: Response) -> None:
        request = response.request
        path = response.url.removeprefix(browse.base_url).split("?")[0]
        m = CASE_PAGE.fullmatch(path)
        if m and request.method == "GET" and request.resource_type == "document" and response.status == 200:
            openings.append((username, int(m.group(1))))

    browse.page.on("response", seen)


def a_woman_found_alone_by_name(user: User, unit: Unit) -> Person:
    """An adult woman of `unit`'s subtree with an ID number, whom a search for her name finds alone
    in the user's view."""
    seen = persons_for(user)
    women = seen.filter(under("unit_path", unit.path), gender="F", birth_date__lt=dt.date(1990, 1, 1))
    for person in women.exclude(id_hash=None).select_related("unit").order_by("pk")[:300]:
        if seen.search(person.name).count() == 1:
            return person
    raise AssertionError(f"no woman of {unit.name} has a name of her own")


def expect_status_badge(browse: Browse, text: str) -> None:
    expect(browse.page.locator("#case-status")).to_have_text(text)


def expect_message(browse: Browse, text: str) -> None:
    expect(browse.page.locator("#messages")).to_have_text(text)


# --- 1. a hotline call about domestic violence, from intake to the follow-up ----------------------

NARRATIVE = "丈夫酒后殴打,脸部和手臂受伤,拨打12338求助"
FOLLOW_UP_RESULT = "当事人表示丈夫未再动手,已搬回娘家暂住"


def test_street_cadre_takes_a_violence_hotline_call_and_the_leader_approves_its_closing_then_it_is_followed_up(
    open_browser, browse
):
    east = Unit.objects.get(name="城东街道")
    district = Unit.objects.get(name="示范区")
    cadre = User.objects.get(username="jd1_ganbu")
    leader = User.objects.get(username="qu_lingdao")
    person = a_woman_found_alone_by_name(cadre, east)
    assert person.id_number
    number = next_number(Kind.VIOLENCE, "JB")
    assert number.startswith(f"{timezone.localdate().year}JB")
    openings: list[tuple[str, int]] = []
    page = browse.page

    # The intake form, from the side menu and the case list.
    browse.login("jd1_ganbu")
    note_case_openings(browse, "jd1_ganbu", openings)
    page.locator("#menu").get_by_role("link", name="维权案件").click()
    expect(page).to_have_url(browse.url("/cases/"))
    expect(page.locator("h1")).to_have_text("维权案件")
    settle(browse)
    page.get_by_role("link", name="登记来信来访").click()
    expect(page).to_have_url(browse.url("/cases/new/"))
    expect(page.locator("h1")).to_have_text("登记来信来访 / 调解 / 家暴案件")
    form = page.locator("#case-form")
    expect(form.get_by_label("登记单位")).to_have_value(str(east.pk))  # her street, her only unit
    factors = form.locator("[data-violence]")
    category = form.get_by_label("类别", exact=True)
    expect(factors).to_be_hidden()
    expect(category).to_be_enabled()

    # 家庭暴力: the risk factors appear, the category is decided (the script disables its select).
    form.get_by_label("类型").select_option(label="家庭暴力")
    expect(factors).to_be_visible()
    expect(factors.get_by_role("checkbox")).to_have_count(len(RISK_FACTORS))
    expect(category).to_be_disabled()
    form.get_by_label("来源渠道").select_option(label="电话/12338")

    # She finds the caller in the registry by name: the hits come in by htmx as radio buttons.
    expect(form.get_by_label("人员台账中已登记")).to_be_checked()
    form.get_by_label("查找当事人").fill(person.name)
    hits = form.locator("#person-results .pick-hit")
    expect(hits.locator("label")).to_have_text([f"{person.name} {mask_id_number(person.id_number)} {person.unit.name}"])
    hits.get_by_role("radio").check()
    form.get_by_label("事由(发生了什么)").fill(NARRATIVE)
    form.get_by_label("已造成明显身体伤害").check()
    settle(browse)
    form.get_by_role("button", name="登记", exact=True).click()

    # The case page: its number, 高风险, status 登记.
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get(number=number)
    expect(page).to_have_url(browse.url(f"/cases/{case.pk}/"))
    expect_message(browse, f"已登记,编号 {number}")
    expect(page.locator("h1")).to_have_text(number)
    expect(page.locator("#case-badges .badge")).to_have_text(["家庭暴力", "登记", "高风险"])
    received = timezone.localtime(case.received_at)
    expect(page.locator("#case-facts dd")).to_have_text(
        [
            person.name,
            "电话/12338",
            f"{chinese_date(received.date())} {received:%H:%M},{cadre.display_name}登记",
            "家庭暴力",
            "城东街道",
            NARRATIVE,
            "—",
            "已造成明显身体伤害",
            "—",
            f"应于{chinese_date(case.accept_due)}前受理",
        ]
    )
    assert (case.kind, case.category.code, case.channel, case.person, case.unit) == (
        Kind.VIOLENCE,
        "domestic_violence",
        Channel.PHONE,
        person,
        east,
    )
    assert (case.risk_level, case.factor_codes, case.status, case.registered_by) == (
        "high",
        ["injury"],
        Status.REGISTERED,
        cadre,
    )
    browse.shoot("40-case-registered")

    # 受理, with herself as the handler (chosen already).
    accept = page.locator("#step-accept")
    expect(accept).to_have_attribute("open", "")
    handler = accept.get_by_label("承办人")
    expect(handler).to_have_value(str(cadre.pk))
    expect(handler.locator("option:checked")).to_have_text(cadre.display_name)
    settle(browse)
    accept.locator("form").get_by_role("button", name="受理").click()
    expect_message(browse, DONE["accept"])
    expect_status_badge(browse, "受理")

    # 办结: 已解决, and the violence was stopped.
    finish = page.locator("#step-finish")
    finish.locator("summary").click()
    finish.get_by_label("办理结果").select_option(label="已解决")
    finish.get_by_label("制止了家庭暴力").check()
    settle(browse)
    finish.locator("form").get_by_role("button", name="办结").click()
    expect_message(browse, DONE["finish"])
    expect_status_badge(browse, "办结")
    expect(page.locator("#case-facts dd").nth(10)).to_have_text("已解决 制止家庭暴力")

    # 申请结案: now it waits for a leader; she may not approve it herself.
    settle(browse)
    page.locator("#step-close").get_by_role("button", name="申请结案").click()
    expect_message(browse, DONE["close"])
    expect_status_badge(browse, "待审批结案")
    expect(page.get_by_role("button", name="批准结案")).to_have_count(0)
    expect(page.locator("#step-approve_close")).to_have_count(0)
    case.refresh_from_db()
    assert (case.status, case.handler, case.close_requested_by, case.violence_stopped) == (
        Status.CLOSING,
        cadre,
        cadre,
        True,
    )

    # The leader finds it on her work bench and approves it.
    waiting = (
        Case.objects.filter(under("unit_path", district.path), status=Status.CLOSING)
        .exclude(handler=leader)
        .exclude(close_requested_by=leader)
    )
    assert list(waiting) == [case]
    boss = open_browser(DESKTOP)
    boss.login("qu_lingdao")
    note_case_openings(boss, "qu_lingdao", openings)
    todo = boss.page.locator("#todo-to_approve")
    expect(todo.locator(".small")).to_have_text("待我审批结案")
    expect(todo.locator(".figure-big")).to_have_text(str(waiting.count()))
    settle(boss)
    todo.click()
    expect(boss.page).to_have_url(boss.url("/cases/?status=closing"))
    expect(boss.page.locator("#case-table tbody td:nth-child(1) a")).to_have_text([number])
    settle(boss)
    boss.page.locator("#case-table").get_by_role("link", name=number).click()
    expect(boss.page).to_have_url(boss.url(f"/cases/{case.pk}/"))
    expect_status_badge(boss, "待审批结案")
    settle(boss)
    boss.page.locator("#step-approve_close").get_by_role("button", name="批准结案").click()
    expect_message(boss, DONE["approve_close"])
    expect_status_badge(boss, "结案")
    case.refresh_from_db()
    closed_on = timezone.localtime(case.closed_at).date()
    assert limits.days_for(east, Kind.VIOLENCE, TimeLimit.Step.FOLLOW_UP) == 30
    follow_up = FollowUp.objects.get(case=case)
    assert (follow_up.due_on, follow_up.done_on) == (closed_on + dt.timedelta(days=30), None)
    planned = boss.page.locator("#follow-ups li")
    expect(planned).to_have_count(1)
    expect(planned).to_contain_text(f"计划 {follow_up.due_on:%Y-%m-%d} 前回访")

    # jd1_ganbu phones the woman and records the follow-up.
    settle(browse)
    browse.goto(f"/cases/{case.pk}/")
    expect_status_badge(browse, "结案")
    card = page.locator("#follow-ups")
    card.locator("summary", has_text="登记回访").click()
    record = card.locator(f"form[action='/cases/{case.pk}/follow-ups/{follow_up.pk}/']")
    expect(record.get_by_label("回访日期", exact=True)).to_have_value("")  # blank: today
    record.get_by_label("回访方式").select_option(label="电话")
    record.get_by_label("回访情况").fill(FOLLOW_UP_RESULT)
    record.get_by_label("当事人是否满意").select_option(label="满意")
    settle(browse)
    record.get_by_role("button", name="登记").click()
    expect_message(browse, "已登记回访")
    follow_up.refresh_from_db()
    assert (follow_up.way, follow_up.satisfied, follow_up.by, follow_up.result) == (
        "phone",
        True,
        cadre,
        FOLLOW_UP_RESULT,
    )
    assert follow_up.done_on == timezone.localdate()
    expect(card.locator("li")).to_have_text(
        [f"{follow_up.done_on:%Y-%m-%d} 电话回访({cadre.display_name}):{FOLLOW_UP_RESULT} 满意"]
    )

    # The timeline lists every step, in order.
    events = list(case.events.select_related("actor"))
    assert [(e.action, e.actor) for e in events] == [
        ("register", cadre),
        ("accept", cadre),
        ("finish", cadre),
        ("close", cadre),
        ("approve_close", leader),
        ("follow_up", cadre),
    ]
    assert [e.note for e in events] == [
        "",
        f"承办人:{cadre.display_name}",
        "已解决(制止家庭暴力)",
        "",
        f"计划{cn_date(follow_up.due_on)}前首次回访",
        "电话回访,满意",
    ]
    expect(page.locator("#timeline li")).to_have_text([timeline_line(e) for e in events])
    browse.shoot("41-case-followed-up")

    # Each opening of this violence case's page wrote one access row to the audit log.
    mine = [who for who, pk in openings if pk == case.pk]
    assert mine == ["jd1_ganbu"] * 4 + ["qu_lingdao"] * 2 + ["jd1_ganbu"] * 2
    rows = AuditEntry.objects.filter(
        event="access", content_type=ContentType.objects.get_for_model(Case), object_pk=str(case.pk)
    ).order_by("pk")
    assert [r.username for r in rows] == mine
    assert {(r.object_repr, r.path, json.dumps(r.additional_data)) for r in rows} == {
        (number, f"/cases/{case.pk}/", json.dumps({"opened": "violence_case"}))
    }


# --- 2. transfers between units ----------------------------------------------------------------------


def transfer(browse: Browse, case: Case, to: Unit, reason: str) -> Transfer:
    """On the case page: 转办 to `to`, with the reason; the pending transfer."""
    page = browse.page
    settle(browse)
    browse.goto(f"/cases/{case.pk}/")
    step = page.locator("#step-transfer")
    step.locator("summary").click()
    step.get_by_label("转往单位").select_option(str(to.pk))
    step.get_by_label("转办理由").fill(reason)
    settle(browse)
    step.locator("form").get_by_role("button", name="转办").click()
    expect_message(browse, DONE["transfer"])
    expect(page).to_have_url(browse.url(f"/cases/{case.pk}/"))
    expect(page.locator("#case-badges .badge").last).to_have_text(f"转办中:{to.name}")
    pending = Transfer.objects.select_related("from_unit", "to_unit").get(case=case, state=Transfer.State.PENDING)
    expect(page.locator("#transfers li")).to_have_text([transfer_line(pending)])
    return pending


def test_district_cadre_transfers_a_case_down_the_street_accepts_it_and_another_refused_stays_with_her(
    open_browser, browse
):
    district = Unit.objects.get(name="示范区")
    east = Unit.objects.get(name="城东街道")
    west = Unit.objects.get(name="城西街道")
    qu = User.objects.get(username="qu_ganbu")
    jd1 = User.objects.get(username="jd1_ganbu")
    jd2 = User.objects.get(username="jd2_ganbu")
    # Two visits to the district office this morning, registered there.
    first, second = (
        actions.do_register_case(
            actor=qu,
            unit=district,
            kind=Kind.PETITION,
            channel=Channel.VISIT,
            category=code,
            anonymous=True,
            narrative=narrative,
        )
        for code, narrative in (
            ("labour", "在城东街道一家工厂上班,怀孕后被调岗降薪"),
            ("property_land", "出嫁后村里不分土地征收款"),
        )
    )
    assert not Case.objects.exclude(transfer_to=None).exists()
    page = browse.page

    browse.login("qu_ganbu")
    sent = transfer(browse, first, east, "用工单位在城东街道辖区,请街道妇联就近协调")
    assert (sent.from_unit, sent.to_unit, sent.requested_by) == (district, east, qu)

    # The street cadre: 待接收转办 on her work bench, the case in the list, 接收.
    street = open_browser(DESKTOP)
    street.login("jd1_ganbu")
    incoming = Case.objects.filter(under("transfer_to_path", east.path))
    assert list(incoming) == [first]
    todo = street.page.locator("#todo-transfers")
    expect(todo.locator(".small")).to_have_text("待接收转办")
    expect(todo.locator(".figure-big")).to_have_text(str(incoming.count()))
    settle(street)
    todo.click()
    expect(street.page).to_have_url(street.url("/cases/?status=transfer_in"))
    expect(street.page.locator("#case-tabs .nav-link.active")).to_have_text("待接收转办")
    row = street.page.locator("#case-table tbody tr")
    expect(row.locator("td:nth-child(1) a")).to_have_text([first.number])
    expect(row.locator("td:nth-child(7)")).to_have_text(["登记 转办中:城东街道"])
    settle(street)
    row.get_by_role("link", name=first.number).click()
    steps = street.page.locator("#steps")
    expect(steps.locator("p")).to_have_text("示范区将本案转给城东街道办理。")
    expect(street.page.locator("#step-transfer")).to_have_count(0)
    settle(street)
    street.page.locator("#step-accept_transfer").get_by_role("button", name="接收").click()
    expect_message(street, DONE["accept_transfer"])
    expect(street.page).to_have_url(street.url(f"/cases/{first.pk}/"))
    expect(street.page.locator("#case-badges .badge")).to_have_text(["来信来访", "登记"])
    expect(street.page.locator("#case-facts dd").nth(4)).to_have_text("城东街道")
    expect(street.page.locator("#step-accept")).to_be_visible()  # hers to accept now
    first.refresh_from_db()
    assert (first.unit, first.status, first.transfer_to, first.handler) == (east, Status.REGISTERED, None, None)
    sent.refresh_from_db()
    assert (sent.state, sent.decided_by) == (Transfer.State.ACCEPTED, jd1)
    expect(street.page.locator("#transfers li")).to_have_text([transfer_line(sent)])
    assert Case.objects.filter(pk=first.pk, unit_path__startswith=east.path).exists()

    # The second, sent to 城西街道, is refused there (退回) and stays with the district.
    refusal = "该村属青山镇,不在城西街道辖区"
    sent = transfer(browse, second, west, "当事人现住城西街道")
    other = open_browser(DESKTOP)
    other.login("jd2_ganbu")
    settle(other)
    other.goto("/cases/?status=transfer_in")
    expect(other.page.locator("#case-table tbody td:nth-child(1) a")).to_have_text([second.number])
    settle(other)
    other.page.locator("#case-table").get_by_role("link", name=second.number).click()
    step = other.page.locator("#step-reject_transfer")
    step.locator("summary").click()
    step.get_by_label("理由").fill(refusal)
    settle(other)
    step.locator("form").get_by_role("button", name="退回").click()
    expect(other.page).to_have_url(other.url("/cases/"))  # no longer hers to see
    expect_message(other, DONE["reject_transfer"])
    other.expect_status(f"/cases/{second.pk}/", 404)
    settle(other)
    response = other.goto(f"/cases/{second.pk}/")
    assert response is not None and response.status == 404

    second.refresh_from_db()
    assert (second.unit, second.status, second.transfer_to, second.transfer_to_path) == (
        district,
        Status.REGISTERED,
        None,
        "",
    )
    sent.refresh_from_db()
    assert (sent.state, sent.decided_by, sent.decision_reason) == (Transfer.State.REJECTED, jd2, refusal)
    settle(browse)
    browse.goto(f"/cases/{second.pk}/")
    expect(page.locator("#case-badges .badge")).to_have_text(["来信来访", "登记"])
    expect(page.locator("#case-facts dd").nth(4)).to_have_text("示范区")
    expect(page.locator("#transfers li")).to_have_text([transfer_line(sent)])
    expect(page.locator("#step-transfer")).to_have_count(1)  # she may send it elsewhere
    browse.shoot("42-transfer-refused")


# --- 3. the key-family register --------------------------------------------------------------------

LISTING_REASON = "夫妻因子女抚养问题长期争吵,女方提出离婚"
VISIT_FOUND = "双方情绪平稳,已约定下周到社区妇女之家调解"


def test_a_cadre_lists_a_family_from_a_persons_page_and_each_visit_sets_the_next_one_an_interval_later(browse):
    east = Unit.objects.get(name="城东街道")
    cadre = User.objects.get(username="jd1_ganbu")
    person = (
        Person.objects.filter(under("unit_path", east.path), gender="F")
        .exclude(pk__in=KeyFamily.objects.listed().values("person_id"))
        .select_related("unit")
        .order_by("pk")
        .first()
    )
    assert person is not None
    interval = 21
    today = timezone.localdate()
    page = browse.page

    browse.login("jd1_ganbu")
    settle(browse)
    browse.goto(f"/people/{person.pk}/")
    expect(page.locator("h1")).to_have_text(person.name)
    settle(browse)
    page.locator("#person-cases").get_by_role("link", name="列入重点家庭").click()
    expect(page).to_have_url(browse.url(f"/cases/families/new/?person={person.pk}"))
    expect(page.locator("h1")).to_have_text(f"列入重点家庭 · {person.name}家")
    form = page.locator("#family-form")
    form.get_by_label("类别").select_option(label="橙色(婚姻矛盾)")
    form.get_by_label("列入原因").fill(LISTING_REASON)
    expect(form.get_by_label("责任人")).to_have_value(str(cadre.pk))
    form.get_by_label("走访间隔(天)").fill(str(interval))
    settle(browse)
    form.get_by_role("button", name="保存").click()

    expect(page).to_have_url(re.compile(r"/cases/families/\d+/$"))
    family = KeyFamily.objects.get(person=person, lifted_on=None)
    expect(page).to_have_url(browse.url(f"/cases/families/{family.pk}/"))
    expect_message(browse, f"已将{person.name}家(橙)列入重点家庭名册")
    expect(page.locator("h1")).to_have_text(f"{person.name}家")
    expect(page.locator("main .badge")).to_have_text(["橙色(婚姻矛盾)"])
    facts = page.locator("#family-facts dd")
    expect(facts).to_have_text(
        [
            person.name,
            person.unit.name,
            LISTING_REASON,
            cadre.display_name,
            f"{interval}天",
            chinese_date(today + dt.timedelta(days=interval)),
            chinese_date(today),
        ]
    )
    assert (family.colour, family.responsible, family.visit_interval_days, family.listed_on) == (
        "orange",
        cadre,
        interval,
        today,
    )
    assert family.next_visit_due == today + dt.timedelta(days=interval)
    expect(page.locator("#visits li")).to_have_text(["尚无走访记录"])

    # Three weeks on, the visit is due today. (The browser cannot wait three weeks: the listing
    # moves back three weeks in the database.)
    KeyFamily.objects.filter(pk=family.pk).update(listed_on=today - dt.timedelta(days=interval), next_visit_due=today)
    settle(browse)
    page.reload()
    next_visit = page.locator("#next-visit")
    expect(next_visit).to_have_text(chinese_date(today))
    expect(page.locator("#visit-overdue")).to_have_count(0)  # due today is not late

    visit = page.locator("#visit-form")
    expect(visit.get_by_label("走访日期")).to_have_value(today.isoformat())
    visit.get_by_label("走访日期").fill(today.isoformat())
    visit.get_by_label("同行人员").fill("东湖社区妇联主席")
    visit.get_by_label("走访情况").fill(VISIT_FOUND)
    settle(browse)
    visit.get_by_role("button", name="登记走访").click()
    expect_message(browse, "已登记走访")
    expect(next_visit).to_have_text(chinese_date(today + dt.timedelta(days=interval)))
    expect(page.locator("#visits li")).to_have_text(
        [f"{today:%Y-%m-%d} {cadre.display_name}、东湖社区妇联主席:{VISIT_FOUND}"]
    )
    family.refresh_from_db()
    assert family.next_visit_due == today + dt.timedelta(days=interval)
    assert list(family.visits.values_list("visited_on", "visitor", "found")) == [(today, cadre.pk, VISIT_FOUND)]
    browse.shoot("43-family-visited")

    # The person's page now names the family instead of offering to list it.
    settle(browse)
    browse.goto(f"/people/{person.pk}/")
    cases_card = page.locator("#person-cases")
    expect(cases_card.get_by_role("link", name="列入重点家庭")).to_have_count(0)
    expect(cases_card.locator(".list-group-item").first).to_have_text(
        f"重点家庭 橙色(婚姻矛盾) 下次走访 {family.next_visit_due:%Y-%m-%d}"
    )


# --- 4. the monthly report -------------------------------------------------------------------------


def expect_report(browse: Browse, report: MonthlyReport) -> None:
    """The sentence, the four figure cards and both charts of `report`, drawn on a canvas."""
    page = browse.page
    expect(page.locator("#report-sentence")).to_have_text(report.sentence())
    figures = page.locator("#report-figures")
    expect(figures.locator(".figure-big")).to_have_text(
        [
            str(report.received),
            f"{report.finished} / {report.closed}",
            str(report.violence_stopped),
            f"{report.open_at_end} / {report.overdue_at_end}",
        ]
    )
    share = "—" if report.violence_share is None else f"{report.violence_share}%"
    satisfaction = "—" if report.satisfaction is None else f"{report.satisfaction}%"
    expect(figures.locator(".small")).to_have_text(
        [
            "受理",
            "办结 / 结案",
            "制止家庭暴力",
            f"家暴占婚姻家庭问题 {share}",
            "月末在办 / 超期",
            f"回访 {report.follow_ups_done} 次,满意率 {satisfaction}",
        ]
    )
    by_channel = {"labels": [r.label for r in report.by_channel], "values": [r.count for r in report.by_channel]}
    by_category = [{"name": r.label, "value": r.count} for r in report.by_category if r.count]
    for kind, data in (("bar", by_channel), ("pie", by_category)):
        chart = page.locator(f".chart[data-kind={kind}]")
        expect(chart).to_have_attribute("data-drawn", "1")
        canvas = chart.locator("canvas")
        expect(canvas).to_have_count(1)
        expect(canvas).to_be_visible()
        assert canvas.evaluate("c => c.width > 0 && c.height > 0")
        source = chart.get_attribute("data-chart")
        assert json.loads(page.locator(f"#{source}").text_content() or "") == data
    drawn = page.evaluate(
        """() => [...document.querySelectorAll('.chart')].map(el => {
             const series = echarts.getInstanceByDom(el).getOption().series[0];
             return series.data.map(d => typeof d === 'object' ? [d.name, d.value] : d);
           })"""
    )
    assert drawn == [by_channel["values"], [[d["name"], d["value"]] for d in by_category]]


def test_the_monthly_report_of_a_past_month_matches_the_register_and_downloads_as_excel_and_word(
    browse, tmp_path: Path
):
    district = Unit.objects.get(name="示范区")
    qu = User.objects.get(username="qu_ganbu")
    report = monthly_report(qu, district, REPORT_MONTH)
    assert report.received and report.violence_stopped and report.follow_ups_done  # a month with all of it
    month = f"{REPORT_MONTH:%Y-%m}"
    page = browse.page

    browse.login("qu_ganbu")
    settle(browse)
    page.locator("#menu").get_by_role("link", name="维权月报").click()
    expect(page).to_have_url(browse.url("/cases/report/"))
    expect(page.locator("h1")).to_have_text("维权工作月报")
    form = page.locator("#report-filter")
    expect(form.get_by_label("单位(含下级)")).to_have_value(str(district.pk))
    form.get_by_label("单位(含下级)").select_option(str(district.pk))
    form.get_by_label("月份").fill(month)
    settle(browse)
    form.get_by_role("button", name="统计").click()
    expect(page).to_have_url(browse.url(f"/cases/report/?unit={district.pk}&month={month}"))
    expect(form.get_by_label("月份")).to_have_value(month)
    expect_report(browse, report)
    assert page.evaluate(PIE_LABEL)["formatter"] == "{b} {c}"  # names and counts beside the ring
    expect(page.locator("#by-unit tbody td:nth-child(1)")).to_have_text([r.label for r in report.by_unit])
    expect(page.locator("#by-unit tbody td:nth-child(2)")).to_have_text([str(r.count) for r in report.by_unit])
    browse.shoot("44-report-month")

    # The Excel download: its name, and the rows of the report.
    settle(browse)
    with page.expect_download() as xlsx:
        page.get_by_role("link", name="导出 Excel").click()
    assert xlsx.value.suggested_filename == f"维权工作月报-示范区-{month}.xlsx"
    path = tmp_path / xlsx.value.suggested_filename
    xlsx.value.save_as(path)
    sheet = openpyxl.load_workbook(path, read_only=True).active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["项目", "分项", "数量"]
    assert rows[1:] == [[None if v == "" else v for v in r] for r in report_rows(report)]

    # The Word download: its name, and the report's sentence in it.
    with page.expect_download() as word:
        page.get_by_role("link", name="导出 Word").click()
    assert word.value.suggested_filename == f"维权工作月报-示范区-{month}.docx"
    path = tmp_path / word.value.suggested_filename
    word.value.save_as(path)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(path.read_bytes())).paragraphs)
    assert report.sentence() in text
    assert "示范区" in text


# --- 5. on a phone ---------------------------------------------------------------------------------


def test_on_a_phone_the_intake_form_list_case_page_and_report_fit_and_an_anonymous_call_is_registered(phone):
    east = Unit.objects.get(name="城东街道")
    cadre = User.objects.get(username="jd1_ganbu")
    number = next_number(Kind.PETITION, "XF")
    narrative = "来电反映丈夫长期不给家用,要求妇联协调,不愿留下姓名"
    page = phone.page

    phone.login("jd1_ganbu")
    settle(phone)
    phone.goto("/cases/new/")
    expect(page.locator("h1")).to_have_text("登记来信来访 / 调解 / 家暴案件")
    assert overflow(phone) == 0
    form = page.locator("#case-form")
    search = form.get_by_label("查找当事人")
    expect(search).to_be_visible()
    box = search.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    phone.shoot("45-case-form")

    # Anonymous: the registry search and the new-person fields go away.
    form.get_by_label("匿名", exact=True).check()
    expect(search).to_be_hidden()
    expect(form.get_by_label("姓名", exact=True)).to_be_hidden()
    expect(form.locator("[data-violence]")).to_be_hidden()  # kind 来信来访
    form.get_by_label("类别", exact=True).select_option(label="婚姻家庭")
    form.get_by_label("来源渠道").select_option(label="电话/12338")
    form.get_by_label("事由(发生了什么)").fill(narrative)
    button = form.get_by_role("button", name="登记", exact=True)
    button.scroll_into_view_if_needed()
    expect(button).to_be_in_viewport()
    settle(phone)
    button.tap()

    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get(number=number)
    expect(page).to_have_url(phone.url(f"/cases/{case.pk}/"))
    expect_message(phone, f"已登记,编号 {number}")
    expect(page.locator("h1")).to_have_text(number)
    expect(page.locator("#case-badges .badge")).to_have_text(["来信来访", "登记"])
    expect(page.locator("#case-facts dd").first).to_have_text("匿名")
    assert (case.anonymous, case.person, case.unit, case.category.code, case.channel, case.registered_by) == (
        True,
        None,
        east,
        "marriage_family",
        Channel.PHONE,
        cadre,
    )
    assert overflow(phone) == 0
    # one column: what she came for, then what to do next, the other parties, the timeline last
    tops = {
        card: page.locator(f"#{card}").bounding_box()["y"] for card in ("case-info", "steps", "parties", "timeline")
    }
    assert sorted(tops, key=tops.__getitem__) == ["case-info", "steps", "parties", "timeline"]
    phone.shoot("46-case")

    # The list: the page fits, the wide table scrolls inside its wrapper; her call comes first.
    settle(phone)
    phone.goto("/cases/")
    expect(page.locator("h1")).to_have_text("维权案件")
    wrapper = page.locator(".table-responsive:has(#case-table)")
    expect(wrapper).to_have_count(1)
    expect(page.locator("#case-table tbody tr").first.locator("td").first).to_have_text(number)
    assert overflow(phone) == 0
    assert wrapper.evaluate("w => w.scrollWidth > w.clientWidth")
    phone.shoot("47-cases")

    # Her street's report of a past month, both charts drawn.
    month = f"{REPORT_MONTH:%Y-%m}"
    settle(phone)
    phone.goto(f"/cases/report/?month={month}")
    expect(page.locator("h1")).to_have_text("维权工作月报")
    expect_report(phone, monthly_report(cadre, east, REPORT_MONTH))
    assert page.evaluate(PIE_LABEL)["position"] == "inside"  # the names are in the legend, the counts on the ring
    assert overflow(phone) == 0
    phone.shoot("48-report")


# --- 6. the case list's filter form at every width ----------------------------------------------------

# For each select and date box of the case filter: its name, what it shows, and whether that fits
# beside the arrow (or the calendar button): the text's width in the control's font plus its padding
# (plus the button), against the control's width.
FILTERS_SHOWN_WHOLE = """() => [...document.querySelectorAll('#case-filter select, #case-filter input[type=date]')]
  .map(el => {
    const cs = getComputedStyle(el), probe = document.createElement('span'), date = el.type === 'date';
    probe.style.cssText = 'position:absolute;visibility:hidden;white-space:pre';
    probe.style.font = cs.font;
    probe.textContent = date ? '0000/00/00' : el.options[el.selectedIndex].text;
    document.body.append(probe);
    const needed = probe.getBoundingClientRect().width + parseFloat(cs.paddingLeft) + parseFloat(cs.paddingRight)
      + (date ? 24 : 0);
    probe.remove();
    return [el.name, date ? el.value : probe.textContent.trim(), needed <= el.clientWidth];
  })"""


def test_the_case_filter_fits_phones_tablets_and_laptops_and_shows_every_chosen_filter_whole(browse):
    """The longest choices (财产与土地权益, 待接收转办, 电话/12338) and the dates stay readable."""
    east = Unit.objects.get(name="城东街道")
    chosen = {
        "kind": "violence",
        "status": "transfer_in",
        "category": "property_land",
        "channel": "phone",
        "unit": str(east.pk),
        "received_from": "2026-01-01",
        "received_to": "2026-02-01",
    }
    query = "&".join(f"{k}={v}" for k, v in chosen.items())
    blank = [
        ["kind", "全部类型"],
        ["status", "全部状态"],
        ["category", "全部类别"],
        ["channel", "全部渠道"],
        ["unit", "全部单位(含下级)"],
        ["received_from", ""],
        ["received_to", ""],
    ]
    shown = [
        ["kind", "家庭暴力"],
        ["status", "待接收转办"],
        ["category", "财产与土地权益"],
        ["channel", "电话/12338"],
        ["unit", "城东街道"],
        ["received_from", "2026-01-01"],
        ["received_to", "2026-02-01"],
    ]
    page = browse.page

    browse.login("qu_ganbu")
    for width in (360, 390, 768, 1024, 1200, 1366, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        for path, expected in (("/cases/", blank), (f"/cases/?{query}", shown)):
            settle(browse)
            browse.goto(path)
            expect(page.locator("h1")).to_have_text("维权案件")
            assert (width, path, overflow(browse)) == (width, path, 0)
            expect(page.locator("#case-filter").get_by_role("button", name="筛选")).to_be_in_viewport(ratio=1)
            assert (width, page.evaluate(FILTERS_SHOWN_WHOLE)) == (width, [[*e, True] for e in expected])
        expect(page.locator("#case-filter").get_by_role("link", name="清除")).to_be_in_viewport(ratio=1)
        if width in (768, 1366):
            browse.shoot(f"49-cases-filtered-{width}")
