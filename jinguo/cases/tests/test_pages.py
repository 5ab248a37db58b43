"""A cadre's journey through the pages of the case register, driven with the test Client: the
intake form, the list and its filters, the case page with its steps, parties, follow-ups and
mediation, the agreement document, the key-family register and the screenings, the monthly report,
the unit's settings, the person page's card and the work bench. Each page is read back as a cadre
reads it (the HTML parsed with small regex helpers) and each write is checked in the database;
every refusal is a Chinese message on the page that was sent, and nothing changed."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from jinguo.cases import actions
from jinguo.cases.models import (
    Case,
    CaseEvent,
    CaseParty,
    Channel,
    Colour,
    DocumentTemplate,
    FollowUp,
    KeyFamily,
    KeyFamilyVisit,
    Kind,
    Outcome,
    Referral,
    Screening,
    ScreeningResult,
    Status,
    TimeLimit,
    Transfer,
)
from jinguo.core.dates import cn_date
from jinguo.core.models import AuditEntry
from jinguo.people import actions as people_actions
from jinguo.people.models import Person
from jinguo.people.tests.helpers import build_registry

from .helpers import (
    alerts,
    at,
    case_in,
    case_row,
    count_line,
    days_from_today,
    element,
    field_errors,
    flashed,
    follow_up_done,
    handled_case,
    html_of,
    make_leader,
    marked_rows,
    page_text,
    register,
    register_snapshot,
    set_times,
    step_buttons,
    table_rows,
    timeline_shown,
    today,
)

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def reg(tree, people):
    """The people registry of the shared tree (张晓燕 at 东一社区 heads a household …)."""
    return build_registry(tree, people.district_cadre)


def audit(event: str) -> list[tuple[Any, str, str, Any]]:
    """The audit log's rows of `event`: (actor, model, object pk, detail)."""
    return [
        (e.actor, e.content_type.model if e.content_type else "", e.object_pk, e.additional_data)
        for e in AuditEntry.objects.filter(event=event).order_by("pk")
    ]


def facts(page: Any) -> dict[str, str]:
    """The case page's 登记信息 as label → text."""
    pairs = re.findall(r"<dt[^>]*>(.*?)</dt><dd[^>]*>(.*?)</dd>", element(page, "case-facts", "dl"), re.S)
    return {page_text(k): page_text(v) for k, v in pairs}


def parties_shown(page: Any) -> list[str]:
    return [page_text(li) for li in re.findall(r"<li[^>]*>(.*?)</li>", element(page, "parties", "ul"), re.S)]


def badges(page: Any) -> str:
    return page_text(element(page, "case-badges"))


def ymd(day: dt.date) -> str:
    return f"{cn_date(day)}"


def docx_paragraphs(data: bytes) -> list[str]:
    doc = Document(io.BytesIO(data))
    return [p.text for p in doc.paragraphs]


def xlsx_rows(data: bytes) -> list[tuple[Any, ...]]:
    book = load_workbook(io.BytesIO(data))
    return [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def docx_with(*paragraphs: str) -> bytes:
    doc = Document()
    for p in paragraphs:
        doc.add_paragraph(p)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# --- the intake form ---------------------------------------------------------------------------------


def intake(unit: Any, **fields: Any) -> dict[str, Any]:
    """What a cadre sends from /cases/new/ for a phone call (the fields she did not touch as sent)."""
    data: dict[str, Any] = {
        "unit": str(unit.pk),
        "kind": "petition",
        "channel": "phone",
        "received_at": "2026-11-30T09:30",
        "category": "marriage_family",
        "urgency": "normal",
        "who": "anonymous",
        "narrative": "丈夫长期不给生活费",
        "request": "希望妇联协调",
        "new_name": "",
        "new_gender": "",
        "new_phone": "",
        "new_id_number": "",
    }
    for i in range(3):
        data.update({f"party_{i}_name": "", f"party_{i}_role": "respondent", f"party_{i}_relation": ""})
        data[f"party_{i}_phone"] = ""
    data.update(fields)
    return data


def test_the_intake_form_offers_the_units_she_may_register_at(people, tree, login):
    page = login(people.street_cadre).get("/cases/new/")
    assert page.status_code == 200
    select = element(page, "id_unit", "select")
    options = re.findall(r'<option value="(\d*)"( selected)?>(.*?)</option>', select)
    assert options == [
        ("", "", "请选择登记单位"),
        (str(tree.east.pk), " selected", "东街道"),
        (str(tree.east1.pk), "", "\u3000东一社区"),
        (str(tree.east2.pk), "", "\u3000东二社区"),
    ]


def test_a_phone_call_for_a_registered_person(reg, people, tree, login):
    client = login(people.street_cadre)
    data = intake(tree.east1, who="registered", person=str(reg.zhang.pk))
    data.update(party_0_name="王强", party_0_relation="丈夫", party_0_phone="13900001111")
    response = client.post("/cases/new/", data)
    case = Case.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/cases/{case.pk}/")
    assert flashed(response) == [("success", "已登记,编号 2026XF00001")]
    assert (
        case.number, case.unit, case.kind, case.channel, case.category.code, case.person, case.anonymous,
        case.narrative, case.request, case.status, case.registered_by, case.accept_due, case.received_at,
    ) == (
        "2026XF00001", tree.east1, "petition", "phone", "marriage_family", reg.zhang, False,
        "丈夫长期不给生活费", "希望妇联协调", "registered", people.street_cadre, dt.date(2026, 12, 3),
        at(2026, 11, 30, 9, 30),
    )  # fmt: skip
    assert list(CaseParty.objects.values_list("case_id", "name", "role", "relation", "phone")) == [
        (case.pk, "王强", "respondent", "丈夫", "13900001111")
    ]
    assert Person.objects.count() == 6  # nobody new
    page = client.get(response["Location"])
    assert facts(page) == {
        "当事人": "张晓燕",
        "来源渠道": "电话/12338",
        "登记时间": "2026年11月30日 09:30,street_cadre登记",
        "类别": "婚姻家庭",
        "所属单位": "东一社区",
        "事由": "丈夫长期不给生活费",
        "诉求": "希望妇联协调",
        "承办人": "—",
        "期限": "应于2026年12月3日前受理",
    }
    assert f'<a href="/people/{reg.zhang.pk}/">张晓燕</a>' in html_of(page)
    assert parties_shown(page) == ["对方当事人:王强(丈夫) 139****1111 删除"]
    assert "已登记,编号 2026XF00001" in page_text(element(page, "messages"))


def test_a_phone_call_for_a_new_person_registers_her_in_the_chosen_unit(reg, people, tree, login):
    client = login(people.street_cadre)
    data = intake(tree.east2, who="new", new_name="刘芳", new_gender="F", new_phone="13911112222")
    response = client.post("/cases/new/", data)
    assert response.status_code == 302
    person = Person.objects.get(name="刘芳")
    case = Case.objects.get()
    assert (person.unit, person.gender, person.phone, person.id_number, person.created_by) == (
        tree.east2,
        "F",
        "13911112222",
        None,
        people.street_cadre,
    )
    assert (case.person, case.anonymous, case.unit) == (person, False, tree.east2)
    assert facts(client.get(response["Location"]))["当事人"] == "刘芳"


def test_an_anonymous_call(people, tree, login):
    client = login(people.community_cadre)
    response = client.post("/cases/new/", intake(tree.east1, channel="visit", category="labour"))
    case = Case.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/cases/{case.pk}/")
    assert (case.person, case.anonymous, case.channel, case.category.code) == (None, True, "visit", "labour")
    assert facts(client.get(response["Location"]))["当事人"] == "匿名"


@pytest.mark.parametrize(
    ("factors", "level", "listed"),
    [
        ([], "低风险", "未发现"),
        (["isolation"], "低风险", "受害人缺少亲友支持"),
        (["escalating", "children"], "中风险", "暴力次数增多、程度加重 对子女施暴或当着子女施暴"),
        (
            ["escalating", "children", "substance"],
            "高风险",
            "暴力次数增多、程度加重 对子女施暴或当着子女施暴 施暴人酗酒、吸毒或赌博",
        ),
        (["weapon", "isolation"], "高风险", "使用或扬言使用凶器 受害人缺少亲友支持"),
    ],
)
def test_a_violence_case_shows_the_risk_level_of_its_factors(people, tree, login, factors, level, listed):
    client = login(people.street_cadre)
    # received an hour ago: an urgent case of 2026-11-30 is overdue by now, and its badge says so
    received = timezone.localtime() - dt.timedelta(hours=1)
    data = intake(
        tree.east,
        kind="violence",
        category="",
        risk_factors=factors,
        urgency="urgent",
        received_at=received.strftime("%Y-%m-%dT%H:%M"),
    )
    response = client.post("/cases/new/", data)
    case = Case.objects.get()
    assert (case.number, case.category.code, case.factor_codes) == (
        f"{received.year}JB00001",
        "domestic_violence",
        factors,
    )
    page = client.get(response["Location"])
    assert badges(page) == f"家庭暴力 登记 {level} 紧急"
    assert facts(page)["风险因素"] == listed
    assert facts(page)["类别"] == "家庭暴力"


def test_missing_narrative_is_asked_for_and_nothing_is_created(reg, people, tree, login):
    before = register_snapshot()
    response = login(people.street_cadre).post("/cases/new/", intake(tree.east1, narrative="  "))
    assert response.status_code == 200
    assert field_errors(response) == ["请填写事由"]
    assert register_snapshot() == before


def test_a_unit_outside_her_scope_is_refused(reg, people, tree, login):
    before = register_snapshot()
    response = login(people.street_cadre).post("/cases/new/", intake(tree.west1))
    assert response.status_code == 200
    assert field_errors(response) == ["登记单位不存在或不在您的管理范围内"]
    assert register_snapshot() == before


def test_registered_without_a_person_asks_for_one(reg, people, tree, login):
    before = register_snapshot()
    response = login(people.street_cadre).post("/cases/new/", intake(tree.east1, who="registered"))
    assert response.status_code == 200
    assert field_errors(response) == ["请选择已登记的人员、登记新人员或匿名,三者选一"]
    assert register_snapshot() == before


def test_a_person_of_another_street_cannot_be_picked(reg, people, tree, login):
    before = register_snapshot()
    data = intake(tree.east1, who="registered", person=str(reg.li.pk))  # 李明 of 西一社区
    response = login(people.street_cadre).post("/cases/new/", data)
    assert field_errors(response) == ["请选择已登记的人员、登记新人员或匿名,三者选一"]
    assert "李明" not in html_of(response)
    assert register_snapshot() == before


def test_a_new_person_without_a_gender_is_refused_on_her_gender_field(reg, people, tree, login):
    before = register_snapshot()
    response = login(people.street_cadre).post("/cases/new/", intake(tree.east1, who="new", new_name="刘芳"))
    assert response.status_code == 200
    body = html_of(response)
    assert re.search(
        r'name="new_gender".*?</select>\s*<div class="invalid-feedback d-block">请选择性别</div>', body, re.S
    )
    assert register_snapshot() == before


def test_the_form_keeps_what_was_typed_after_an_error(reg, people, tree, login):
    data = intake(
        tree.east1,
        who="registered",
        person=str(reg.zhang.pk),
        channel="letter",
        urgency="urgent",
        received_at="2026-11-28T15:45",
        narrative="",
        request="要求对方道歉",
        party_0_name="王强",
        party_0_role="abuser",
        party_0_relation="丈夫",
        party_0_phone="13900001111",
    )
    response = login(people.street_cadre).post("/cases/new/", data)
    body = html_of(response)
    assert field_errors(response) == ["请填写事由"]
    assert re.search(r'<option value="letter" selected>来信</option>', body)
    assert re.search(r'<option value="urgent" selected>紧急</option>', body)
    assert re.search(rf'<option value="{tree.east1.pk}" selected>', body)
    assert 'name="received_at" value="2026-11-28T15:45"' in body
    assert re.search(r'<textarea name="request"[^>]*>\s*要求对方道歉</textarea>', body)
    assert 'name="party_0_name" value="王强"' in body
    assert 'name="party_0_phone" value="13900001111"' in body
    assert re.search(r'<select name="party_0_role".*?<option value="abuser" selected>施暴人</option>', body, re.S)
    assert re.search(r'<input type="radio" name="who" value="registered"[^>]*checked', body)
    # the person she picked is still picked
    picked = page_text(element(response, "person-results"))
    assert picked == "张晓燕 东一社区"
    assert f'name="person" value="{reg.zhang.pk}" id="pick-person-{reg.zhang.pk}" checked' in body


# --- the list and its filters ------------------------------------------------------------------------


class Listed:
    """Cases seen by the street cadre (东街道):
    A  petition  来信  婚姻家庭  东一社区  张晓燕  2026-11-02  registered, to accept by 11-05 (late)
    B  mediation 电话  财产土地  东二社区  匿名    2026-11-20  accepted by the street cadre
    C  violence  网上  家庭暴力  东街道    单丽    2026-11-25  in progress, handled by the district cadre,
                                                          to finish by 11-30 (late)
    D  petition  来访  劳动就业  东一社区  张晓燕  2026-10-08  closed
    E  petition  来访  其他      示范区    匿名    2026-11-27  sent down to 东街道, awaiting her answer
    and, out of her sight, W at 西一社区 (李明) and X at 示范区 (匿名)."""

    def __init__(self, tree: Any, people: Any, reg: Any) -> None:
        cadre, leader, district = people.street_cadre, people.district_leader, people.district_cadre
        self.a = register(
            cadre, tree.east1, channel=Channel.LETTER, person=reg.zhang, received_at=at(2026, 11, 2, 9, 30)
        )
        self.a = set_times(self.a, accept_due=dt.date(2026, 11, 5))
        self.b = register(
            cadre,
            tree.east2,
            kind=Kind.MEDIATION,
            channel=Channel.PHONE,
            category="property_land",
            received_at=at(2026, 11, 20, 14),
        )
        self.b = actions.do_accept(actor=cadre, case=self.b, handler=cadre)
        self.b = set_times(self.b, finish_due=days_from_today(10))
        self.c = case_in(
            Status.IN_PROGRESS,
            unit=tree.east,
            cadre=cadre,
            leader=leader,
            handler=district,
            kind=Kind.VIOLENCE,
            channel=Channel.ONLINE,
            person=reg.shan,
            received_at=at(2026, 11, 25, 8),
            risk_factors=["weapon"],
        )
        self.c = set_times(self.c, finish_due=dt.date(2026, 11, 30))
        self.d = case_in(
            Status.CLOSED,
            unit=tree.east1,
            cadre=cadre,
            leader=leader,
            category="labour",
            person=reg.zhang,
            received_at=at(2026, 10, 8),
        )
        self.e = register(district, tree.district, category="other", received_at=at(2026, 11, 27, 16))
        actions.do_transfer(actor=district, case=self.e, to_unit=tree.east, reason="属地办理")
        self.e = set_times(self.e, accept_due=days_from_today(3))
        self.w = register(people.sibling_street_cadre, tree.west1, person=reg.li, received_at=at(2026, 11, 3))
        self.x = register(district, tree.district, received_at=at(2026, 11, 4))


@pytest.fixture
def listed(tree, people, reg):
    return Listed(tree, people, reg)


def case_list(client: Any, query: str = "") -> Any:
    page = client.get(f"/cases/{query}")
    assert page.status_code == 200
    return page


def numbers(page: Any) -> list[str]:
    return [r[0] for r in table_rows(page, "case-table") if len(r) == 9]


def test_the_list_shows_her_cases_newest_first_with_the_late_ones_marked(listed, people, login):
    page = case_list(login(people.street_cadre))
    b_due = days_from_today(10).strftime("%m-%d")
    e_due = days_from_today(3).strftime("%m-%d")
    assert count_line(page, "case-count") == "共 5 件"
    assert table_rows(page, "case-table") == [
        ("2026XF00003", "2026-11-27 16:00", "来信来访", "其他", "匿名", "示范区", "登记 转办中:东街道", "—",
         f"{e_due}前受理"),
        ("2026JB00001", "2026-11-25 08:00", "家庭暴力 高风险", "家庭暴力", "单丽", "东街道", "办理中",
         "district_cadre", "11-30前办结 超期"),
        ("2026TJ00001", "2026-11-20 14:00", "调解", "财产与土地权益", "匿名", "东二社区", "受理", "street_cadre",
         f"{b_due}前办结"),
        ("2026XF00001", "2026-11-02 09:30", "来信来访", "婚姻家庭", "张晓燕", "东一社区", "登记", "—",
         "11-05前受理 超期"),
        ("2026XF00002", "2026-10-08 10:00", "来信来访", "劳动就业", "张晓燕", "东一社区", "结案", "street_cadre",
         "—"),
    ]  # fmt: skip
    assert marked_rows(page, "case-table") == ["2026JB00001", "2026XF00001"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?kind=mediation", ["2026TJ00001"]),
        ("?kind=petition", ["2026XF00003", "2026XF00001", "2026XF00002"]),
        ("?status=registered", ["2026XF00003", "2026XF00001"]),
        ("?status=closed", ["2026XF00002"]),
        ("?status=overdue", ["2026JB00001", "2026XF00001"]),
        ("?status=open", ["2026XF00003", "2026JB00001", "2026TJ00001", "2026XF00001"]),
        ("?status=transfer_in", ["2026XF00003"]),
        ("?status=to_accept", ["2026XF00001"]),  # 2026XF00003 is on its way to her street
        ("?category=labour", ["2026XF00002"]),
        ("?category=domestic_violence", ["2026JB00001"]),
        ("?channel=phone", ["2026TJ00001"]),
        ("?channel=letter", ["2026XF00001"]),
        ("?unit={east1}", ["2026XF00001", "2026XF00002"]),
        ("?unit={east}", ["2026JB00001", "2026TJ00001", "2026XF00001", "2026XF00002"]),
        ("?unit={west1}", []),
        ("?q=2026tj00001", ["2026TJ00001"]),
        ("?q=2026XF00004", []),  # 西一社区's case: not hers
        ("?q=张晓", ["2026XF00001", "2026XF00002"]),
        ("?q=单丽", ["2026JB00001"]),
        ("?q=晓燕", []),  # a name matches from its start
        ("?received_from=2026-11-20&received_to=2026-11-25", ["2026JB00001", "2026TJ00001"]),
        ("?received_from=2026-11-26", ["2026XF00003"]),
        ("?received_to=2026-11-02", ["2026XF00001", "2026XF00002"]),
        ("?mine=1", ["2026TJ00001", "2026XF00002"]),
        ("?mine=1&status=open", ["2026TJ00001"]),
        ("?kind=petition&status=registered&unit={east1}", ["2026XF00001"]),
    ],
)
def test_the_list_filters(listed, people, tree, query, expected, login):
    page = case_list(
        login(people.street_cadre), query.format(east=tree.east.pk, east1=tree.east1.pk, west1=tree.west1.pk)
    )
    assert numbers(page) == expected
    assert count_line(page, "case-count") == f"共 {len(expected)} 件"
    if not expected:
        assert table_rows(page, "case-table") == [("没有符合条件的案件",)]


