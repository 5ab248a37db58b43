"""The audit log page (/audit/): the audit admin's alone; filters; export to Excel."""

from __future__ import annotations

import datetime as dt
import io
import re
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from openpyxl import load_workbook

from jinguo.accounts.models import User
from jinguo.core.models import AuditEntry
from jinguo.orgs.models import Unit

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADERS = ("时间", "用户", "IP", "动作", "结果", "对象类型", "对象编号", "对象", "变更", "附加信息")
MARCH = {"since": "2025-03-01", "until": "2025-03-31"}


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def history(people, tree):
    """Six rows of March 2025, Shanghai time, as the platform writes them."""
    unit_type = ContentType.objects.get_for_model(Unit)
    user_type = ContentType.objects.get_for_model(User)
    cadre, sibling = people.street_cadre, people.sibling_street_cadre
    rows = [
        dict(event="login", username="street_cadre", actor=cadre, remote_addr="10.0.0.1", timestamp=at(1, 9)),
        dict(
            event="login_failed",
            result="failure",
            username="street_cadre",
            remote_addr="10.0.0.1",
            timestamp=at(1, 9, 5),
        ),
        dict(
            event="update",
            action=AuditEntry.Action.UPDATE,
            actor=cadre,
            content_type=unit_type,
            object_pk=str(tree.east1.pk),
            object_id=tree.east1.pk,
            object_repr="东一社区",
            changes={"name": ["东一社区", "东一社区(新)"]},
            remote_addr="10.0.0.1",
            timestamp=at(2, 10),
        ),
        dict(
            event="denied",
            result="denied",
            username="community_cadre",
            actor=people.community_cadre,
            content_type=user_type,
            object_pk=str(sibling.pk),
            remote_addr="10.0.0.2",
            timestamp=at(3, 23, 30),
        ),
        dict(event="export", username="district_cadre", additional_data={"rows": 3}, timestamp=at(4, 8)),
        dict(
            event="update",
            action=AuditEntry.Action.UPDATE,
            actor=sibling,
            content_type=unit_type,
            object_pk=str(tree.west1.pk),
            object_id=tree.west1.pk,
            object_repr="西一社区",
            changes={"phone": ["", "0571-1"]},
            remote_addr="10.0.0.3",
            timestamp=at(5, 0, 10),
        ),
    ]
    for row in rows:
        AuditEntry(**row).save()
    return rows


@pytest.fixture
def auditor(people, login) -> Client:
    return login(people.audit_admin)


