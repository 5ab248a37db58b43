"""The case ledger (维权案件台账) in and out through the import wizard, the way a street cadre
brings in a historical register: a title row above the header, rows with and without numbers,
closed and registered cases, a violence incident, rows refused for a category, a unit or a gender;
the person of a row found by ID number or registered on the spot; the same file imported again
changes nothing. The list goes out with the filters on screen, masked for those who may not reveal,
and comes back in without a change."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jinguo.cases.models import Case, CaseEvent, CaseNumber
from jinguo.core.ledger.engine import refused_rows
from jinguo.core.ledger.testing import counts_shown, job_id_of, read_xlsx, refused_shown, upload_file, xlsx_bytes
from jinguo.core.models import AuditEntry, ImportJob
from jinguo.people.models import Person
from jinguo.people.tests.helpers import FREE_ID, ZHANG_ID, ZHANG_PHONE, build_registry

from .helpers import SHANGHAI, at, register, register_snapshot

pytestmark = pytest.mark.django_db

HEADER = ["编号", "登记日期", "类型", "来源渠道", "类别", "当事人姓名", "性别", "身份证号", "联系电话", "所属单位",
          "事由", "诉求", "状态", "办理结果", "办结日期", "结案日期", "是否制止家暴"]  # fmt: skip


def line(**cells: Any) -> list[Any]:
    return [cells.get(h) for h in HEADER]


# Sheet row 1 is a title, 2 the header, 3-10 cases, 11 a signature line under the table.
ROWS = [
    line(编号="DJ2025-001", 登记日期=dt.date(2025, 3, 8), 类型="来访", 来源渠道="来访", 类别="婚姻家庭",
         当事人姓名="张晓燕", 性别="女", 身份证号=ZHANG_ID, 联系电话="13900009999", 所属单位="东一社区",
         事由="丈夫酗酒后辱骂", 诉求="希望调解", 状态="已结案", 办理结果="解决", 办结日期=dt.date(2025, 3, 20),
         结案日期=dt.date(2025, 3, 25), 是否制止家暴="否"),
    line(登记日期="2025年4月2日", 类型="信访", 来源渠道="电话", 类别="劳动就业", 当事人姓名="林小满", 身份证号=FREE_ID,
         联系电话="13911112222", 所属单位="东二社区", 事由="单位拖欠工资"),
    line(登记日期=dt.date(2025, 5, 10), 类型="家暴", 来源渠道="12338", 所属单位="东一社区", 事由="丈夫持刀威胁",
         状态="已办结", 办理结果="解决", 办结日期=dt.date(2025, 5, 12), 是否制止家暴="是"),
    line(登记日期=dt.date(2025, 6, 1), 类型="信访", 来源渠道="来信", 类别="宅基地纠纷", 当事人姓名="王芳", 性别="女",
         所属单位="东一社区", 事由="宅基地边界不清"),
    line(登记日期=dt.date(2025, 6, 2), 类型="信访", 来源渠道="来访", 类别="婚姻家庭", 当事人姓名="吴娟", 性别="女",
         所属单位="西一社区", 事由="离婚纠纷"),
    line(登记日期=dt.date(2025, 6, 3), 类型="信访", 来源渠道="来访", 类别="婚姻家庭", 当事人姓名="王某",
         所属单位="东一社区", 事由="家庭矛盾"),
    line(登记日期=dt.date(2025, 6, 4), 类型="调解", 来源渠道="来访", 类别="财产与土地权益", 当事人姓名="赵某",
         性别="女",
         联系电话="13700001111", 所属单位="东二社区", 事由="邻里纠纷", 状态="在办"),
    line(编号="2025XF00007", 登记日期=dt.date(2025, 7, 1), 类型="信访", 来源渠道="网络", 类别="其他", 所属单位="东街道",
         事由="咨询离婚程序", 办理结果="撤回"),
    ["填表人:张三", None, None, None, None, "审核人:李四"] + [None] * 11,
]  # fmt: skip

CATEGORY_NAMES = "婚姻家庭、家庭暴力、财产与土地权益、劳动就业、人身权利、儿童权益、其他"
REFUSED = [
    {"row": 6, "column": "类别", "reason": f"类别“宅基地纠纷”不存在,可填:{CATEGORY_NAMES}"},
    {"row": 7, "column": "所属单位", "reason": "所属单位“西一社区”不存在、已撤销或不在您的管理范围内"},
    {"row": 8, "column": "性别", "reason": "没有身份证号时请填写当事人性别,用于在人员台账中登记"},
]


def register_file() -> bytes:
    return xlsx_bytes([["东街道来信来访登记台账(2025年)"], HEADER, *ROWS], merges=["A1:Q1"], sheet="登记台账")


@pytest.fixture
def reg(tree, people):
    return build_registry(tree, people.district_cadre)


def preview(client: Any, data: bytes, name: str = "东街道来信来访台账.xlsx") -> ImportJob:
    response = client.post("/ledgers/cases/import/", {"file": upload_file(data, name)})
    assert response.status_code == 302, response.content.decode()[:3000]
    return ImportJob.objects.get(pk=job_id_of(response))


def commit(client: Any, job: ImportJob, capture: Any) -> ImportJob:
    with capture(execute=True):
        response = client.post(f"/ledgers/imports/{job.pk}/commit/")
    assert (response.status_code, response["Location"]) == (302, f"/ledgers/imports/{job.pk}/")
    job.refresh_from_db()
    return job


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=SHANGHAI)


def nine(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=SHANGHAI)


def stored() -> list[tuple[Any, ...]]:
    """The imported cases as stored, by received date."""
    return [
        (
            c.number, c.unit.name, c.kind, c.channel, c.category.code, c.person.name if c.person else None,
            c.anonymous, c.status, c.outcome, c.received_at, c.accepted_at, c.finished_at, c.closed_at,
            c.violence_stopped, c.narrative, c.request,
        )
        for c in Case.objects.select_related("unit", "category", "person").order_by("received_at")
    ]  # fmt: skip


EXPECTED_CASES = [
    ("DJ2025-001", "东一社区", "petition", "visit", "marriage_family", "张晓燕", False, "closed", "resolved",
     nine(dt.date(2025, 3, 8)), nine(dt.date(2025, 3, 8)), noon(dt.date(2025, 3, 20)), noon(dt.date(2025, 3, 25)),
     False, "丈夫酗酒后辱骂", "希望调解"),
    ("2025XF00001", "东二社区", "petition", "phone", "labour", "林小满", False, "registered", "",
     nine(dt.date(2025, 4, 2)), None, None, None, False, "单位拖欠工资", ""),
    ("2025JB00001", "东一社区", "violence", "phone", "domestic_violence", None, True, "finished", "resolved",
     nine(dt.date(2025, 5, 10)), nine(dt.date(2025, 5, 10)), noon(dt.date(2025, 5, 12)), None, True,
     "丈夫持刀威胁", ""),
    ("2025TJ00001", "东二社区", "mediation", "visit", "property_land", "赵某", False, "in_progress", "",
     nine(dt.date(2025, 6, 4)), nine(dt.date(2025, 6, 4)), None, None, False, "邻里纠纷", ""),
    ("2025XF00007", "东街道", "petition", "online", "other", None, True, "closed", "withdrawn",
     nine(dt.date(2025, 7, 1)), nine(dt.date(2025, 7, 1)), nine(dt.date(2025, 7, 1)), nine(dt.date(2025, 7, 1)),
     False, "咨询离婚程序", ""),
]  # fmt: skip


# --- in ----------------------------------------------------------------------------------------------


def test_the_preview_of_a_historical_register_gives_exact_counts_and_every_reason(reg, people, login):
    client = login(people.street_cadre)
    before = register_snapshot()
    job = preview(client, register_file())
    counts = {"total": 8, "new": 5, "updated": 0, "unchanged": 0, "refused": 3}
    assert (job.status, job.counts) == ("preview", counts)
    assert refused_rows(job) == REFUSED
    page = client.get(f"/ledgers/imports/{job.pk}/")
    assert counts_shown(page) == counts
    assert refused_shown(page) == [
        ("6", "王芳", "类别", REFUSED[0]["reason"]),
        ("7", "吴娟", "所属单位", REFUSED[1]["reason"]),
        ("8", "王某", "性别", REFUSED[2]["reason"]),
    ]
    assert "工作表“登记台账”第 2 行为表头" in page.content.decode()
    assert register_snapshot() == before  # a preview writes nothing


def test_the_commit_writes_each_case_in_its_status_and_links_or_registers_its_person(
    reg, people, tree, login, django_capture_on_commit_callbacks
):
    client = login(people.street_cadre)
    persons = Person.objects.count()
    job = commit(client, preview(client, register_file()), django_capture_on_commit_callbacks)
    assert (job.status, job.message, job.progress_done) == ("committed", "", 5)
    assert stored() == EXPECTED_CASES
    # 张晓燕 by her ID number: linked, not registered twice; 林小满 and 赵某 registered on the spot
    assert Person.objects.count() == persons + 2
    assert Person.objects.filter(name="张晓燕").count() == 1
    lin = Person.objects.get(name="林小满")
    assert (lin.unit, lin.id_number, lin.gender, lin.birth_date, lin.phone, lin.created_by) == (
        tree.east2,
        FREE_ID,
        "F",
        dt.date(1985, 1, 2),
        "13911112222",
        people.street_cadre,
    )
    zhao = Person.objects.get(name="赵某")
    assert (zhao.unit, zhao.id_number, zhao.gender, zhao.birth_date, zhao.phone) == (
        tree.east2,
        None,
        "F",
        None,
        "13700001111",
    )
    assert Person.objects.get(name="张晓燕").phone == ZHANG_PHONE  # the register's phone does not overwrite hers
    assert set(CaseEvent.objects.values_list("action", "note", "actor")) == {
        ("import", "由历史台账导入", people.street_cadre.pk)
    }
    assert CaseEvent.objects.count() == 5
    # our own number kept from the register moves the counter past it
    assert dict(CaseNumber.objects.filter(year=2025).values_list("kind", "last")) == {
        "petition": 7,
        "violence": 1,
        "mediation": 1,
    }
    entry = AuditEntry.objects.filter(event="import").get()
    assert (entry.username, entry.result, entry.additional_data) == (
        "street_cadre",
        "success",
        {"register": "cases", "file": "东街道来信来访台账.xlsx", "total": 8, "new": 5, "updated": 0, "unchanged": 0,
         "refused": 3},
    )  # fmt: skip
    page = client.get(f"/ledgers/imports/{job.pk}/")
    assert "导入完成:新增 5 条,更新 0 条,无变化 0 条,拒绝 3 行。" in page.content.decode()


def test_importing_the_same_register_again_changes_nothing(reg, people, login, django_capture_on_commit_callbacks):
    client = login(people.street_cadre)
    commit(client, preview(client, register_file()), django_capture_on_commit_callbacks)
    after_first = register_snapshot()
    again = preview(client, register_file())
    assert again.counts == {"total": 8, "new": 0, "updated": 0, "unchanged": 5, "refused": 3}
    assert not again.can_commit
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/ledgers/imports/{again.pk}/commit/", follow=True)
    assert "没有可导入的行:所有行都无变化或被拒绝" in response.content.decode()
    assert register_snapshot() == after_first


def test_the_fixed_refused_rows_import_cleanly(reg, people, tree, login, django_capture_on_commit_callbacks):
    client = login(people.street_cadre)
    job = preview(client, register_file())
    rows = [list(r) for r in read_xlsx(client.get(f"/ledgers/imports/{job.pk}/refused.xlsx"))]
    header, body = rows[0], rows[1:]
    assert header == [*HEADER, "拒绝原因", "原行号"]
    assert [(r[-2], r[-1]) for r in body] == [(f"{e['column']}:{e['reason']}", e["row"]) for e in REFUSED]
    fixes = {6: {"类别": "财产与土地权益"}, 7: {"所属单位": "东二社区"}, 8: {"性别": "男"}}
    for cells in body:
        for label, value in fixes[cells[-1]].items():
            cells[header.index(label)] = value
    fixed = preview(client, xlsx_bytes([header, *body]), "被拒绝的行-已改正.xlsx")
    assert fixed.counts == {"total": 3, "new": 3, "updated": 0, "unchanged": 0, "refused": 0}
    commit(client, fixed, django_capture_on_commit_callbacks)
    assert sorted(
        Case.objects.filter(received_at__gte=at(2025, 6, 1, 0)).values_list("person__name", "unit__name")
    ) == [
        ("吴娟", "东二社区"),
        ("王某", "东一社区"),
        ("王芳", "东一社区"),
    ]


def test_a_sibling_street_cadre_cannot_import_rows_of_dong_jie(reg, people, login, django_capture_on_commit_callbacks):
    commit(login(people.street_cadre), preview(login(people.street_cadre), register_file()),
           django_capture_on_commit_callbacks)  # fmt: skip
    before = register_snapshot()
    data = xlsx_bytes([
        HEADER,
        line(编号="DJ2025-001", 登记日期=dt.date(2025, 3, 8), 类型="信访", 来源渠道="来访", 类别="婚姻家庭",
             所属单位="西一社区", 事由="同一编号"),
        line(登记日期=dt.date(2025, 8, 1), 类型="信访", 来源渠道="来访", 类别="婚姻家庭", 当事人姓名="张晓燕",
             身份证号=ZHANG_ID, 所属单位="西一社区", 事由="同一身份证号"),
        line(登记日期=dt.date(2025, 8, 2), 类型="信访", 来源渠道="来访", 类别="婚姻家庭", 所属单位="东一社区",
             事由="别处"),
    ])  # fmt: skip
    job = preview(login(people.sibling_street_cadre), data)
    assert refused_rows(job) == [
        {"row": 2, "column": "编号", "reason": "该编号的案件已在其他单位登记"},
        {"row": 3, "column": "身份证号", "reason": "该身份证号已在其他单位登记,请联系上级单位核实"},
        {"row": 4, "column": "所属单位", "reason": "所属单位“东一社区”不存在、已撤销或不在您的管理范围内"},
    ]
    assert "东街道" not in str(refused_rows(job)) and "张晓燕" not in refused_rows(job)[1]["reason"]
    assert register_snapshot() == before


@pytest.mark.parametrize("who", ["readonly_user", "outsider", "audit_admin"])
def test_those_who_may_not_register_cases_cannot_import(reg, people, login, who):
    client = login(getattr(people, who))
    assert client.get("/ledgers/cases/import/").status_code == 404
    assert client.post("/ledgers/cases/import/", {"file": upload_file(register_file())}).status_code == 404
    assert ImportJob.objects.count() == 0
    assert AuditEntry.objects.filter(event="denied", username=who).count() == 2


# --- out ---------------------------------------------------------------------------------------------


EXPORT_HEADER = ("编号", "登记日期", "类型", "来源渠道", "类别", "当事人姓名", "性别", "身份证号", "联系电话",
                 "所属单位", "事由", "诉求", "紧急程度", "状态", "办理结果", "办结日期", "结案日期", "是否制止家暴",
                 "承办人")  # fmt: skip


@pytest.fixture
def imported(reg, people, tree, login, django_capture_on_commit_callbacks):
    """The register above, imported by the street cadre; and a case of 西一社区."""
    client = login(people.street_cadre)
    commit(client, preview(client, register_file()), django_capture_on_commit_callbacks)
    west = register(people.sibling_street_cadre, tree.west1, person=reg.li, received_at=at(2026, 11, 3))
    return west


def d(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day)


def test_the_export_carries_exactly_the_rows_on_screen(imported, people, login):
    client = login(people.street_cadre)
    page = client.get("/cases/?status=closed").content.decode()
    assert 'href="/ledgers/cases/export/?status=closed" id="ledger-export"' in page
    response = client.get("/ledgers/cases/export/?status=closed")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        "attachment; filename*=UTF-8''%E7%BB%B4%E6%9D%83%E6%A1%88%E4%BB%B6%E5%8F%B0%E8%B4%A6-"
    )
    assert read_xlsx(response) == [
        EXPORT_HEADER,
        ("DJ2025-001", d(2025, 3, 8), "来信来访", "来访", "婚姻家庭", "张晓燕", "女", ZHANG_ID, ZHANG_PHONE, "东一社区",
         "丈夫酗酒后辱骂", "希望调解", "一般", "结案", "已解决", d(2025, 3, 20), d(2025, 3, 25), "否", None),
        ("2025XF00007", d(2025, 7, 1), "来信来访", "网上", "其他", None, None, None, None, "东街道", "咨询离婚程序",
         None,
         "一般", "结案", "当事人撤回", d(2025, 7, 1), d(2025, 7, 1), "否", None),
    ]  # fmt: skip
    on_screen = [n for n in ("DJ2025-001", "2025XF00007", "2025XF00001", "2025JB00001", "2025TJ00001") if n in page]
    assert on_screen == ["DJ2025-001", "2025XF00007"]
    entry = AuditEntry.objects.filter(event="export").get()
    assert (entry.username, entry.content_type.model, entry.additional_data) == (
        "street_cadre",
        "case",
        {"register": "cases", "filters": {"status": "closed"}, "rows": 2, "revealed": 2},
    )


@pytest.mark.parametrize(
    ("query", "numbers"),
    [
        ("", ["DJ2025-001", "2025XF00001", "2025JB00001", "2025TJ00001", "2025XF00007"]),
        ("?kind=petition&status=open", ["2025XF00001"]),
        ("?kind=violence", ["2025JB00001"]),
        ("?unit={east2}", ["2025XF00001", "2025TJ00001"]),
        ("?q=张晓", ["DJ2025-001"]),
        ("?received_from=2025-05-01&received_to=2025-06-30", ["2025JB00001", "2025TJ00001"]),
        ("?unit={west1}", []),
    ],
)
def test_the_export_follows_the_filters_and_the_list(imported, people, tree, login, query, numbers):
    client = login(people.street_cadre)
    query = query.format(east2=tree.east2.pk, west1=tree.west1.pk)
    rows = read_xlsx(client.get(f"/ledgers/cases/export/{query}"))
    assert [r[0] for r in rows[1:]] == numbers
    page = client.get(f"/cases/{query}").content.decode()
    assert f"共 <strong>{len(numbers)}</strong> 件" in page
    assert all(f">{n}</a>" in page for n in numbers)


def test_the_export_is_masked_for_a_readonly_user(imported, people, login):
    response = login(people.readonly_user).get("/ledgers/cases/export/?q=DJ2025-001")
    assert read_xlsx(response) == [
        EXPORT_HEADER,
        ("DJ2025-001", d(2025, 3, 8), "来信来访", "来访", "婚姻家庭", "张晓燕", "女", "330122********9967",
         "138****5678",
         "东一社区", "******", "******", "一般", "结案", "已解决", d(2025, 3, 20), d(2025, 3, 25), "否", None),
    ]  # fmt: skip
    body = response.content
    assert "丈夫酗酒后辱骂".encode() not in body and ZHANG_ID.encode() not in body
    entry = AuditEntry.objects.filter(event="export").get()
    assert entry.additional_data == {"register": "cases", "filters": {"q": "DJ2025-001"}, "rows": 1, "revealed": 0}


def test_an_export_imported_again_changes_nothing(imported, people, login):
    client = login(people.street_cadre)
    before = register_snapshot()
    job = preview(client, client.get("/ledgers/cases/export/").content, "导出.xlsx")
    assert job.counts == {"total": 5, "new": 0, "updated": 0, "unchanged": 5, "refused": 0}
    masked = login(people.readonly_user).get("/ledgers/cases/export/").content
    job = preview(client, masked, "只读导出.xlsx")
    assert job.counts == {"total": 5, "new": 0, "updated": 0, "unchanged": 5, "refused": 0}
    assert register_snapshot() == before


def test_a_sibling_street_cadres_export_holds_only_her_street(imported, people, login):
    rows = read_xlsx(login(people.sibling_street_cadre).get("/ledgers/cases/export/"))
    assert [(r[0], r[5], r[9]) for r in rows[1:]] == [(imported.number, "李明", "西一社区")]
    community = read_xlsx(login(people.community_cadre).get("/ledgers/cases/export/"))
    assert [r[0] for r in community[1:]] == ["DJ2025-001", "2025JB00001"]


@pytest.mark.parametrize("who", ["outsider", "sys_admin", "security_admin", "audit_admin"])
def test_those_without_record_rights_cannot_export(imported, people, login, who):
    assert login(getattr(people, who)).get("/ledgers/cases/export/").status_code == 404
    assert not AuditEntry.objects.filter(event="export").exists()