def test_the_filters_stay_on_screen_and_in_the_export_link(listed, people, tree, login):
    page = case_list(login(people.street_cadre), f"?kind=petition&status=open&unit={tree.east1.pk}&q=张")
    body = html_of(page)
    assert '<option value="petition" selected>来信来访</option>' in body
    assert '<option value="open" selected>未办结</option>' in body
    assert f'<option value="{tree.east1.pk}" selected>' in body
    assert 'name="q" value="张"' in body
    query = f"q=%E5%BC%A0&amp;kind=petition&amp;status=open&amp;unit={tree.east1.pk}"
    assert f'href="/ledgers/cases/export/?{query}" id="ledger-export"' in body


def test_the_district_leader_sees_both_streets_and_the_sibling_street_only_her_own(listed, people, login):
    assert numbers(case_list(login(people.district_leader))) == [
        "2026XF00003", "2026JB00001", "2026TJ00001", "2026XF00005", "2026XF00004", "2026XF00001", "2026XF00002",
    ]  # fmt: skip
    assert numbers(case_list(login(people.sibling_street_cadre))) == ["2026XF00004"]
    assert numbers(case_list(login(people.community_cadre))) == ["2026XF00001", "2026XF00002"]
    assert numbers(case_list(login(people.readonly_user))) == numbers(case_list(login(people.street_cadre)))


def test_my_cases_tab(listed, people, login):
    page = case_list(login(people.district_cadre), "?mine=1&status=open")
    assert numbers(page) == ["2026JB00001"]
    assert '<h1 class="h4 mb-0 me-auto">我的案件</h1>' in html_of(page)


# --- the case page: the steps offered ----------------------------------------------------------------


def opened(client: Any, case: Case) -> Any:
    page = client.get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    return page


@pytest.mark.parametrize(
    ("status", "street", "leader"),
    [
        (Status.REGISTERED, ["accept", "transfer", "note"], ["accept", "transfer", "note"]),
        (
            Status.ACCEPTED,
            ["start", "refer", "finish", "transfer", "note"],
            ["start", "refer", "finish", "transfer", "note"],
        ),
        (Status.IN_PROGRESS, ["refer", "finish", "transfer", "note"], ["refer", "finish", "transfer", "note"]),
        (Status.REFERRED, ["answer_referral", "finish", "note"], ["answer_referral", "finish", "note"]),
        (Status.FINISHED, ["close", "reopen", "note"], ["close", "reopen", "note"]),
        (Status.CLOSING, ["reopen", "note"], ["approve_close", "reject_close", "reopen", "note"]),
        (Status.CLOSED, ["reopen", "note"], ["reopen", "note"]),
    ],
)
def test_the_case_page_offers_the_steps_of_its_status(people, tree, login, status, street, leader):
    case = case_in(status, unit=tree.east, cadre=people.street_cadre, leader=people.district_leader)
    assert step_buttons(opened(login(people.street_cadre), case)) == street
    assert step_buttons(opened(login(people.district_leader), case)) == leader
    assert step_buttons(opened(login(people.readonly_user), case)) == []
    assert 'id="case-edit"' not in html_of(opened(login(people.readonly_user), case))
    assert badges(opened(login(people.street_cadre), case)).split()[:2] == ["来信来访", Status(status).label]


def test_a_closing_is_approved_only_by_a_leader_who_neither_handled_nor_asked(people, tree, login):
    east_leader = make_leader("east_leader", tree.east)
    handled = case_in(Status.CLOSING, unit=tree.east1, cadre=people.street_cadre, leader=people.district_leader,
                      handler=east_leader)  # fmt: skip
    asked = case_in(Status.FINISHED, unit=tree.east1, cadre=people.street_cadre, leader=people.district_leader)
    asked = actions.do_request_close(actor=east_leader, case=asked)
    for case in (handled, asked):
        assert step_buttons(opened(login(east_leader), case)) == ["reopen", "note"]
        assert step_buttons(opened(login(people.district_leader), case)) == [
            "approve_close", "reject_close", "reopen", "note",
        ]  # fmt: skip
        assert step_buttons(opened(login(people.street_cadre), case)) == ["reopen", "note"]


def test_a_case_in_transfer_offers_only_the_answer_to_the_receiving_unit(people, tree, login):
    case = register(people.street_cadre, tree.east)
    actions.do_transfer(actor=people.street_cadre, case=case, to_unit=tree.east1, reason="属地办理")
    page = opened(login(people.community_cadre), case)
    assert step_buttons(page) == ["accept_transfer", "reject_transfer"]
    assert '<p class="small mb-2">东街道将本案转给东一社区办理。</p>' in html_of(page)
    assert badges(page) == "来信来访 登记 转办中:东一社区"
    assert 'id="case-edit"' not in html_of(page)  # she answers the transfer, she does not handle the case
    assert step_buttons(opened(login(people.readonly_user), case)) == []


# --- the case page: every step posted ----------------------------------------------------------------


def step(client: Any, case: Case, action: str, **data: Any) -> Any:
    return client.post(f"/cases/{case.pk}/steps/{action}/", data)


def done(response: Any, case: Case, message: str, *, to: str | None = None) -> Case:
    """The step went through: back to the case page (or `to`) with its message; the case as stored."""
    assert (response.status_code, response["Location"]) == (302, to or f"/cases/{case.pk}/")
    assert flashed(response) == [("success", message)]
    return Case.objects.select_related("unit", "category").get(pk=case.pk)