def table(response) -> list[list[str]]:
    body = response.content.decode()
    tbody = body.split('id="audit-table"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", tbody, re.S)
    cells = [[re.sub(r"\s+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows]
    return [r for r in cells if r != ["没有符合条件的记录"]]


def shown(auditor: Client, **params: str) -> list[list[str]]:
    response = auditor.get("/audit/?" + urlencode(params))
    assert response.status_code == 200
    return table(response)


def test_audit_admin_sees_the_log_newest_first(history, auditor):
    rows = shown(auditor, **MARCH)
    assert [r[:5] for r in rows] == [
        ["2025-03-05 00:10:00", "sibling_street_cadre", "10.0.0.3", "修改", "成功"],
        ["2025-03-04 08:00:00", "district_cadre", "", "导出", "成功"],
        ["2025-03-03 23:30:00", "community_cadre", "10.0.0.2", "拒绝访问", "拒绝"],
        ["2025-03-02 10:00:00", "street_cadre", "10.0.0.1", "修改", "成功"],
        ["2025-03-01 09:05:00", "street_cadre", "10.0.0.1", "登录失败", "失败"],
        ["2025-03-01 09:00:00", "street_cadre", "10.0.0.1", "登录", "成功"],
    ]
    assert rows[3][5] == f"单位 #{history[2]['object_pk']} 东一社区"


@pytest.mark.parametrize(
    ("params", "count"),
    [
        ({"event": "update"}, 2),
        ({"event": "login_failed"}, 1),
        ({"event": "no_such_event"}, 6),
        ({"user": "community_cadre"}, 1),
        ({"user": "district_cadre"}, 1),
        ({"since": "2025-03-03", "until": "2025-03-04"}, 2),
        ({"since": "2025-03-05", "until": "2025-03-05"}, 1),
        ({"since": "2025-03-01", "until": "2025-03-01"}, 2),
        ({"since": "2025-04-01", "until": "2025-04-30"}, 0),
        ({"event": "update", "user": "street_cadre", "until": "2025-03-04"}, 1),
    ],
)
def test_filters_narrow_the_log(history, auditor, params, count):
    assert len(shown(auditor, **{**MARCH, **params})) == count


def test_user_filter_matches_part_of_a_username(history, auditor):
    # "street_cadre" is also part of "sibling_street_cadre".
    rows = shown(auditor, user="STREET_CADRE", **MARCH)
    assert [r[1] for r in rows] == ["sibling_street_cadre", "street_cadre", "street_cadre", "street_cadre"]


def test_filter_by_object_type_and_object_id(history, auditor, tree):
    unit_type = ContentType.objects.get_for_model(Unit).pk
    assert len(shown(auditor, object_type=str(unit_type), **MARCH)) == 2
    rows = shown(auditor, object_type=str(unit_type), object_id=str(tree.west1.pk), **MARCH)
    assert [r[:2] for r in rows] == [["2025-03-05 00:10:00", "sibling_street_cadre"]]
    # Without the date span, the row written when the fixture created 西一社区 is there too.
    assert len(shown(auditor, object_type=str(unit_type), object_id=str(tree.west1.pk))) == 2


def test_date_span_follows_shanghai_days(history, auditor):
    # 2025-03-05 00:10 in Shanghai is 2025-03-04 16:10 UTC: it belongs to the 5th.
    rows = shown(auditor, since="2025-03-04", until="2025-03-04")
    assert [r[0] for r in rows] == ["2025-03-04 08:00:00"]


def test_bad_dates_are_ignored(history, auditor):
    assert len(shown(auditor, since="2025-02-30", until="not a date", event="update")) == 2


def test_page_shows_fifty_rows_and_the_rest_on_the_next_page(people, auditor):
    for i in range(53):
        AuditEntry(event="login", username=f"u{i:02d}", timestamp=at(10, 8, i)).save()
    day = {"since": "2025-03-10", "until": "2025-03-10"}
    assert len(shown(auditor, **day)) == 50
    assert [r[1] for r in shown(auditor, page="2", **day)] == ["u02", "u01", "u00"]


@pytest.mark.parametrize(
    "who", ["district_cadre", "district_leader", "street_cadre", "sys_admin", "security_admin", "outsider"]
)
def test_nobody_but_the_audit_admin_can_open_the_log_or_export_it(people, history, login, who):
    client = login(getattr(people, who))
    before = AuditEntry.objects.count()
    assert client.get("/audit/").status_code == 404
    assert client.get("/audit/export/").status_code == 404
    assert AuditEntry.objects.count() == before + 2
    rows = AuditEntry.objects.order_by("-id")[:2]
    assert [(e.event, e.result, e.username, e.remote_addr, e.content_type.model, e.additional_data) for e in rows] == [
        ("denied", "denied", who, "127.0.0.1", "auditentry", {"reason": "view_audit"}),
        ("denied", "denied", who, "127.0.0.1", "auditentry", {"reason": "view_audit"}),
    ]


def test_anonymous_visitor_is_sent_to_log_in(db, client):
    assert client.get("/audit/")["Location"] == "/accounts/login/?next=/audit/"
    assert client.get("/audit/export/")["Location"] == "/accounts/login/?next=/audit/export/"


def read_export(response) -> list[tuple]:
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["审计日志"]
    return [tuple("" if v is None else v for v in row) for row in book.worksheets[0].iter_rows(values_only=True)]


def test_export_holds_the_filtered_rows_and_is_itself_logged(history, auditor, tree):
    response = auditor.get("/audit/export/?" + urlencode({"event": "update", **MARCH}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == "attachment; filename*=UTF-8''%E5%AE%A1%E8%AE%A1%E6%97%A5%E5%BF%97.xlsx"
    assert read_export(response) == [
        HEADERS,
        (
            "2025-03-05 00:10:00",
            "sibling_street_cadre",
            "10.0.0.3",
            "修改",
            "成功",
            "单位",
            str(tree.west1.pk),
            "西一社区",
            "{'phone': ['', '0571-1']}",
            "",
        ),
        (
            "2025-03-02 10:00:00",
            "street_cadre",
            "10.0.0.1",
            "修改",
            "成功",
            "单位",
            str(tree.east1.pk),
            "东一社区",
            "{'name': ['东一社区', '东一社区(新)']}",
            "",
        ),
    ]
    export = AuditEntry.objects.order_by("-id").first()
    assert export is not None
    assert (export.event, export.result, export.username, export.remote_addr, export.content_type.model) == (
        "export",
        "success",
        "audit_admin",
        "127.0.0.1",
        "auditentry",
    )
    assert export.additional_data == {
        "what": "audit_log",
        "rows": 2,
        "filters": {
            "user": "",
            "event": "update",
            "object_type": "",
            "object_id": "",
            "since": "2025-03-01",
            "until": "2025-03-31",
        },
    }


def test_export_without_matches_has_the_headers_only(history, auditor):
    response = auditor.get("/audit/export/?since=2024-01-01&until=2024-01-31")
    assert read_export(response) == [HEADERS]


def test_export_neutralises_a_formula_typed_into_the_login_form(people, auditor):
    attacker = Client()
    attacker.post("/accounts/login/", {"username": '=HYPERLINK("http://x.example","点我")', "password": "x"})
    response = auditor.get("/audit/export/?event=login_failed")
    rows = read_export(response)
    assert len(rows) == 2
    assert rows[1][1:5] == ('\'=HYPERLINK("http://x.example","点我")', "127.0.0.1", "登录失败", "失败")


def test_filter_form_offers_every_event_and_the_object_types_in_the_log(history, auditor):
    body = auditor.get("/audit/").content.decode()
    events = re.search(r'<select [^>]*name="event".*?</select>', body, re.S)
    assert events is not None
    assert re.findall(r"<option[^>]*>([^<]*)</option>", events.group(0)) == [
        "全部动作",
        "新增",
        "修改",
        "删除",
        "查看敏感信息",
        "登录",
        "退出",
        "登录失败",
        "账户锁定",
        "拒绝访问",
        "导出",
        "导入",
        "安全操作",
    ]
    types = re.search(r'<select [^>]*name="object_type".*?</select>', body, re.S)
    assert types is not None
    assert re.findall(r"<option[^>]*>([^<]*)</option>", types.group(0)) == ["全部对象", "任职", "用户", "单位"]
