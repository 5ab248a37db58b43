"""Importing the unit tree from a sheet: upload → preview with row-by-row reasons → commit."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jinguo.core.models import AuditEntry
from jinguo.orgs.models import Unit, UnitImport

from .helpers import (
    alerts,
    audit_rows,
    field_errors,
    flash,
    model_of,
    parent_of,
    preview_counts,
    preview_rows,
    read_xlsx,
    unit_snapshot,
    xlsx_file,
)

pytestmark = pytest.mark.django_db

HEADER = ["单位名称", "单位类型", "上级单位", "区划代码", "是否建立妇联"]
KINDS = "市、区/县、街道、乡镇、社区、村、企事业单位妇委会/女职委、两新组织、其他"

VALID_ROWS = [
    ["南街道", "街道", "示范区", "３３９９０１００３０００", "是"],  # full-width digits
    ["南一社区", "社区", "339901003000", "339901003001", "是"],  # parent: another row, by code
    ["南二社区", "社区", "南街道", "", "否"],  # parent: another row, by name
    ["东三社区", "社区", "339901001000", "", "否"],  # parent: existing unit, by code
    ["北一社区", "社区", "北街道", "", "是"],  # parent row comes below
    ["北街道", "街道", "示范区", "339901004000", "是"],
    ["东一社区", "社区", "东街道", "", "是"],  # exists: same name under the same parent
    ["西街道", "街道", "示范区", "339901002000", "是"],  # exists: same code and name and parent
]
REFUSED_ROWS = [
    ["重复甲", "社区", "东街道", "339901001011", "是"],
    ["重复乙", "社区", "东街道", "339901001011", "否"],
    ["占用社区", "社区", "东街道", "339901000000", "否"],  # the district's code
    ["坏码社区", "社区", "东街道", "12345", "否"],
    ["环甲", "社区", "环乙", "", "否"],
    ["环乙", "社区", "环甲", "", "否"],
    ["自指", "社区", "自指", "", "否"],
    ["孤儿社区", "社区", "重复甲", "", "否"],
    ["无主社区", "社区", "不存在街道", "", "否"],
    ["怪类社区", "小区", "东街道", "", "否"],
]
# two title rows above the header: the data rows are sheet rows 4 to 21
FULL_FILE = [["示范区组织名单(2026年)"], [], HEADER, *VALID_ROWS, *REFUSED_ROWS]

EXPECTED_PREVIEW = [
    (4, "南街道", "新建"),
    (5, "南一社区", "新建"),
    (6, "南二社区", "新建"),
    (7, "东三社区", "新建"),
    (8, "北一社区", "新建"),
    (9, "北街道", "新建"),
    (10, "东一社区", "已存在,跳过"),
    (11, "西街道", "已存在,跳过"),
    (12, "重复甲", "区划代码 339901001011 在文件中重复(第12、13行)"),
    (13, "重复乙", "区划代码 339901001011 在文件中重复(第12、13行)"),
    (14, "占用社区", "区划代码 339901000000 已被单位“示范区”使用"),
    (15, "坏码社区", "区划代码应为12位数字(统计用区划代码)"),
    (16, "环甲", "上级关系形成循环(第16、17行)"),
    (17, "环乙", "上级关系形成循环(第16、17行)"),
    (18, "自指", "上级关系形成循环(第18行)"),
    (19, "孤儿社区", "上级单位所在的第12行有错误"),
    (20, "无主社区", "上级单位“不存在街道”不存在或不在您的管理范围内"),
    (21, "怪类社区", f"单位类型“小区”无法识别,可填:{KINDS}"),
]


def upload(client: Client, file: SimpleUploadedFile) -> Any:
    return client.post("/units/import/", {"file": file})


def preview(client: Client, file: SimpleUploadedFile) -> tuple[str, Any]:
    """Upload `file`; returns the preview URL and the preview page."""
    response = upload(client, file)
    assert response.status_code == 302, field_errors(response)
    return response["Location"], client.get(response["Location"])


def tree_of(*names: str) -> list[tuple[str, str | None, str | None, bool]]:
    """(name, parent name, code, established) of the named units."""
    out = []
    for name in names:
        unit = Unit.objects.get(name=name)
        parent = parent_of(unit)
        out.append((name, parent.name if parent else None, unit.division_code, unit.federation_established))
    return out


# --- the whole flow --------------------------------------------------------------------------


def test_preview_explains_every_row_and_creates_nothing(people, tree, login):
    client = login(people.district_cadre)
    before = unit_snapshot()
    url, page = preview(client, xlsx_file(FULL_FILE))
    imp = UnitImport.objects.get()
    assert url == f"/units/import/{imp.pk}/"
    assert page.status_code == 200
    assert preview_counts(page) == "共 18 行:新建 6,已存在 2,拒绝 10。"
    assert preview_rows(page) == EXPECTED_PREVIEW
    assert unit_snapshot() == before
    body = page.content.decode()
    assert f'<a class="btn btn-outline-secondary" href="/units/import/{imp.pk}/refused/">下载被拒绝的行</a>' in body
    assert '<button class="btn btn-primary">确认导入 6 个单位</button>' in body


def test_commit_creates_exactly_the_valid_rows_under_the_right_parents(people, tree, login):
    client = login(people.district_cadre)
    url, _ = preview(client, xlsx_file(FULL_FILE))
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == "/units/"
    assert flash(response) == [("success", "导入完成:新建 6 个单位,已存在 2 个,拒绝 10 行")]
    assert Unit.objects.count() == 7 + 6
    assert tree_of("南街道", "南一社区", "南二社区", "东三社区", "北街道", "北一社区") == [
        ("南街道", "示范区", "339901003000", True),
        ("南一社区", "南街道", "339901003001", True),
        ("南二社区", "南街道", None, False),
        ("东三社区", "东街道", None, False),
        ("北街道", "示范区", "339901004000", True),
        ("北一社区", "北街道", None, True),
    ]
    for name in (
        "重复甲",
        "重复乙",
        "占用社区",
        "坏码社区",
        "环甲",
        "环乙",
        "自指",
        "孤儿社区",
        "无主社区",
        "怪类社区",
    ):
        assert not Unit.objects.filter(name=name).exists()
    imp = UnitImport.objects.get()
    assert imp.status == UnitImport.Status.COMMITTED
    [entry] = audit_rows("import")
    assert (entry.actor, entry.object_pk, entry.additional_data) == (
        people.district_cadre,
        str(imp.pk),
        {"created": 6, "total": 18, "new": 6, "unchanged": 2, "refused": 10},
    )
    # every unit created is in the audit log as a creation by the importer
    created = AuditEntry.objects.filter(event="create", content_type__model="unit", actor=people.district_cadre)
    assert created.count() == 6


def test_committed_import_says_so_and_cannot_be_committed_twice(people, tree, login):
    client = login(people.district_cadre)
    url, _ = preview(client, xlsx_file(FULL_FILE))
    done = client.post(url, follow=True)  # the tree page shows the result and uses up the message
    assert alerts(done) == ["导入完成:新建 6 个单位,已存在 2 个,拒绝 10 行"]
    before = unit_snapshot()
    again = client.post(url)
    assert again.status_code == 200
    assert alerts(again) == ["该导入已提交或已取消,不能重复提交"]
    assert '<div class="alert alert-info">该导入已导入。</div>' in again.content.decode()
    assert unit_snapshot() == before
    assert len(audit_rows("import")) == 1


def test_importing_the_same_file_again_creates_nothing(people, tree, login):
    client = login(people.district_cadre)
    file_rows = [["示范区组织名单(2026年)"], [], HEADER, *VALID_ROWS]
    url, _ = preview(client, xlsx_file(file_rows))
    client.post(url)
    before = unit_snapshot()
    url, page = preview(client, xlsx_file(file_rows))
    assert preview_counts(page) == "共 8 行:新建 0,已存在 8,拒绝 0。"
    assert [r[2] for r in preview_rows(page)] == ["已存在,跳过"] * 8
    assert '<button class="btn btn-primary" disabled>确认导入 0 个单位</button>' in page.content.decode()
    response = client.post(url)
    assert flash(response) == [("success", "导入完成:新建 0 个单位,已存在 8 个,拒绝 0 行")]
    assert unit_snapshot() == before


def test_reimporting_a_three_level_file_listed_bottom_up_creates_nothing(people, tree, login):
    client = login(people.district_cadre)
    rows = [HEADER, ["一号楼", "其他", "南一社区", "", "否"], ["南一社区", "社区", "南街道", "", "是"],
            ["南街道", "街道", "示范区", "339901003000", "是"]]  # fmt: skip
    url, page = preview(client, xlsx_file(rows))
    assert preview_counts(page) == "共 3 行:新建 3,已存在 0,拒绝 0。"
    client.post(url)
    assert tree_of("一号楼", "南一社区", "南街道") == [
        ("一号楼", "南一社区", None, False),
        ("南一社区", "南街道", None, True),
        ("南街道", "示范区", "339901003000", True),
    ]
    before = unit_snapshot()
    url, page = preview(client, xlsx_file(rows))
    assert preview_counts(page) == "共 3 行:新建 0,已存在 3,拒绝 0。"
    assert flash(client.post(url)) == [("success", "导入完成:新建 0 个单位,已存在 3 个,拒绝 0 行")]
    assert unit_snapshot() == before


def test_a_new_row_below_an_existing_row_of_the_file_goes_under_the_existing_unit(people, tree, login):
    client = login(people.district_cadre)
    rows = [HEADER, ["东三社区", "社区", "东街道", "", "否"], ["东街道", "街道", "示范区", "339901001000", "是"]]
    url, page = preview(client, xlsx_file(rows))
    assert preview_rows(page) == [(2, "东三社区", "新建"), (3, "东街道", "已存在,跳过")]
    client.post(url)
    assert tree_of("东三社区") == [("东三社区", "东街道", None, False)]
    assert Unit.objects.filter(name="东街道").count() == 1


def test_commit_is_refused_when_the_tree_changed_since_the_preview(people, tree, login):
    client = login(people.district_cadre)
    url, _ = preview(
        client, xlsx_file([HEADER, ["东三社区", "社区", "东街道", "", "否"], ["东四社区", "社区", "东街道"]])
    )
    Unit.objects.add_child(Unit.objects.get(pk=tree.east.pk), create_kwargs={"name": "东三社区", "kind": "community"})
    before = unit_snapshot()
    response = client.post(url)
    assert response.status_code == 200
    assert alerts(response) == ["预览之后组织树已有变化,请重新上传文件生成预览"]
    assert unit_snapshot() == before
    assert UnitImport.objects.get().status == UnitImport.Status.PREVIEW


# --- the refused rows as a sheet -------------------------------------------------------------


def test_refused_rows_download_as_a_sheet_with_the_reason(people, tree, login):
    client = login(people.district_cadre)
    url, _ = preview(client, xlsx_file(FULL_FILE))
    response = client.get(url + "refused/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == (
        "attachment; filename*=UTF-8''"
        "%E7%BB%84%E7%BB%87%E5%AF%BC%E5%85%A5-%E8%A2%AB%E6%8B%92%E7%BB%9D%E7%9A%84%E8%A1%8C.xlsx"
    )
    assert read_xlsx(response.content) == [
        ["原行号", "单位名称", "单位类型", "上级单位", "区划代码", "是否建立妇联", "拒绝原因"],
        [12, "重复甲", "社区", "东街道", "339901001011", "是", "区划代码 339901001011 在文件中重复(第12、13行)"],
        [13, "重复乙", "社区", "东街道", "339901001011", "否", "区划代码 339901001011 在文件中重复(第12、13行)"],
        [14, "占用社区", "社区", "东街道", "339901000000", "否", "区划代码 339901000000 已被单位“示范区”使用"],
        [15, "坏码社区", "社区", "东街道", "12345", "否", "区划代码应为12位数字(统计用区划代码)"],
        [16, "环甲", "社区", "环乙", None, "否", "上级关系形成循环(第16、17行)"],
        [17, "环乙", "社区", "环甲", None, "否", "上级关系形成循环(第16、17行)"],
        [18, "自指", "社区", "自指", None, "否", "上级关系形成循环(第18行)"],
        [19, "孤儿社区", "社区", "重复甲", None, "否", "上级单位所在的第12行有错误"],
        [20, "无主社区", "社区", "不存在街道", None, "否", "上级单位“不存在街道”不存在或不在您的管理范围内"],
        [21, "怪类社区", "小区", "东街道", None, "否", f"单位类型“小区”无法识别,可填:{KINDS}"],
    ]
    [entry] = audit_rows("export")
    assert (entry.actor, entry.additional_data) == (people.district_cadre, {"what": "unit_import_refused", "rows": 10})


def test_refused_sheet_neutralises_cells_that_look_like_formulas(people, tree, login):
    client = login(people.district_cadre)
    data = '单位名称,单位类型,上级单位,区划代码\r\n"=HYPERLINK(""http://x"")",社区,@东街道,-1\r\n'.encode()
    url, _ = preview(client, SimpleUploadedFile("名单.csv", data))
    rows = read_xlsx(client.get(url + "refused/").content)
    assert rows[1][:5] == [2, '\'=HYPERLINK("http://x")', "社区", "'@东街道", "'-1"]


def test_several_errors_of_one_row_are_all_given(people, tree, login):
    client = login(people.district_cadre)
    _, page = preview(client, xlsx_file([HEADER, ["", "", "", "", "也许"], ["东三社区", "社区", "东街道"]]))
    assert preview_rows(page) == [
        (2, "", "单位名称为空;单位类型为空;“是否建立妇联”应填 是 或 否,而不是“也许”;上级单位为空"),
        (3, "东三社区", "新建"),
    ]


# --- files of every shape --------------------------------------------------------------------


def test_a_gbk_csv_with_other_column_names_is_read(people, tree, login):
    client = login(people.district_cadre)
    data = "名称,类型,上级,代码,妇联组织\r\n东三社区,居委会,东街道,339901001003,已建\r\n".encode("gbk")
    url, page = preview(client, SimpleUploadedFile("名单.csv", data))
    assert preview_rows(page) == [(2, "东三社区", "新建")]
    client.post(url)
    assert tree_of("东三社区") == [("东三社区", "东街道", "339901001003", True)]


def test_blank_rows_are_skipped_and_row_numbers_stay_those_of_the_sheet(people, tree, login):
    client = login(people.district_cadre)
    blank: list[Any] = [None, None, None]
    rows = [HEADER, ["东三社区", "社区", "东街道"], [], blank, ["东四社区", "社区", "不存在"]]
    _, page = preview(client, xlsx_file(rows))
    assert preview_rows(page) == [
        (2, "东三社区", "新建"),
        (5, "东四社区", "上级单位“不存在”不存在或不在您的管理范围内"),
    ]


def test_a_parent_name_used_by_two_rows_of_the_file_asks_for_the_code(people, tree, login):
    client = login(people.district_cadre)
    rows = [HEADER, ["和平社区", "社区", "东街道"], ["和平社区", "社区", "西街道"], ["一号楼", "其他", "和平社区"]]
    _, page = preview(client, xlsx_file(rows))
    assert preview_rows(page)[2] == (4, "一号楼", "上级单位“和平社区”在文件中对应多行,请改填区划代码")


def test_a_parent_name_used_by_two_units_asks_for_the_code(people, tree, login):
    for street in (tree.east, tree.west):
        Unit.objects.add_child(Unit.objects.get(pk=street.pk), create_kwargs={"name": "和平社区", "kind": "community"})
    _, page = preview(login(people.district_cadre), xlsx_file([HEADER, ["一号楼", "其他", "和平社区"]]))
    assert preview_rows(page) == [(2, "一号楼", "上级单位名称“和平社区”不唯一,请改填区划代码")]


def test_a_closed_parent_is_refused(people, tree, login):
    Unit.objects.filter(pk=tree.east2.pk).update(is_closed=True)
    _, page = preview(login(people.street_cadre), xlsx_file([HEADER, ["一号楼", "其他", "东二社区"]]))
    assert preview_rows(page) == [(2, "一号楼", "上级单位“东二社区”已撤销")]


@pytest.mark.parametrize("parent", ["西街道", "339901002000", "示范区"])
def test_street_cadre_cannot_import_outside_her_street(people, tree, login, parent):
    _, page = preview(login(people.street_cadre), xlsx_file([HEADER, ["西三社区", "社区", parent]]))
    assert preview_counts(page) == "共 1 行:新建 0,已存在 0,拒绝 1。"
    assert preview_rows(page) == [(2, "西三社区", f"上级单位“{parent}”不存在或不在您的管理范围内")]


def _zip_with(data: bytes, member: str, transform: Any) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info, transform(content) if info.filename == member else content)
    return out.getvalue()


def _with_doctype(padding: int) -> SimpleUploadedFile:
    good = xlsx_file([HEADER, ["东三社区", "社区", "东街道"]]).read()
    prolog = b'<?xml version="1.0" encoding="UTF-8"?>' + (b"<!--" + b" " * padding + b"-->" if padding else b"")
    doctype = b'<!DOCTYPE worksheet [<!ENTITY boom "boom">]>'
    return SimpleUploadedFile("名单.xlsx", _zip_with(good, "xl/worksheets/sheet1.xml", lambda c: prolog + doctype + c))


@pytest.mark.parametrize(
    ("file", "error"),
    [
        (SimpleUploadedFile("名单.xlsx", "单位名称,单位类型,上级单位\n".encode()),
         "文件内容不是 .xlsx 格式,与扩展名不符,请用 Excel 另存为 .xlsx 后再上传"),
        (SimpleUploadedFile("名单.xlsx", b""), "所提交的是空文件。"),
        (SimpleUploadedFile("名单.xlsx", b"PK\x03\x04 not a zip at all"), "文件已损坏,无法打开"),
        (SimpleUploadedFile("名单.csv", b"PK\x03\x04 a zip named csv"), "文件内容不是文本 CSV,与扩展名不符"),
        (SimpleUploadedFile("名单.xls", b"plain text"),
         "文件内容不是 .xls 格式,与扩展名不符,请用 Excel 另存为 .xlsx 后再上传"),
        (SimpleUploadedFile("名单.txt", "单位名称".encode()), "只支持 .xlsx、.xls 和 .csv 文件"),
        (_with_doctype(0), "文件包含不允许的 XML 实体声明,已拒绝"),
        (xlsx_file([["名称", "地址"], ["东三社区", "东三路"]]),
         "找不到表头:表格中需要有“单位名称”“单位类型”“上级单位”三列(可另有“区划代码”“是否建立妇联”)"),
        (xlsx_file([["名单"], HEADER]), "表格中没有数据行"),
    ],
    ids=["text-as-xlsx", "empty", "broken-zip", "zip-as-csv", "text-as-xls", "txt", "doctype", "no-header", "no-rows"],
)  # fmt: skip
def test_unusable_files_are_refused_on_the_upload_page(people, tree, login, file, error):
    before = unit_snapshot()
    response = upload(login(people.district_cadre), file)
    assert response.status_code == 200
    assert field_errors(response) == [error]
    assert UnitImport.objects.count() == 0
    assert unit_snapshot() == before


def test_a_file_over_the_size_limit_is_refused(people, tree, login, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    data = ("单位名称,单位类型,上级单位\r\n" + "东三社区,社区,东街道\r\n" * 60_000).encode()[: 3 * 512 * 1024]
    response = upload(login(people.district_cadre), SimpleUploadedFile("名单.csv", data))
    assert field_errors(response) == ["文件过大(1.5 MB),上限为 1 MB"]
    assert UnitImport.objects.count() == 0


def test_a_file_at_the_size_limit_is_accepted(people, tree, login, settings):
    data = "单位名称,单位类型,上级单位\r\n东三社区,社区,东街道\r\n".encode()
    settings.UPLOAD_MAX_BYTES = len(data)
    assert upload(login(people.district_cadre), SimpleUploadedFile("名单.csv", data)).status_code == 302


def test_an_entity_declaration_after_a_long_comment_is_refused_too(people, tree, login):
    response = upload(login(people.district_cadre), _with_doctype(5000))
    assert field_errors(response) == ["文件包含不允许的 XML 实体声明,已拒绝"]


def test_an_xlsx_with_broken_xml_inside_is_refused_with_a_message(people, tree, login):
    good = xlsx_file([HEADER, ["东三社区", "社区", "东街道"]]).read()
    broken = _zip_with(good, "xl/worksheets/sheet1.xml", lambda c: c[: len(c) // 2])
    response = upload(login(people.district_cadre), SimpleUploadedFile("名单.xlsx", broken))
    assert field_errors(response) == ["文件已损坏或格式不受支持,无法读取"]


# --- who may import --------------------------------------------------------------------------


def test_template_download_is_a_sheet_with_the_header_and_an_example(people, login):
    response = login(people.street_cadre).get("/units/import/template/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        "attachment; filename*=UTF-8''%E7%BB%84%E7%BB%87%E5%90%8D%E5%8D%95%E6%A8%A1%E6%9D%BF.xlsx"
    )
    assert read_xlsx(response.content) == [HEADER, ["示例社区", "社区", "上级街道的名称或区划代码", None, "是"]]


def test_the_template_can_be_filled_in_and_imported(people, tree, login):
    client = login(people.street_cadre)
    rows = read_xlsx(client.get("/units/import/template/").content)
    rows[1] = ["东三社区", "社区", "东街道", "339901001003", "是"]
    _, page = preview(client, xlsx_file(rows))
    assert preview_rows(page) == [(2, "东三社区", "新建")]


def test_upload_page_offers_the_template(people, login):
    response = login(people.street_cadre).get("/units/import/")
    assert response.status_code == 200
    assert '<a href="/units/import/template/">模板</a>' in response.content.decode()


@pytest.mark.parametrize("who", ["readonly_user", "district_leader", "security_admin", "audit_admin", "outsider"])
def test_people_who_cannot_manage_units_cannot_import(people, tree, login, who):
    user = getattr(people, who)
    client = login(user)
    assert client.get("/units/import/").status_code == 404
    response = upload(client, xlsx_file([HEADER, ["东三社区", "社区", "东街道"]]))
    assert response.status_code == 404
    assert UnitImport.objects.count() == 0
    assert [(r.path, r.additional_data) for r in audit_rows("denied", actor=user)] == [
        ("/units/import/", {"reason": "import"}),
        ("/units/import/", {"reason": "import"}),
    ]


@pytest.mark.parametrize("suffix", ["", "refused/"])
def test_another_cadres_import_is_404_and_the_denial_is_audited(people, tree, login, suffix):
    url, _ = preview(login(people.district_cadre), xlsx_file(FULL_FILE))
    client = login(people.street_cadre)
    assert client.get(url + suffix).status_code == 404
    [entry] = audit_rows("denied", actor=people.street_cadre)
    assert (model_of(entry), entry.object_pk) == ("unitimport", re.findall(r"\d+", url)[0])


def test_another_cadre_cannot_commit_an_import(people, tree, login):
    url, _ = preview(login(people.district_cadre), xlsx_file(FULL_FILE))
    before = unit_snapshot()
    assert login(people.sys_admin).post(url).status_code == 404
    assert unit_snapshot() == before
    assert UnitImport.objects.get().status == UnitImport.Status.PREVIEW


def test_the_same_name_twice_under_the_same_parent_refuses_both_rows(people, tree, login):
    client = login(people.district_cadre)
    rows = [
        HEADER,
        ["东五社区", "社区", "东街道", "", "是"],
        ["东五社区", "社区", "东街道", "", "否"],
        ["东六社区", "社区", "东街道", "", "是"],
    ]
    _, page = preview(client, xlsx_file(rows))
    assert preview_rows(page) == [
        (2, "东五社区", "“东街道”下的“东五社区”在文件中重复(第2、3行)"),
        (3, "东五社区", "“东街道”下的“东五社区”在文件中重复(第2、3行)"),
        (4, "东六社区", "新建"),
    ]