def test_a_petition_goes_through_every_step_of_its_page(reg, people, tree, login):
    cadre, leader = people.street_cadre, people.district_leader
    client, boss = login(cadre), login(leader)
    case = register(cadre, tree.east1, person=reg.zhang, received_at=at(2026, 11, 30, 9))

    case = done(step(client, case, "accept", handler=str(cadre.pk), note=""), case, "已受理")
    assert (case.status, case.handler, case.finish_due) == ("accepted", cadre, days_from_today(15))
    case = done(step(client, case, "start", note="已电话联系当事人"), case, "已开始办理")
    assert case.status == "in_progress"
    case = done(
        step(client, case, "refer", to="legal_aid", organisation="区法律援助中心", referred_on="", note="需法律援助"),
        case,
        "已转介",
    )
    assert case.status == "referred"
    assert list(Referral.objects.values_list("to", "organisation", "referred_on", "note", "answered_on")) == [
        ("legal_aid", "区法律援助中心", today(), "需法律援助", None)
    ]
    case = done(step(client, case, "answer_referral", answer="已指派律师", answered_on=""), case, "已登记转介反馈")
    assert case.status == "in_progress"
    assert list(Referral.objects.values_list("answer", "answered_on")) == [("已指派律师", today())]
    case = done(step(client, case, "finish", outcome="resolved", note="双方达成谅解"), case, "已办结")
    assert (case.status, case.outcome, case.outcome_note, case.violence_stopped) == (
        "finished",
        "resolved",
        "双方达成谅解",
        False,
    )
    case = done(step(client, case, "close", note=""), case, "已提交结案申请,待领导审批")
    assert (case.status, case.close_requested_by) == ("closing", cadre)
    case = done(step(boss, case, "reject_close", reason="材料不全"), case, "已退回结案申请")
    assert (case.status, case.close_requested_by) == ("finished", None)
    case = done(step(client, case, "close", note="已补充材料"), case, "已提交结案申请,待领导审批")
    case = done(step(boss, case, "approve_close", note=""), case, "已批准结案,已安排回访")
    assert (case.status, case.closed_at is not None) == ("closed", True)
    assert list(FollowUp.objects.values_list("due_on", "done_on")) == [(days_from_today(30), None)]
    case = done(step(client, case, "reopen", reason="当事人再次求助"), case, "已重新办理")
    assert (case.status, case.outcome, case.closed_at, case.finish_due) == (
        "in_progress",
        "",
        None,
        days_from_today(15),
    )
    assert FollowUp.objects.count() == 0
    case = done(step(client, case, "note", note="再次上门了解情况"), case, "已记录")

    page = opened(client, case)
    assert step_buttons(page) == ["refer", "finish", "transfer", "note"]
    due = days_from_today(30)
    assert timeline_shown(page) == [
        "street_cadre 登记",
        "street_cadre 受理 :承办人:street_cadre",
        "street_cadre 开始办理 :已电话联系当事人",
        "street_cadre 转介 :转介至区法律援助中心(法律援助)",
        "street_cadre 转介反馈 :区法律援助中心已反馈",
        "street_cadre 办结 :已解决",
        "street_cadre 申请结案",
        "district_leader 退回结案申请 :材料不全",
        "street_cadre 申请结案 :已补充材料",
        f"district_leader 批准结案 :计划{cn_date(due)}前首次回访",
        "street_cadre 重新办理 :当事人再次求助",
        "street_cadre 办理记录 :再次上门了解情况",
    ]
    assert [e.action for e in CaseEvent.objects.filter(case=case).order_by("at", "id")] == [
        "register", "accept", "start", "refer", "answer_referral", "finish", "close", "reject_close", "close",
        "approve_close", "reopen", "note",
    ]  # fmt: skip
    assert page_text(element(page, "referrals", "ul")) == (
        f"转介 {today():%Y-%m-%d} 转介至 区法律援助中心 (法律援助):需法律援助 {today():%Y-%m-%d} 反馈:已指派律师"
    )


def test_a_handler_is_picked_on_accepting(people, tree, login):
    case = register(people.street_cadre, tree.east1)
    page = opened(login(people.street_cadre), case)
    handlers = re.findall(r'<option value="(\d*)"[^>]*>(.*?)</option>', element(page, "id_handler", "select"))
    assert handlers == [
        ("", "请选择承办人"),
        (str(people.community_cadre.pk), "community_cadre"),
        (str(people.district_cadre.pk), "district_cadre"),
        (str(people.district_leader.pk), "district_leader"),
        (str(people.street_cadre.pk), "street_cadre"),
    ]
    case = done(
        step(login(people.street_cadre), case, "accept", handler=str(people.community_cadre.pk)), case, "已受理"
    )
    assert case.handler == people.community_cadre
    assert facts(opened(login(people.street_cadre), case))["承办人"] == "community_cadre"


def test_a_violence_case_is_finished_with_the_violence_stopped(people, tree, login):
    case = case_in(Status.IN_PROGRESS, unit=tree.east, cadre=people.street_cadre, leader=people.district_leader,
                   kind=Kind.VIOLENCE)  # fmt: skip
    client = login(people.street_cadre)
    assert 'name="violence_stopped"' in html_of(opened(client, case))
    case = done(step(client, case, "finish", outcome="resolved", violence_stopped="on"), case, "已办结")
    assert (case.status, case.outcome, case.violence_stopped) == ("finished", "resolved", True)
    assert facts(opened(client, case))["办理结果"] == "已解决 制止家庭暴力"
    assert timeline_shown(opened(client, case))[-1] == "street_cadre 办结 :已解决(制止家庭暴力)"


def test_a_case_transferred_down_is_accepted_by_the_receiving_community(people, tree, login):
    street, community = login(people.street_cadre), login(people.community_cadre)
    case = register(people.street_cadre, tree.east, received_at=at(2026, 11, 30, 9))
    targets = re.findall(
        r'<option value="(\d*)"[^>]*>(.*?)</option>', element(opened(street, case), "id_to_unit", "select")
    )
    assert targets == [
        ("", "请选择上级或下级单位"),
        (str(tree.district.pk), "示范区"),
        (str(tree.east1.pk), "东街道 / 东一社区"),
        (str(tree.east2.pk), "东街道 / 东二社区"),
    ]
    assert community.get(f"/cases/{case.pk}/").status_code == 404
    case = done(step(street, case, "transfer", to_unit=str(tree.east1.pk), reason="属地办理"), case,
                "已转办,待接收单位处理")  # fmt: skip
    assert (case.unit, case.transfer_to, case.status) == (tree.east, tree.east1, "registered")
    assert list(Transfer.objects.values_list("from_unit", "to_unit", "state", "requested_by")) == [
        (tree.east.pk, tree.east1.pk, "pending", people.street_cadre.pk)
    ]
    page = opened(community, case)
    assert page_text(element(page, "transfers", "ul")).endswith("东街道 → 东一社区:属地办理 待接收")
    case = done(step(community, case, "accept_transfer", note=""), case, "已接收转办")
    assert (case.unit, case.transfer_to, case.status, case.handler, case.accept_due) == (
        tree.east1,
        None,
        "registered",
        None,
        days_from_today(3),
    )
    page = opened(community, case)
    assert step_buttons(page) == ["accept", "transfer", "note"]
    assert timeline_shown(page)[-2:] == [
        "street_cadre 转办 :转往东一社区:属地办理",
        "community_cadre 接收转办 :东一社区接收",
    ]


def test_a_transfer_sent_back_by_the_receiver_takes_the_case_out_of_her_sight(people, tree, login):
    street, community = login(people.street_cadre), login(people.community_cadre)
    case = register(people.street_cadre, tree.east)
    actions.do_transfer(actor=people.street_cadre, case=case, to_unit=tree.east1, reason="属地办理")
    case = done(step(community, case, "reject_transfer", reason="不属本社区"), case, "已退回转办", to="/cases/")
    assert (case.unit, case.transfer_to) == (tree.east, None)
    assert list(Transfer.objects.values_list("state", "decided_by", "decision_reason")) == [
        ("rejected", people.community_cadre.pk, "不属本社区")
    ]
    assert community.get(f"/cases/{case.pk}/").status_code == 404
    assert step_buttons(opened(street, case)) == ["accept", "transfer", "note"]


# --- the case page: steps refused --------------------------------------------------------------------


def refused_on_page(response: Any, case: Case, before: Any) -> str:
    """The step was refused: the case page again (200), nothing changed; the page's text."""
    assert response.status_code == 200
    assert response.templates[0].name == "cases/case_detail.html"
    assert case_row(case) == before
    return html_of(response)


def test_the_handler_who_is_a_leader_cannot_approve_her_own_case(people, tree, login):
    east_leader = make_leader("east_leader", tree.east)
    case = case_in(Status.CLOSING, unit=tree.east1, cadre=people.street_cadre, leader=people.district_leader,
                   handler=east_leader)  # fmt: skip
    before, events = case_row(case), CaseEvent.objects.count()
    body = refused_on_page(step(login(east_leader), case, "approve_close", note=""), case, before)
    assert alerts(body) == ["承办人或申请人不能批准自己办理的案件结案,请由其他领导审批"]
    assert (CaseEvent.objects.count(), FollowUp.objects.count()) == (events, 0)


def test_a_cadre_cannot_approve_a_close(people, tree, login):
    case = case_in(Status.CLOSING, unit=tree.east1, cadre=people.district_cadre, leader=people.district_leader)
    before = case_row(case)
    body = refused_on_page(step(login(people.street_cadre), case, "approve_close"), case, before)
    assert alerts(body) == ["只有本单位或上级单位的领导可以批准结案"]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"outcome": ""}, "请选择办理结果"),
        ({"outcome": "won"}, "选择一个有效的选项。 won 不在可用的选项中。"),
    ],
)
def test_a_bad_outcome_is_refused(people, tree, login, data, error):
    case = case_in(Status.IN_PROGRESS, unit=tree.east1, cadre=people.street_cadre, leader=people.district_leader)
    before = case_row(case)
    body = refused_on_page(step(login(people.street_cadre), case, "finish", **data), case, before)
    assert field_errors(body) == [error]
    assert alerts(body) == []  # said once, on the form she sent
    assert re.search(r'<details class="step mb-2" id="step-finish" open>', body)


def test_violence_stopped_on_a_petition_is_refused(people, tree, login):
    case = case_in(Status.IN_PROGRESS, unit=tree.east1, cadre=people.street_cadre, leader=people.district_leader)
    before = case_row(case)
    response = step(login(people.street_cadre), case, "finish", outcome="resolved", violence_stopped="on")
    assert alerts(refused_on_page(response, case, before)) == ["只有家庭暴力案件可以登记制止家暴"]


@pytest.mark.parametrize("target", ["west", "west1", "east"])
def test_a_transfer_to_a_sibling_unit_or_to_itself_is_refused(people, tree, login, target):
    case = register(people.street_cadre, tree.east)
    before = case_row(case)
    unit = getattr(tree, target)
    body = refused_on_page(step(login(people.street_cadre), case, "transfer", to_unit=str(unit.pk), reason="x"), case,
                           before)  # fmt: skip
    assert field_errors(body) == [f"选择一个有效的选项。 {unit.pk} 不在可用的选项中。"]
    assert Transfer.objects.count() == 0


@pytest.mark.parametrize(
    ("status", "action", "data", "message"),
    [
        (Status.REGISTERED, "start", {}, "案件当前状态为“登记”,不能开始办理"),
        (Status.REGISTERED, "close", {}, "案件当前状态为“登记”,不能申请结案"),
        (Status.CLOSED, "finish", {"outcome": "resolved"}, "案件当前状态为“结案”,不能办结"),
        (Status.ACCEPTED, "answer_referral", {"answer": "好"}, "案件当前状态为“受理”,不能登记转介反馈"),
    ],
)
def test_a_step_its_status_does_not_allow_is_refused(people, tree, login, status, action, data, message):
    case = case_in(status, unit=tree.east1, cadre=people.street_cadre, leader=people.district_leader)
    before = case_row(case)
    assert alerts(refused_on_page(step(login(people.street_cadre), case, action, **data), case, before)) == [message]


@pytest.mark.parametrize(
    ("action", "data", "error"),
    [
        ("reopen", {"reason": ""}, "请填写理由"),
        ("reject_close", {"reason": " "}, "请填写理由"),
        ("refer", {"to": "legal_aid", "organisation": ""}, "请填写接收单位"),
        ("accept", {"handler": ""}, "请选择承办人"),
    ],
)
def test_a_step_without_what_it_needs_is_refused(people, tree, login, action, data, error):
    status = {"reopen": Status.CLOSED, "reject_close": Status.CLOSING, "refer": Status.ACCEPTED}.get(
        action, Status.REGISTERED
    )
    case = case_in(status, unit=tree.east1, cadre=people.street_cadre, leader=people.district_leader)
    before = case_row(case)
    who = people.district_leader if action == "reject_close" else people.street_cadre
    assert field_errors(refused_on_page(step(login(who), case, action, **data), case, before)) == [error]


def test_the_sender_of_a_transfer_cannot_answer_it_herself(people, tree, login):
    case = register(people.street_cadre, tree.east)
    actions.do_transfer(actor=people.street_cadre, case=case, to_unit=tree.east1, reason="属地办理")
    before = case_row(case)
    client = login(people.street_cadre)
    assert "accept_transfer" not in step_buttons(opened(client, case))  # the buttons are not offered
    for name in ("accept_transfer", "reject_transfer"):
        assert step(client, case, name, reason="不接").status_code == 404
    assert case_row(case) == before
    assert Transfer.objects.get().state == "pending"


def test_an_unknown_step_is_a_404_and_a_step_is_a_post(people, tree, login):
    case = register(people.street_cadre, tree.east)
    client = login(people.street_cadre)
    assert step(client, case, "delete").status_code == 404
    assert client.get(f"/cases/{case.pk}/steps/accept/").status_code == 405
    assert Case.objects.get().status == "registered"


def test_a_step_taken_on_a_page_that_is_out_of_date_says_why(people, tree, login):
    case = case_in(Status.ACCEPTED, unit=tree.east1, cadre=people.street_cadre, leader=people.district_leader)
    page = opened(login(people.community_cadre), case)
    assert step_buttons(page) == ["start", "refer", "finish", "transfer", "note"]
    actions.do_start(actor=people.street_cadre, case=case)  # meanwhile, at the street
    before = case_row(case)
    body = refused_on_page(step(login(people.community_cadre), case, "start"), case, before)
    assert alerts(body) == ["案件当前状态为“办理中”,不能开始办理"]
    assert step_buttons(body) == ["refer", "finish", "transfer", "note"]


# --- parties, follow-ups ----------------------------------------------------------------------------


def test_a_party_is_added_and_removed(people, tree, login):
    client = login(people.street_cadre)
    case = register(people.street_cadre, tree.east1)
    response = client.post(
        f"/cases/{case.pk}/parties/", {"name": "王强", "role": "abuser", "relation": "丈夫", "phone": "13900001111"}
    )
    done(response, case, "已增加当事人")
    party = CaseParty.objects.get()
    assert (party.case, party.name, party.role, party.relation, party.phone) == (
        case,
        "王强",
        "abuser",
        "丈夫",
        "13900001111",
    )
    assert parties_shown(opened(client, case)) == ["施暴人:王强(丈夫) 139****1111 删除"]
    done(client.post(f"/cases/{case.pk}/parties/{party.pk}/remove/"), case, "已删除当事人")
    assert CaseParty.objects.count() == 0
    page = opened(client, case)
    assert parties_shown(page) == ["无"]
    assert timeline_shown(page) == [
        "street_cadre 登记",
        "street_cadre 当事人 :增加当事人",
        "street_cadre 当事人 :删除当事人",
    ]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"name": "", "role": "respondent"}, "请填写姓名"),
        ({"name": "王强", "role": "respondent", "phone": "12345"}, "电话号码无效:手机号应为11位,固定电话请带区号"),
    ],
)
def test_a_party_with_bad_input_is_refused(people, tree, login, data, error):
    case = register(people.street_cadre, tree.east1)
    before = register_snapshot()
    response = login(people.street_cadre).post(f"/cases/{case.pk}/parties/", data)
    assert response.status_code == 200
    assert field_errors(response) == [error]
    assert register_snapshot() == before


def test_a_party_of_a_case_in_transfer_is_not_removed(people, tree, login):
    case = register(people.street_cadre, tree.east)
    party = actions.do_add_party(actor=people.street_cadre, case=case, party=actions.Party(name="王强"))
    actions.do_transfer(actor=people.street_cadre, case=case, to_unit=tree.east1, reason="属地办理")
    before = register_snapshot()
    client = login(people.street_cadre)
    response = client.post(f"/cases/{case.pk}/parties/{party.pk}/remove/")
    assert (response.status_code, response["Location"]) == (302, f"/cases/{case.pk}/")
    assert flashed(response) == [("error", "案件正在转办,等待接收单位处理,暂不能办理")]
    assert register_snapshot() == before
    assert client.post(f"/cases/{case.pk}/parties/{party.pk + 1}/remove/").status_code == 404


def follow_ups_shown(page: Any) -> list[str]:
    """The 回访 card, one text per follow-up (without the form to record it)."""
    items = re.findall(r'<li class="list-group-item small">(.*?)</li>', element(page, "follow-ups", "ul"), re.S)
    return [page_text(re.sub(r"<details.*?</details>", "", i, flags=re.S)) for i in items]


def test_a_follow_up_is_recorded_and_another_planned(people, tree, login):
    client = login(people.street_cadre)
    case = case_in(Status.CLOSED, unit=tree.east1, cadre=people.street_cadre, leader=people.district_leader)
    first = FollowUp.objects.get()
    page = opened(client, case)
    assert follow_ups_shown(page) == [f"计划 {days_from_today(30):%Y-%m-%d} 前回访"]
    response = client.post(
        f"/cases/{case.pk}/follow-ups/{first.pk}/",
        {"done_on": today().isoformat(), "way": "home", "result": "生活稳定", "satisfied": "yes",
         "next_due": days_from_today(60).isoformat()},
    )  # fmt: skip
    done(response, case, "已登记回访")
    assert list(
        FollowUp.objects.order_by("due_on").values_list("due_on", "done_on", "way", "result", "satisfied", "by")
    ) == [
        (days_from_today(30), today(), "home", "生活稳定", True, people.street_cadre.pk),
        (days_from_today(60), None, "", "", None, None),
    ]
    done(client.post(f"/cases/{case.pk}/follow-ups/", {"due_on": days_from_today(90).isoformat()}), case, "已安排回访")
    assert FollowUp.objects.filter(done_on__isnull=True).order_by("due_on").values_list("due_on", flat=True)[1] == (
        days_from_today(90)
    )
    assert follow_ups_shown(opened(client, case)) == [
        f"{today():%Y-%m-%d} 上门回访(street_cadre):生活稳定 满意",
        f"计划 {days_from_today(60):%Y-%m-%d} 前回访",
        f"计划 {days_from_today(90):%Y-%m-%d} 前回访",
    ]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"way": "", "result": "好"}, "请选择回访方式"),
        ({"way": "phone", "result": ""}, "请填写回访情况"),
        ({"way": "phone", "result": "好", "done_on": "2099-01-01"}, "回访日期不能晚于今天"),
    ],
)
def test_a_follow_up_with_bad_input_is_refused(people, tree, login, data, error):
    case = case_in(Status.CLOSED, unit=tree.east1, cadre=people.street_cadre, leader=people.district_leader)
    first = FollowUp.objects.get()
    before = register_snapshot()
    response = login(people.street_cadre).post(f"/cases/{case.pk}/follow-ups/{first.pk}/", data)
    assert response.status_code == 200
    assert field_errors(response) == [error]
    assert register_snapshot() == before


def test_a_follow_up_planned_in_the_past_is_refused(people, tree, login):
    case = case_in(Status.CLOSED, unit=tree.east1, cadre=people.street_cadre, leader=people.district_leader)
    before = register_snapshot()
    response = login(people.street_cadre).post(f"/cases/{case.pk}/follow-ups/", {"due_on": "2026-01-01"})
    assert field_errors(response) == ["计划回访日期不能早于今天"]
    assert register_snapshot() == before


def test_a_follow_up_of_another_case_is_a_404(people, tree, login):
    case = case_in(Status.CLOSED, unit=tree.east1, cadre=people.street_cadre, leader=people.district_leader)
    other = case_in(Status.CLOSED, unit=tree.east1, cadre=people.street_cadre, leader=people.district_leader)
    theirs = FollowUp.objects.get(case=other)
    before = register_snapshot()
    response = login(people.street_cadre).post(
        f"/cases/{case.pk}/follow-ups/{theirs.pk}/", {"way": "phone", "result": "好"}
    )
    assert response.status_code == 404
    assert register_snapshot() == before


# --- mediation and the agreement document -----------------------------------------------------------


def mediation_case(people: Any, tree: Any, reg: Any) -> Case:
    case = register(
        people.street_cadre,
        tree.east1,
        kind=Kind.MEDIATION,
        category="property_land",
        person=reg.zhang,
        narrative="与邻居宅基地边界纠纷",
        received_at=at(2026, 11, 20),
    )
    actions.do_add_party(
        actor=people.street_cadre, case=case, party=actions.Party(name="李某", role="respondent", relation="邻居")
    )
    return actions.do_accept(actor=people.street_cadre, case=case, handler=people.street_cadre)


def mediators_shown(page: Any) -> str:
    return page_text(element(page, "mediator-names", "dd"))


def test_a_mediation_gets_its_mediators_a_session_an_agreement_and_the_document(reg, people, tree, login):
    client = login(people.street_cadre)
    case = mediation_case(people, tree, reg)
    page = opened(client, case)
    assert mediators_shown(page) == "未设置"
    assert 'id="agreement-docx"' not in html_of(page)
    # the volunteer is found in the registry: the search answers with a radio named "volunteer"
    found = client.get("/people/pick/", {"field": "volunteer", "q": "单丽"})
    assert f'type="radio" name="volunteer" value="{reg.shan.pk}"' in html_of(found)
    response = client.post(
        f"/cases/{case.pk}/mediators/",
        {"users": [str(people.community_cadre.pk)], "persons": "", "volunteer": str(reg.shan.pk)},
    )
    done(response, case, "已设置调解员")
    assert mediators_shown(opened(client, case)) == "community_cadre、单丽"
    # a second volunteer is added to the one kept in the form
    response = client.post(
        f"/cases/{case.pk}/mediators/",
        {"users": [str(people.community_cadre.pk)], "persons": f"{reg.shan.pk},", "volunteer": str(reg.wei.pk)},
    )
    done(response, case, "已设置调解员")
    assert mediators_shown(opened(client, case)) == "community_cadre、单丽、张伟"

    response = client.post(
        f"/cases/{case.pk}/sessions/",
        {
            "held_on": "2026-11-28",
            "place": "东一社区调解室",
            "parties_present": "张晓燕、李某",
            "outcome": "双方同意以界桩为准",
        },
    )
    done(response, case, "已登记调解记录")
    assert page_text(element(opened(client, case), "sessions", "ul")) == (
        "2026-11-28 东一社区调解室;到场:张晓燕、李某;双方同意以界桩为准"
    )
    response = client.post(
        f"/cases/{case.pk}/agreement/",
        {"reached": "yes", "terms": "以原界桩为界,李某拆除越界围墙", "agreed_on": "2026-11-29"},
    )
    case = done(response, case, "已登记调解结果")
    assert (case.agreement_reached, case.agreement_terms, case.agreement_on) == (
        True,
        "以原界桩为界,李某拆除越界围墙",
        dt.date(2026, 11, 29),
    )
    page = opened(client, case)
    assert page_text(element(page, "agreement", "dd")) == "2026年11月29日达成协议:以原界桩为界,李某拆除越界围墙"
    assert f'href="/cases/{case.pk}/agreement.docx" id="agreement-docx"' in html_of(page)
    assert timeline_shown(page)[-3:] == [
        "street_cadre 调解员 :调解员:community_cadre、单丽、张伟",
        "street_cadre 调解 :2026年11月28日在东一社区调解室调解",
        "street_cadre 调解结果 :达成调解协议",
    ]

    document = client.get(f"/cases/{case.pk}/agreement.docx")
    assert document.status_code == 200
    assert document["Content-Type"] == DOCX
    assert document["Content-Disposition"] == (
        "attachment; filename*=UTF-8''%E8%B0%83%E8%A7%A3%E5%8D%8F%E8%AE%AE%E4%B9%A6-2026TJ00001.docx"
    )
    assert docx_paragraphs(document.content) == [
        "人民调解协议书",
        "编号:2026TJ00001",
        "当事人:张晓燕",
        "对方当事人:李某(邻居)",
        "纠纷简要情况:与邻居宅基地边界纠纷",
        "经东一社区调解,双方当事人自愿达成如下协议:",
        "以原界桩为界,李某拆除越界围墙",
        "本协议自各方当事人签名(盖章)之日起生效。本协议一式三份,当事人各执一份,调解组织留存一份。",
        "调解员:community_cadre、单丽、张伟",
        "当事人(签名):                    当事人(签名):",
        "东一社区(盖章)",
        "2026年11月29日",
    ]
    assert audit("export") == [(people.street_cadre, "case", str(case.pk), {"document": "mediation_agreement"})]


def test_volunteers_can_be_cleared_and_one_out_of_her_sight_is_not_taken(reg, people, tree, login):
    client = login(people.street_cadre)
    case = mediation_case(people, tree, reg)
    actions.do_set_mediators(actor=people.street_cadre, case=case, users=[], persons=[reg.shan])
    response = client.post(
        f"/cases/{case.pk}/mediators/",
        {"users": [str(people.street_cadre.pk)], "persons": f"{reg.shan.pk},", "clear_volunteers": "1",
         "volunteer": str(reg.li.pk)},  # 李明 of 西一社区
    )  # fmt: skip
    done(response, case, "已设置调解员")
    assert mediators_shown(opened(client, case)) == "street_cadre"


@pytest.mark.parametrize(
    ("url", "data", "error"),
    [
        ("mediators", {"persons": ""}, "请至少选择一名调解员"),
        ("sessions", {"held_on": "2026-11-28", "place": ""}, "请填写调解地点"),
        ("sessions", {"held_on": "2099-01-01", "place": "调解室"}, "调解日期不能晚于今天"),
        ("agreement", {"reached": "yes", "terms": ""}, "请先登记调解记录"),
    ],
)
def test_mediation_forms_refuse_bad_input(reg, people, tree, login, url, data, error):
    case = mediation_case(people, tree, reg)
    before = register_snapshot()
    response = login(people.street_cadre).post(f"/cases/{case.pk}/{url}/", data)
    assert response.status_code == 200
    assert [*field_errors(response), *alerts(response)] == [error]
    assert register_snapshot() == before


def test_an_agreement_without_terms_is_refused(reg, people, tree, login):
    case = mediation_case(people, tree, reg)
    actions.do_record_session(actor=people.street_cadre, case=case, held_on=dt.date(2026, 11, 28), place="调解室")
    before = register_snapshot()
    response = login(people.street_cadre).post(f"/cases/{case.pk}/agreement/", {"reached": "yes", "terms": " "})
    assert field_errors(response) == ["达成协议的,请填写协议内容"]
    assert register_snapshot() == before


def test_a_session_of_a_case_asked_to_close_is_refused_where_she_sees_it(reg, people, tree, login):
    case = mediation_case(people, tree, reg)
    for name in ("start", "finish", "close"):
        case = {
            "start": lambda c: actions.do_start(actor=people.street_cadre, case=c),
            "finish": lambda c: actions.do_finish(actor=people.street_cadre, case=c, outcome=Outcome.RESOLVED),
            "close": lambda c: actions.do_request_close(actor=people.street_cadre, case=c),
        }[name](case)
    before = register_snapshot()
    response = login(people.street_cadre).post(
        f"/cases/{case.pk}/sessions/", {"held_on": "2026-11-28", "place": "调解室"}
    )
    assert response.status_code == 200
    assert alerts(response) == ["案件已申请结案或已结案,不能再登记调解"]
    assert register_snapshot() == before


def test_the_agreement_document_before_an_agreement_sends_her_back_with_a_message(reg, people, tree, login):
    case = mediation_case(people, tree, reg)
    client = login(people.street_cadre)
    response = client.get(f"/cases/{case.pk}/agreement.docx")
    assert (response.status_code, response["Location"]) == (302, f"/cases/{case.pk}/")
    assert flashed(response) == [("error", "该调解案件尚未达成协议,不能生成协议书")]
    assert audit("export") == []
    actions.do_record_session(actor=people.street_cadre, case=case, held_on=dt.date(2026, 11, 28), place="调解室")
    actions.do_record_agreement(actor=people.street_cadre, case=case, reached=False)
    response = client.get(f"/cases/{case.pk}/agreement.docx")
    assert flashed(response) == [("error", "该调解案件尚未达成协议,不能生成协议书")]
    assert page_text(element(opened(client, case), "agreement", "dd")) == "未达成协议"
    assert audit("export") == []


# --- changing what was registered -------------------------------------------------------------------


def test_the_edit_page_changes_the_narrative_and_the_category(people, tree, login):
    client = login(people.street_cadre)
    case = register(people.street_cadre, tree.east1, narrative="丈夫不给生活费", request="协调")
    form = client.get(f"/cases/{case.pk}/edit/")
    assert form.status_code == 200
    body = html_of(form)
    assert '<option value="marriage_family" selected>婚姻家庭</option>' in body
    assert re.search(r'<textarea name="narrative"[^>]*>\s*丈夫不给生活费</textarea>', body)
    assert 'name="risk_factors"' not in body  # a petition has no risk factors
    response = client.post(
        f"/cases/{case.pk}/edit/",
        {
            "category": "labour",
            "channel": "visit",
            "urgency": "normal",
            "narrative": "单位拖欠工资三个月",
            "request": "协调",
        },
    )
    case = done(response, case, "已保存")
    assert (case.category.code, case.narrative, case.channel, case.request) == (
        "labour",
        "单位拖欠工资三个月",
        "visit",
        "协调",
    )
    page = opened(client, case)
    assert (facts(page)["类别"], facts(page)["事由"]) == ("劳动就业", "单位拖欠工资三个月")
    assert timeline_shown(page)[-1] == "street_cadre 修改登记信息 :修改了类别、事由"


def test_editing_the_risk_factors_of_a_violence_case_moves_its_level(people, tree, login):
    client = login(people.street_cadre)
    case = register(people.street_cadre, tree.east, kind=Kind.VIOLENCE, risk_factors=["isolation"])
    response = client.post(
        f"/cases/{case.pk}/edit/",
        {"category": "domestic_violence", "channel": "visit", "urgency": "normal", "narrative": case.narrative,
         "risk_factors": ["strangling"]},
    )  # fmt: skip
    case = done(response, case, "已保存")
    assert (case.risk_level, case.factor_codes) == ("high", ["strangling"])
    page = opened(client, case)
    assert badges(page) == "家庭暴力 登记 高风险"
    assert timeline_shown(page)[-1] == "street_cadre 修改登记信息 :修改了风险等级(低→高)"


def test_an_edit_without_a_narrative_is_refused(people, tree, login):
    case = register(people.street_cadre, tree.east1)
    before = register_snapshot()
    response = login(people.street_cadre).post(
        f"/cases/{case.pk}/edit/", {"category": "labour", "channel": "visit", "urgency": "normal", "narrative": ""}
    )
    assert response.status_code == 200
    assert field_errors(response) == ["请填写事由"]
    assert 'name="category"' in html_of(response) and '<option value="labour" selected>劳动就业</option>' in html_of(
        response
    )
    assert register_snapshot() == before


def test_a_closed_case_cannot_be_edited(people, tree, login):
    client = login(people.street_cadre)
    case = case_in(Status.CLOSED, unit=tree.east1, cadre=people.street_cadre, leader=people.district_leader)
    assert 'id="case-edit"' not in html_of(opened(client, case))
    before = register_snapshot()
    response = client.post(
        f"/cases/{case.pk}/edit/", {"category": "labour", "channel": "visit", "urgency": "normal", "narrative": "改写"}
    )
    assert response.status_code == 200
    assert alerts(response) == ["案件已结案,如需修改请先重新办理"]
    assert register_snapshot() == before


# --- the key-family register -------------------------------------------------------------------------


class Families:
    """红 张晓燕家 (东一社区), listed 11-20 every 7 days: the visit of 11-27 is late.
    橙 单丽家 (东二社区), listed today every 30 days. 黄 张伟家 (东二社区), lifted on 11-15.
    红 李明家 (西一社区), the sibling street's."""

    def __init__(self, tree: Any, people: Any, reg: Any) -> None:
        cadre = people.street_cadre
        self.red = actions.do_list_family(
            actor=cadre, unit=tree.east1, person=reg.zhang, household=reg.household, colour=Colour.RED,
            reason="丈夫酗酒后多次殴打", responsible=cadre, visit_interval_days=7, listed_on=dt.date(2026, 11, 20),
        )  # fmt: skip
        self.orange = actions.do_list_family(
            actor=cadre, unit=tree.east2, person=reg.shan, colour=Colour.ORANGE, reason="夫妻长期分居",
            responsible=people.district_cadre, visit_interval_days=30,
        )  # fmt: skip
        self.yellow = actions.do_list_family(
            actor=cadre, unit=tree.east2, person=reg.wei, colour=Colour.YELLOW, reason="失业、生活困难",
            responsible=cadre, visit_interval_days=60, listed_on=dt.date(2026, 10, 1),
        )  # fmt: skip
        self.yellow = actions.do_lift_family(
            actor=cadre, family=self.yellow, reason="已再就业", lifted_on=dt.date(2026, 11, 15)
        )
        self.west = actions.do_list_family(
            actor=people.sibling_street_cadre, unit=tree.west1, person=reg.li, colour=Colour.RED, reason="独居受威胁",
            responsible=people.sibling_street_cadre, visit_interval_days=7, listed_on=dt.date(2026, 11, 1),
        )  # fmt: skip


@pytest.fixture
def families(tree, people, reg):
    return Families(tree, people, reg)


RED_ROW = ("张晓燕家", "红色(家暴风险)", "东一社区", "street_cadre", "7天", "2026-11-27 超期", "2026-11-20")


def orange_row() -> tuple[str, ...]:
    return ("单丽家", "橙色(婚姻矛盾)", "东二社区", "district_cadre", "30天", f"{days_from_today(30):%Y-%m-%d}",
            f"{today():%Y-%m-%d}")  # fmt: skip


YELLOW_ROW = ("张伟家", "黄色(生活困难)", "东二社区", "street_cadre", "60天", "已撤销", "2026-10-01")


def test_the_family_register_lists_her_families_the_late_visits_first(families, people, login):
    page = login(people.street_cadre).get("/cases/families/")
    assert page.status_code == 200
    assert count_line(page, "family-count") == "共 2 户"
    assert table_rows(page, "family-table") == [RED_ROW, orange_row()]
    assert marked_rows(page, "family-table") == ["张晓燕家"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?colour=orange", ["orange"]),
        ("?colour=red", ["red"]),
        ("?state=overdue", ["red"]),
        ("?state=lifted", ["yellow"]),
        ("?unit={east2}", ["orange"]),
        ("?unit={east2}&state=lifted", ["yellow"]),
        ("?unit={east1}&colour=orange", []),
        ("?unit={west1}", []),
    ],
)
def test_the_family_register_filters(families, people, tree, login, query, expected):
    shown = {"red": RED_ROW, "orange": orange_row(), "yellow": YELLOW_ROW}
    page = login(people.street_cadre).get(
        "/cases/families/" + query.format(east1=tree.east1.pk, east2=tree.east2.pk, west1=tree.west1.pk)
    )
    assert count_line(page, "family-count") == f"共 {len(expected)} 户"
    assert table_rows(page, "family-table") == ([shown[k] for k in expected] or [("没有符合条件的家庭",)])


def test_a_family_is_listed_from_the_person_page_visited_and_lifted(reg, people, tree, login):
    client = login(people.street_cadre)
    person_page = html_of(client.get(f"/people/{reg.zhang.pk}/"))
    assert f'href="/cases/families/new/?person={reg.zhang.pk}" id="list-family"' in person_page
    form = client.get(f"/cases/families/new/?person={reg.zhang.pk}&colour=red")
    assert form.status_code == 200
    body = html_of(form)
    assert '<h1 class="h4 mb-3">列入重点家庭 · 张晓燕家</h1>' in body
    assert 'name="visit_interval_days" value="7"' in body
    assert re.findall(r'<option value="(\d*)"[^>]*>(.*?)</option>', element(form, "id_responsible", "select")) == [
        ("", "请选择责任人"),
        (str(people.community_cadre.pk), "community_cadre"),
        (str(people.district_cadre.pk), "district_cadre"),
        (str(people.district_leader.pk), "district_leader"),
        (str(people.street_cadre.pk), "street_cadre"),
    ]
    response = client.post(
        f"/cases/families/new/?person={reg.zhang.pk}",
        {"person": str(reg.zhang.pk), "colour": "red", "reason": "丈夫酒后打人",
         "responsible": str(people.community_cadre.pk), "visit_interval_days": "7"},
    )  # fmt: skip
    family = KeyFamily.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/cases/families/{family.pk}/")
    assert flashed(response) == [("success", "已将张晓燕家(红)列入重点家庭名册")]
    assert (
        family.unit, family.person, family.household, family.colour, family.reason, family.responsible,
        family.visit_interval_days, family.next_visit_due, family.listed_on, family.listed_by, family.lifted_on,
    ) == (
        tree.east1, reg.zhang, reg.household, "red", "丈夫酒后打人", people.community_cadre, 7, days_from_today(7),
        today(), people.street_cadre, None,
    )  # fmt: skip
    page = client.get(response["Location"])
    assert family_facts(page) == {
        "家庭联系人": "张晓燕",
        "所属单位": "东一社区",
        "列入原因": "丈夫酒后打人",
        "责任人": "community_cadre",
        "走访间隔": "7天",
        "下次走访": ymd(days_from_today(7)),
        "列入日期": ymd(today()),
    }

    # listed ten days ago: a visit yesterday puts the next one six days ahead
    KeyFamily.objects.filter(pk=family.pk).update(listed_on=days_from_today(-10), next_visit_due=days_from_today(-3))
    assert 'id="visit-overdue"' in html_of(client.get(response["Location"]))
    visit = client.post(
        f"/cases/families/{family.pk}/visits/",
        {
            "visited_on": days_from_today(-1).isoformat(),
            "companions": "社区民警",
            "found": "情况稳定",
            "next_step": "继续关注",
        },
    )
    assert (visit.status_code, visit["Location"], flashed(visit)) == (
        302,
        f"/cases/families/{family.pk}/",
        [("success", "已登记走访")],
    )
    assert list(KeyFamilyVisit.objects.values_list("visited_on", "visitor", "companions", "found", "next_step")) == [
        (days_from_today(-1), people.street_cadre.pk, "社区民警", "情况稳定", "继续关注")
    ]
    page = client.get(response["Location"])
    assert family_facts(page)["下次走访"] == ymd(days_from_today(6))
    assert 'id="visit-overdue"' not in html_of(page)
    assert page_text(element(page, "visits", "ul")) == (
        f"走访记录 {days_from_today(-1):%Y-%m-%d} street_cadre、社区民警:情况稳定 下一步:继续关注"
    )
    assert person_card(client.get(f"/people/{reg.zhang.pk}/")) == [
        f"重点家庭 红色(家暴风险) 下次走访 {days_from_today(6):%Y-%m-%d}"
    ]

    lift = client.post(f"/cases/families/{family.pk}/lift/", {"reason": "已离婚并搬离", "lifted_on": ""})
    assert flashed(lift) == [("success", "已撤销重点管理")]
    family.refresh_from_db()
    assert (family.lifted_on, family.lift_reason, family.lifted_by) == (today(), "已离婚并搬离", people.street_cadre)
    page = client.get(response["Location"])
    assert family_facts(page)["撤销"] == f"{ymd(today())}:已离婚并搬离"
    assert family_facts(page)["下次走访"] == "—"
    assert 'id="visit-form"' not in html_of(page) and 'id="lift-form"' not in html_of(page)
    assert '<span class="badge text-bg-secondary">已撤销</span>' in html_of(page)
    # off the register, the person page offers to list her again
    assert 'id="list-family"' in html_of(client.get(f"/people/{reg.zhang.pk}/"))


def person_card(page: Any) -> list[str]:
    """The person page's 维权案件与重点家庭 card, one text per line."""
    card = html_of(page).split('id="person-cases"', 1)[1].split("</main>", 1)[0]
    card = re.split(r'<div class="card[ "]', card, maxsplit=1)[0]
    return [page_text(i) for i in re.findall(r'<div class="list-group-item[^"]*">(.*?)</div>', card, re.S)]


def family_facts(page: Any) -> dict[str, str]:
    pairs = re.findall(r"<dt[^>]*>(.*?)</dt><dd[^>]*>(.*?)</dd>", element(page, "family-facts", "dl"), re.S)
    return {page_text(k): page_text(v) for k, v in pairs}


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"colour": "", "reason": "x", "visit_interval_days": "7"}, "请选择类别"),
        ({"colour": "red", "reason": "", "visit_interval_days": "7"}, "请填写列入原因"),
        ({"colour": "red", "reason": "x", "visit_interval_days": "0"}, "走访间隔应在1到365天之间"),
        ({"colour": "red", "reason": "x", "visit_interval_days": "400"}, "走访间隔应在1到365天之间"),
    ],
)
def test_listing_a_family_with_bad_input_is_refused_and_keeps_what_was_typed(reg, people, login, data, error):
    before = register_snapshot()
    data = {"person": str(reg.zhang.pk), "responsible": str(people.street_cadre.pk), **data}
    response = login(people.street_cadre).post(f"/cases/families/new/?person={reg.zhang.pk}", data)
    assert response.status_code == 200
    assert field_errors(response) == [error]
    if data["reason"]:
        assert re.search(r'<textarea name="reason"[^>]*>\s*x</textarea>', html_of(response))
    assert register_snapshot() == before


def test_a_family_already_listed_is_refused_with_the_reason_on_screen(families, reg, people, login):
    before = register_snapshot()
    response = login(people.street_cadre).post(
        f"/cases/families/new/?person={reg.zhang.pk}",
        {"person": str(reg.zhang.pk), "colour": "orange", "reason": "再次列入",
         "responsible": str(people.street_cadre.pk), "visit_interval_days": "30"},
    )  # fmt: skip
    assert response.status_code == 200
    assert [*field_errors(response), *alerts(response)] == ["张晓燕家已在重点家庭名册中"]
    assert register_snapshot() == before


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"visited_on": "2099-01-01", "found": "好"}, "走访日期不能晚于今天"),
        ({"visited_on": "2026-11-19", "found": "好"}, "走访日期不能早于列入日期"),
        ({"visited_on": "2026-11-21", "found": ""}, "请填写走访情况"),
    ],
)
def test_a_visit_with_bad_input_is_refused(families, people, login, data, error):
    before = register_snapshot()
    response = login(people.street_cadre).post(f"/cases/families/{families.red.pk}/visits/", data)
    assert response.status_code == 200
    assert field_errors(response) == [error]
    assert register_snapshot() == before


def test_a_lift_without_a_reason_is_refused(families, people, login):
    before = register_snapshot()
    response = login(people.street_cadre).post(f"/cases/families/{families.red.pk}/lift/", {"reason": ""})
    assert field_errors(response) == ["请填写撤销原因"]
    assert re.search(r"<details class=\"mb-3\" open><summary>撤销重点管理</summary>", html_of(response))
    assert register_snapshot() == before


def test_the_family_edit_page_changes_the_interval_and_the_next_visit(families, people, login):
    client = login(people.street_cadre)
    response = client.post(
        f"/cases/families/{families.red.pk}/edit/",
        {"colour": "orange", "reason": "已无暴力,仍有矛盾", "responsible": str(people.street_cadre.pk),
         "visit_interval_days": "14", "person": str(families.red.person_id)},
    )  # fmt: skip
    assert (response.status_code, flashed(response)) == (302, [("success", "已保存")])
    family = KeyFamily.objects.get(pk=families.red.pk)
    assert (family.colour, family.reason, family.visit_interval_days, family.next_visit_due) == (
        "orange",
        "已无暴力,仍有矛盾",
        14,
        dt.date(2026, 12, 4),
    )


FAMILY_HEADER = ("家庭", "类别", "所属单位", "列入原因", "责任人", "走访间隔(天)", "下次走访", "列入日期", "撤销日期")


def test_the_family_export_carries_the_rows_on_screen_with_whole_reasons_for_a_cadre(families, people, login):
    response = login(people.street_cadre).get("/cases/families/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == (
        "attachment; filename*=UTF-8''%E9%87%8D%E7%82%B9%E5%AE%B6%E5%BA%AD%E5%90%8D%E5%86%8C.xlsx"
    )
    due = dt.datetime.combine(days_from_today(30), dt.time())
    listed = dt.datetime.combine(today(), dt.time())
    assert xlsx_rows(response.content) == [
        FAMILY_HEADER,
        ("张晓燕家", "红色(家暴风险)", "东一社区", "丈夫酗酒后多次殴打", "street_cadre", 7, dt.datetime(2026, 11, 27),
         dt.datetime(2026, 11, 20), None),
        ("单丽家", "橙色(婚姻矛盾)", "东二社区", "夫妻长期分居", "district_cadre", 30, due, listed, None),
    ]  # fmt: skip
    assert audit("export") == [
        (people.street_cadre, "keyfamily", "", {"register": "key_families", "filters": {"state": "listed"}, "rows": 2})
    ]


def test_the_family_export_masks_the_reasons_for_a_readonly_user(families, people, login):
    response = login(people.readonly_user).get("/cases/families/export/?state=lifted")
    assert xlsx_rows(response.content) == [
        FAMILY_HEADER,
        ("张伟家", "黄色(生活困难)", "东二社区", "******", "street_cadre", 60, None, dt.datetime(2026, 10, 1),
         dt.datetime(2026, 11, 15)),
    ]  # fmt: skip
    assert audit("export") == [
        (people.readonly_user, "keyfamily", "", {"register": "key_families", "filters": {"state": "lifted"}, "rows": 1})
    ]


def test_the_family_export_follows_the_filters(families, people, tree, login):
    response = login(people.district_leader).get(f"/cases/families/export/?colour=red&unit={tree.district.pk}")
    assert [r[0] for r in xlsx_rows(response.content)[1:]] == ["张晓燕家", "李明家"]
    assert audit("export")[0][3] == {
        "register": "key_families",
        "filters": {"colour": "red", "state": "listed", "unit": str(tree.district.pk)},
        "rows": 2,
    }


# --- screenings --------------------------------------------------------------------------------------


@pytest.fixture
def village(tree, people, reg):
    """东一社区's households: 张晓燕's (with 曾晓燕) and 李秀英's; 单丽's is at 东二社区."""
    li = people_actions.do_create_person(actor=people.street_cadre, unit=tree.east1, name="李秀英", gender="F")
    people_actions.do_create_household(actor=people.street_cadre, unit=tree.east1, head=li)
    people_actions.do_create_household(actor=people.street_cadre, unit=tree.east2, head=reg.shan)
    return li


def test_a_screening_lists_the_households_records_the_findings_and_lists_a_family(reg, village, people, tree, login):
    client = login(people.street_cadre)
    form = client.get(f"/cases/screenings/new/?unit={tree.east1.pk}")
    assert form.status_code == 200
    assert "东一社区共 2 户(人员台账中登记了户主的家庭)" in html_of(form)
    assert [r[0] for r in table_rows(form, "screening-rows")] == ["张晓燕", "李秀英"]
    held = days_from_today(-1)
    response = client.post(
        "/cases/screenings/new/",
        {"unit": str(tree.east1.pk), "held_on": held.isoformat(), "note": "12月排查",
         f"finding_{reg.zhang.pk}": "violence", f"note_{reg.zhang.pk}": "丈夫酒后打人", f"list_{reg.zhang.pk}": "1",
         f"finding_{village.pk}": "none", f"note_{village.pk}": ""},
    )  # fmt: skip
    screening = Screening.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/cases/screenings/{screening.pk}/")
    assert flashed(response) == [("success", "已登记东一社区的排查结果")]
    assert (screening.unit, screening.held_on, screening.note, screening.by) == (
        tree.east1,
        held,
        "12月排查",
        people.street_cadre,
    )
    family = KeyFamily.objects.get()
    assert list(ScreeningResult.objects.order_by("pk").values_list("person", "finding", "note", "family")) == [
        (reg.zhang.pk, "violence", "丈夫酒后打人", family.pk),
        (village.pk, "none", "", None),
    ]
    assert (
        family.person, family.colour, family.reason, family.responsible, family.visit_interval_days, family.listed_on,
    ) == (reg.zhang, "red", "丈夫酒后打人", people.street_cadre, 7, held)  # fmt: skip
    page = client.get(response["Location"])
    assert page_text(element(page, "screening-counts", "p")) == "无矛盾 1户 婚姻矛盾 0户 家暴风险 1户 生活困难 0户"
    assert table_rows(page, "screening-results") == [
        ("张晓燕", "家暴风险", "丈夫酒后打人", "已列入"),
        ("李秀英", "无矛盾", "", ""),
    ]
    assert f'<a href="/cases/families/{family.pk}/">已列入</a>' in html_of(page)
    listing = client.get("/cases/screenings/")
    assert table_rows(listing, "screening-table") == [(f"{held:%Y-%m-%d}", "东一社区", "street_cadre", "12月排查")]


def test_a_screening_with_a_bad_date_is_refused_and_keeps_the_findings(reg, village, people, tree, login):
    before = register_snapshot()
    response = login(people.street_cadre).post(
        "/cases/screenings/new/",
        {"unit": str(tree.east1.pk), "held_on": "2099-01-01", "note": "12月排查",
         f"finding_{reg.zhang.pk}": "dispute", f"note_{reg.zhang.pk}": "夫妻争吵", f"list_{reg.zhang.pk}": "1",
         f"finding_{village.pk}": "none"},
    )  # fmt: skip
    assert response.status_code == 200
    assert alerts(response) == ["排查日期不能晚于今天"]
    assert register_snapshot() == before
    body = html_of(response)
    assert 'value="2099-01-01"' in body and 'value="12月排查"' in body
    assert re.search(
        rf'name="finding_{reg.zhang.pk}"[^>]*>.*?<option value="dispute" selected>婚姻矛盾</option>', body, re.S
    )
    assert f'name="note_{reg.zhang.pk}" aria-label="张晓燕家情况" value="夫妻争吵"' in body
    assert re.search(rf'name="list_{reg.zhang.pk}" value="1"[^>]*checked', body)


def test_a_family_without_a_finding_is_not_listed(reg, village, people, tree, login):
    before = register_snapshot()
    response = login(people.street_cadre).post(
        "/cases/screenings/new/",
        {"unit": str(tree.east1.pk), "held_on": today().isoformat(), f"list_{village.pk}": "1"},
    )
    assert alerts(response) == ["李秀英家排查无矛盾,不需列入重点家庭"]
    assert register_snapshot() == before


def test_a_screening_of_a_unit_outside_her_scope_lists_nothing_and_writes_nothing(reg, village, people, tree, login):
    client = login(people.sibling_street_cadre)
    form = client.get(f"/cases/screenings/new/?unit={tree.east1.pk}")
    assert 'id="screening-form"' not in html_of(form)
    before = register_snapshot()
    response = client.post("/cases/screenings/new/", {"unit": str(tree.east1.pk), "held_on": today().isoformat()})
    assert response.status_code == 200
    assert register_snapshot() == before


# --- the monthly report ------------------------------------------------------------------------------


@pytest.fixture
def june(tree, people):
    """June 2026 at 东街道 (and one case of 西一社区 that her report leaves out):
    P1 东一社区 petition 来访 婚姻家庭 06-03, finished 06-10 resolved, closed 06-12
    P2 东二社区 violence 电话 家庭暴力 06-15, finished 06-20 resolved, violence stopped
    P3 东街道   petition 来信 劳动就业 06-25, never accepted (to accept by 06-28): open and late
    P0 东一社区 petition 来访 其他     05-20, closed 05-26; its follow-up done 06-20, satisfied
    W  西一社区 petition 来访 婚姻家庭 06-05"""
    P, V, ch = Kind.PETITION, Kind.VIOLENCE, Channel
    handled_case(people, tree.east1, P, ch.VISIT, "marriage_family", at(2026, 6, 3),
                 accepted=at(2026, 6, 3), finished=at(2026, 6, 10), closed=at(2026, 6, 12))  # fmt: skip
    handled_case(people, tree.east2, V, ch.PHONE, None, at(2026, 6, 15),
                 accepted=at(2026, 6, 15), finished=at(2026, 6, 20), stopped=True)  # fmt: skip
    handled_case(people, tree.east, P, ch.LETTER, "labour", at(2026, 6, 25))
    p0 = handled_case(people, tree.east1, P, ch.VISIT, "other", at(2026, 5, 20),
                      accepted=at(2026, 5, 20), finished=at(2026, 5, 25), closed=at(2026, 5, 26))  # fmt: skip
    follow_up_done(people, p0, dt.date(2026, 6, 20), True)
    handled_case(people, tree.west1, P, ch.VISIT, "marriage_family", at(2026, 6, 5))


JUNE_SENTENCE = (
    "2026年6月,共受理来信来访及调解、家暴案件3件,其中来信1件、来访1件、电话/12338 1件,办结2件,结案1件,"
    "制止家庭暴力1起,家庭暴力占婚姻家庭问题的50.0%,月末在办1件,其中超期1件,回访1次,满意率100.0%。"
)


def test_the_report_page_shows_the_sentence_and_the_figures_of_the_month(june, people, tree, login):
    page = login(people.street_cadre).get(f"/cases/report/?unit={tree.east.pk}&month=2026-06")
    assert page.status_code == 200
    assert page_text(element(page, "report-sentence", "p")) == JUNE_SENTENCE
    cards = re.findall(
        r'<div class="card-body">(.*?)</div></div></div>', element(page, "report-figures", "script"), re.S
    )
    assert [page_text(c) for c in cards][:4] == [
        "受理 3",
        "办结 / 结案 2 / 1",
        "制止家庭暴力 1 家暴占婚姻家庭问题 50.0%",
        "月末在办 / 超期 1 / 1 回访 1 次,满意率 100.0%",
    ]
    assert table_rows(page, "by-kind") == [("来信来访", "2"), ("调解", "0"), ("家庭暴力", "1")]
    assert table_rows(page, "by-category") == [
        ("婚姻家庭", "1"), ("家庭暴力", "1"), ("财产与土地权益", "0"), ("劳动就业", "1"), ("人身权利", "0"),
        ("儿童权益", "0"), ("其他", "0"),
    ]  # fmt: skip
    assert table_rows(page, "by-outcome") == [
        ("已解决", "2"), ("部分解决", "0"), ("未解决", "0"), ("转有关部门处理", "0"), ("当事人撤回", "0"),
    ]  # fmt: skip
    assert table_rows(page, "by-unit") == [("东街道(本级)", "1"), ("东一社区", "1"), ("东二社区", "1")]
    query = f"unit={tree.east.pk}&amp;month=2026-06"
    assert f'href="/cases/report.xlsx?{query}" id="report-xlsx"' in html_of(page)
    assert f'href="/cases/report.docx?{query}" id="report-docx"' in html_of(page)
    assert audit("export") == []


def test_the_report_of_her_own_unit_is_the_default(june, people, login):
    page = login(people.street_cadre).get("/cases/report/?month=2026-06")
    assert page_text(element(page, "report-sentence", "p")) == JUNE_SENTENCE


@pytest.mark.parametrize(
    ("month", "error"),
    [
        ("2026-13", "月份格式应为 YYYY-MM,如 2026-03"),
        ("六月", "月份格式应为 YYYY-MM,如 2026-03"),
        ("2099-01", "不能统计未来的月份"),
    ],
)
def test_a_bad_month_is_said_in_chinese(june, people, tree, login, month, error):
    client = login(people.street_cadre)
    page = client.get(f"/cases/report/?unit={tree.east.pk}&month={month}")
    assert page.status_code == 200
    assert page_text(element(page, "report-error")) == error
    assert 'id="report-sentence"' not in html_of(page) and 'id="report-xlsx"' not in html_of(page)
    assert f'name="month" value="{month}"' in html_of(page)
    for url in ("/cases/report.xlsx", "/cases/report.docx"):
        response = client.get(f"{url}?unit={tree.east.pk}&month={month}")
        assert (response.status_code, response["Location"], flashed(response)) == (
            302,
            "/cases/report/",
            [("error", error)],
        )
    assert audit("export") == []


def test_the_report_downloads_as_a_workbook(june, people, tree, login):
    response = login(people.street_cadre).get(f"/cases/report.xlsx?unit={tree.east.pk}&month=2026-06")
    assert (response.status_code, response["Content-Type"]) == (200, XLSX)
    assert response["Content-Disposition"] == (
        "attachment; filename*=UTF-8''%E7%BB%B4%E6%9D%83%E5%B7%A5%E4%BD%9C%E6%9C%88%E6%8A%A5-"
        "%E4%B8%9C%E8%A1%97%E9%81%93-2026-06.xlsx"
    )
    assert xlsx_rows(response.content) == [
        ("项目", "分项", "数量"),
        ("受理总数", None, 3),
        ("来源渠道", "来信", 1), ("来源渠道", "来访", 1), ("来源渠道", "电话/12338", 1), ("来源渠道", "网上", 0),
        ("来源渠道", "上级转办", 0),
        ("类型", "来信来访", 2), ("类型", "调解", 0), ("类型", "家庭暴力", 1),
        ("类别", "婚姻家庭", 1), ("类别", "家庭暴力", 1), ("类别", "财产与土地权益", 0), ("类别", "劳动就业", 1),
        ("类别", "人身权利", 0), ("类别", "儿童权益", 0), ("类别", "其他", 0),
        ("单位", "东街道(本级)", 1), ("单位", "东一社区", 1), ("单位", "东二社区", 1),
        ("办理结果", "已解决", 2), ("办理结果", "部分解决", 0), ("办理结果", "未解决", 0),
        ("办理结果", "转有关部门处理", 0), ("办理结果", "当事人撤回", 0),
        ("办结", None, 2), ("结案", None, 1), ("制止家庭暴力(起)", None, 1), ("婚姻家庭问题", None, 2),
        ("其中家庭暴力", None, 1), ("家庭暴力占婚姻家庭问题(%)", None, 50), ("月末在办", None, 1),
        ("月末超期", None, 1), ("回访次数", None, 1), ("表示满意", None, 1), ("满意率(%)", None, 100),
        ("回访超期", None, 0),
    ]  # fmt: skip
    assert audit("export") == [
        (people.street_cadre, "unit", str(tree.east.pk), {"report": "cases_monthly", "month": "2026-06"})
    ]


def test_the_report_downloads_as_a_word_document(june, people, tree, login):
    response = login(people.street_cadre).get(f"/cases/report.docx?unit={tree.east.pk}&month=2026-06")
    assert (response.status_code, response["Content-Type"]) == (200, DOCX)
    doc = Document(io.BytesIO(response.content))
    assert [p.text for p in doc.paragraphs] == [
        "东街道维权工作月报(2026年6月)",
        JUNE_SENTENCE,
        f"制表日期:{ymd(today())}",
    ]
    assert [[c.text for c in row.cells] for row in doc.tables[0].rows] == [
        ["受理总数", "3"],
        ["按来源渠道", "来信1件、来访1件、电话/12338 1件"],
        ["按类型", "来信来访2件、家庭暴力1件"],
        ["按类别", "婚姻家庭1件、家庭暴力1件、劳动就业1件"],
        ["按单位", "东街道(本级)1件、东一社区1件、东二社区1件"],
        ["办结", "2"],
        ["办理结果", "已解决2件"],
        ["结案", "1"],
        ["制止家庭暴力(起)", "1"],
        ["家庭暴力占婚姻家庭问题(%)", "50.0"],
        ["月末在办 / 其中超期", "1 / 1"],
        ["回访次数 / 满意率(%)", "1 / 100.0"],
    ]
    assert audit("export") == [
        (people.street_cadre, "unit", str(tree.east.pk), {"report": "cases_monthly_docx", "month": "2026-06"})
    ]


def test_the_report_of_a_unit_outside_her_view_is_a_404(june, people, tree, login):
    client = login(people.street_cadre)
    for url in ("/cases/report/", "/cases/report.xlsx", "/cases/report.docx"):
        assert client.get(f"{url}?unit={tree.west.pk}&month=2026-06").status_code == 404
    assert audit("export") == []


# --- a unit's settings -------------------------------------------------------------------------------


LIMIT_FIELDS = [f"{k}__{s}" for k in ("petition", "mediation", "violence") for s in ("accept", "finish", "follow_up")]


def limit_inputs(page: Any) -> dict[str, str]:
    """Each limit field of the settings page: {name: its <input> tag}."""
    return {name: tag for tag, name in re.findall(r'(<input type="number" name="(\w+)"[^>]*>)', html_of(page))}


def limits_shown(page: Any) -> dict[str, tuple[str, str]]:
    """Each limit field of the settings page: (its value, its grey placeholder)."""
    tags = limit_inputs(page)
    out = {}
    for name in LIMIT_FIELDS:
        assert name in tags, name
        value = re.search(r'value="(\d*)"', tags[name])
        placeholder = re.search(r'placeholder="(\d*)"', tags[name])
        out[name] = (value.group(1) if value else "", placeholder.group(1) if placeholder else "")
    return out


def test_a_leader_sets_a_time_limit_and_new_cases_follow_it(people, tree, login):
    client = login(people.district_leader)
    page = client.get(f"/cases/settings/?unit={tree.east.pk}")
    assert page.status_code == 200
    assert '<h1 class="h4 mb-3">维权工作设置 · 东街道</h1>' in html_of(page)
    assert limits_shown(page)["petition__accept"] == ("", "3")
    assert not any(" disabled" in tag for tag in limit_inputs(page).values())
    data = {"limits": "1", **dict.fromkeys(LIMIT_FIELDS, ""), "petition__accept": "5", "violence__accept": "1"}
    response = client.post(f"/cases/settings/?unit={tree.east.pk}", data)
    assert (response.status_code, response["Location"]) == (302, f"/cases/settings/?unit={tree.east.pk}")
    assert flashed(response) == [("success", "已保存办理时限")]
    assert sorted(TimeLimit.objects.values_list("unit", "kind", "step", "days")) == [
        (tree.east.pk, "petition", "accept", 5),
        (tree.east.pk, "violence", "accept", 1),
    ]
    shown = limits_shown(client.get(f"/cases/settings/?unit={tree.east.pk}"))
    assert (shown["petition__accept"], shown["petition__finish"], shown["violence__accept"]) == (
        ("5", "5"),
        ("", "15"),
        ("1", "1"),
    )
    # a community below follows the street; the sibling street keeps the default
    assert limits_shown(client.get(f"/cases/settings/?unit={tree.east1.pk}"))["petition__accept"] == ("", "5")
    cadre = login(people.street_cadre)
    cadre.post("/cases/new/", intake(tree.east1, received_at="2026-11-30T09:30"))
    assert Case.objects.get().accept_due == dt.date(2026, 12, 5)
    other = login(people.sibling_street_cadre)
    other.post("/cases/new/", intake(tree.west1, received_at="2026-11-30T09:30"))
    assert Case.objects.get(unit=tree.west1).accept_due == dt.date(2026, 12, 3)
    # a limit left blank returns to what applies above
    data["petition__accept"] = ""
    client.post(f"/cases/settings/?unit={tree.east.pk}", data)
    assert list(TimeLimit.objects.values_list("kind", "days")) == [("violence", 1)]


def test_a_limit_out_of_range_is_refused(people, tree, login):
    data = {"limits": "1", **dict.fromkeys(LIMIT_FIELDS, ""), "petition__finish": "400"}
    response = login(people.district_leader).post(f"/cases/settings/?unit={tree.east.pk}", data)
    assert response.status_code == 200
    assert field_errors(response) == ["时限应在1到365天之间"]
    assert TimeLimit.objects.count() == 0


def test_a_cadre_sees_the_limits_read_only_and_cannot_change_them(people, tree, login):
    actions.do_set_time_limit(actor=people.district_leader, unit=tree.east, kind="petition", step="finish", days=10)
    client = login(people.street_cadre)
    page = client.get("/cases/settings/")
    body = html_of(page)
    assert '<h1 class="h4 mb-3">维权工作设置 · 东街道</h1>' in body
    assert "只有领导可以修改。" in body
    assert "保存时限" not in body
    assert limits_shown(page)["petition__finish"] == ("10", "10")
    inputs = limit_inputs(page)
    assert sorted(inputs) == sorted(LIMIT_FIELDS)
    assert all(" disabled" in tag for tag in inputs.values())
    before = register_snapshot()
    data = {"limits": "1", **dict.fromkeys(LIMIT_FIELDS, ""), "petition__finish": "30"}
    assert client.post("/cases/settings/", data).status_code == 404
    assert register_snapshot() == before
    assert audit("denied") == [(people.street_cadre, "case", "", {"reason": "time_limits"})]


def test_a_template_uploaded_for_a_street_makes_the_agreements_below_it(reg, people, tree, login):
    client = login(people.street_cadre)
    template = docx_with("东街道人民调解协议书", "编号 {{ number }}", "协议:{{ terms }}", "{{ unit }} {{ agreed_on }}")
    response = client.post(
        f"/cases/settings/?unit={tree.east.pk}",
        {
            "upload": "1",
            "purpose": "mediation_agreement",
            "file": SimpleUploadedFile("东街道协议书.docx", template, DOCX),
        },
    )
    assert (response.status_code, response["Location"]) == (302, f"/cases/settings/?unit={tree.east.pk}")
    assert flashed(response) == [("success", "已上传模板")]
    row = DocumentTemplate.objects.get()
    assert (row.unit, row.purpose, row.file_name, bytes(row.data), row.uploaded_by) == (
        tree.east,
        "mediation_agreement",
        "东街道协议书.docx",
        template,
        people.street_cadre,
    )
    templates = page_text(element(client.get(f"/cases/settings/?unit={tree.east1.pk}"), "templates", "ul"))
    assert templates.startswith(
        "人民调解协议书 :东街道上传的“东街道协议书.docx” 下载 可用占位符: {{ number }} 案件编号;"
    )

    case = mediation_case(people, tree, reg)
    actions.do_record_session(actor=people.street_cadre, case=case, held_on=dt.date(2026, 11, 28), place="调解室")
    actions.do_record_agreement(
        actor=people.street_cadre, case=case, reached=True, terms="李某拆除围墙", agreed_on=dt.date(2026, 11, 29)
    )
    document = client.get(f"/cases/{case.pk}/agreement.docx")
    assert docx_paragraphs(document.content) == [
        "东街道人民调解协议书",
        "编号 2026TJ00001",
        "协议:李某拆除围墙",
        "东一社区 2026年11月29日",
    ]
    # the template that applies downloads: the street's below it, the default above it
    own = client.get(f"/cases/settings/templates/mediation_agreement/?unit={tree.east1.pk}")
    assert (own.status_code, own.content) == (200, template)
    assert own["Content-Disposition"] == (
        "attachment; filename*=UTF-8''%E4%B8%9C%E8%A1%97%E9%81%93%E5%8D%8F%E8%AE%AE%E4%B9%A6.docx"
    )
    default = login(people.district_cadre).get(
        f"/cases/settings/templates/mediation_agreement/?unit={tree.district.pk}"
    )
    assert docx_paragraphs(default.content)[:2] == ["人民调解协议书", "编号:{{ number }}"]
    assert default["Content-Disposition"] == "attachment; filename*=UTF-8''" + quote("人民调解协议书(默认模板).docx")
    report = client.get(f"/cases/settings/templates/monthly_report/?unit={tree.east1.pk}")
    assert docx_paragraphs(report.content)[:2] == ["{{ unit }}维权工作月报({{ month }})", "{{ sentence }}"]


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("协议书.txt", b"{{ number }}", "模板须是 Word 文档(.docx)"),
        ("协议书.docx", b"not a document", "模板须是 Word 文档(.docx)"),
        (
            "协议书.docx",
            docx_with("编号 {{ case_no }}"),
            "模板中的占位符有误,请检查 {{ }} 是否成对、名称是否为页面列出的占位符",
        ),
        (
            "协议书.docx",
            docx_with("编号 {{ number"),
            "模板中的占位符有误,请检查 {{ }} 是否成对、名称是否为页面列出的占位符",
        ),
        (
            "协议书.docx",
            docx_with("{{ number.__class__ }}"),
            "模板中只能使用页面列出的占位符,写作 {{ 名称 }};不支持条件、循环、运算等写法",
        ),
    ],
)
def test_a_bad_template_is_refused(people, tree, login, name, data, error):
    response = login(people.street_cadre).post(
        "/cases/settings/",
        {"upload": "1", "purpose": "mediation_agreement", "file": SimpleUploadedFile(name, data, DOCX)},
    )
    assert response.status_code == 200
    assert field_errors(response) == [error]
    assert DocumentTemplate.objects.count() == 0


def test_a_readonly_user_cannot_upload_a_template(people, tree, login):
    client = login(people.readonly_user)
    assert 'id="template-upload"' not in html_of(client.get("/cases/settings/"))
    response = client.post(
        "/cases/settings/",
        {"upload": "1", "purpose": "mediation_agreement", "file": SimpleUploadedFile("a.docx", docx_with("x"), DOCX)},
    )
    assert response.status_code == 404
    assert DocumentTemplate.objects.count() == 0


# --- the person page and the work bench --------------------------------------------------------------


def test_the_person_page_shows_her_cases_and_family_as_far_as_the_viewer_sees(reg, people, tree, login):
    cadre = people.district_cadre
    mine = register(cadre, tree.east1, person=reg.zhang, received_at=at(2026, 11, 2))
    street = case_in(Status.ACCEPTED, unit=tree.east, cadre=cadre, leader=people.district_leader, kind=Kind.VIOLENCE,
                     person=reg.zhang, received_at=at(2026, 11, 10))  # fmt: skip
    west = register(cadre, tree.west1, person=reg.zhang, category="labour", received_at=at(2026, 11, 20))
    actions.do_list_family(actor=cadre, unit=tree.east1, person=reg.zhang, colour=Colour.RED, reason="家暴",
                           responsible=cadre, visit_interval_days=7, listed_on=dt.date(2026, 11, 25))  # fmt: skip
    family = "重点家庭 红色(家暴风险) 下次走访 2026-12-02"
    line = {
        mine: "2026XF00001 来信来访 · 婚姻家庭 · 2026-11-02 · 登记",
        street: "2026JB00001 家庭暴力 · 家庭暴力 · 2026-11-10 · 受理",
        west: "2026XF00002 来信来访 · 劳动就业 · 2026-11-20 · 登记",
    }
    assert person_card(login(people.district_cadre).get(f"/people/{reg.zhang.pk}/")) == [
        family, line[west], line[street], line[mine],
    ]  # fmt: skip
    assert person_card(login(people.street_cadre).get(f"/people/{reg.zhang.pk}/")) == [family, line[street], line[mine]]
    community = login(people.community_cadre).get(f"/people/{reg.zhang.pk}/")
    assert person_card(community) == [family, line[mine]]
    assert f'href="/cases/{street.pk}/"' not in html_of(community)
    assert audit("access") == []  # the card names the cases, it does not open them
    assert person_card(login(people.street_cadre).get(f"/people/{reg.shan.pk}/")) == ["没有维权案件"]


@pytest.fixture
def bench(tree, people, reg):
    """东街道's work: a case not accepted in time and one to accept; one handled by the street cadre
    past its finish date and one within it; a closing to approve; a case of 示范区 sent down to
    东街道; a follow-up late; a key family whose visit is late. And 西街道's: a late case."""
    cadre, leader = people.street_cadre, people.district_leader
    late = register(cadre, tree.east1, received_at=at(2026, 11, 1))
    set_times(late, accept_due=dt.date(2026, 11, 4))
    register(cadre, tree.east2)
    handling = case_in(Status.IN_PROGRESS, unit=tree.east, cadre=cadre, leader=leader)
    set_times(handling, finish_due=dt.date(2026, 11, 30))
    case_in(Status.ACCEPTED, unit=tree.east1, cadre=cadre, leader=leader)
    case_in(Status.CLOSING, unit=tree.east1, cadre=cadre, leader=leader)
    down = register(people.district_cadre, tree.district)
    actions.do_transfer(actor=people.district_cadre, case=down, to_unit=tree.east, reason="属地办理")
    closed = case_in(Status.CLOSED, unit=tree.east2, cadre=cadre, leader=leader)
    FollowUp.objects.filter(case=closed).update(due_on=dt.date(2026, 11, 1))
    actions.do_list_family(actor=cadre, unit=tree.east1, person=reg.zhang, colour=Colour.RED, reason="家暴",
                           responsible=cadre, visit_interval_days=7, listed_on=dt.date(2026, 11, 1))  # fmt: skip
    west = register(people.sibling_street_cadre, tree.west1, received_at=at(2026, 11, 1))
    set_times(west, accept_due=dt.date(2026, 11, 4))


def todos_shown(page: Any) -> dict[str, tuple[str, str]]:
    """Each to-do of the work bench: (label, figure)."""
    found = re.findall(
        r'id="todo-(\w+)">\s*<div class="small text-muted">(.*?)</div><div class="figure-big[^"]*">(.*?)</div>',
        html_of(page),
    )
    return {key: (label, figure) for key, label, figure in found}


def test_the_work_bench_counts_what_waits_for_the_street_cadre(bench, people, login):
    assert todos_shown(login(people.street_cadre).get("/")) == {
        "overdue": ("超期案件", "2"),
        "to_accept": ("待受理", "2"),
        "transfers": ("待接收转办", "1"),
        "mine": ("我承办的在办案件", "2"),
        "follow_ups": ("回访超期", "1"),
        "visits": ("重点家庭走访超期", "1"),
    }


def test_the_work_bench_of_the_district_leader_adds_the_closings_to_approve(bench, people, login):
    assert todos_shown(login(people.district_leader).get("/")) == {
        "overdue": ("超期案件", "3"),
        "to_accept": ("待受理", "3"),
        "to_approve": ("待我审批结案", "1"),
        "transfers": ("待接收转办", "1"),
        "mine": ("我承办的在办案件", "0"),
        "follow_ups": ("回访超期", "1"),
        "visits": ("重点家庭走访超期", "1"),
    }


def test_the_work_bench_of_others(bench, people, login):
    assert todos_shown(login(people.readonly_user).get("/")) == {
        "overdue": ("超期案件", "2"),
        "to_accept": ("待受理", "2"),
        "mine": ("我承办的在办案件", "0"),
        "follow_ups": ("回访超期", "1"),
        "visits": ("重点家庭走访超期", "1"),
    }
    assert todos_shown(login(people.sibling_street_cadre).get("/")) == {
        "overdue": ("超期案件", "1"),
        "to_accept": ("待受理", "1"),
        "transfers": ("待接收转办", "0"),
        "mine": ("我承办的在办案件", "0"),
        "follow_ups": ("回访超期", "0"),
        "visits": ("重点家庭走访超期", "0"),
    }
    assert todos_shown(login(people.audit_admin).get("/")) == {}


def test_a_to_do_leads_to_the_list_it_counts(bench, people, login):
    client = login(people.street_cadre)
    page = client.get("/")
    for key, url, table, line in [
        ("overdue", "/cases/?status=overdue", "case-table", "case-count"),
        ("to_accept", "/cases/?status=to_accept", "case-table", "case-count"),
        ("transfers", "/cases/?status=transfer_in", "case-table", "case-count"),
        ("mine", "/cases/?mine=1&status=open", "case-table", "case-count"),
        ("follow_ups", "/cases/follow-ups/?state=overdue", "follow-up-table", "follow-up-count"),
        ("visits", "/cases/families/?state=overdue", "family-table", "family-count"),
    ]:
        assert f'href="{url.replace("&", "&amp;")}" id="todo-{key}"' in html_of(page)
        listing = client.get(url)
        figure = int(todos_shown(page)[key][1])
        assert (
            count_line(listing, line)
            == f"共 {figure} {'次' if key == 'follow_ups' else '户' if key == 'visits' else '件'}"
        )
        assert len(table_rows(listing, table)) == figure, key
