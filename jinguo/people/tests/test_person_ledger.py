"""The person ledger (人员台账) in and out, driven the way a street cadre does it: a messy sheet
uploaded, previewed row by row, committed in the background, imported again, its refused rows
fixed; the list exported with the filters on screen, masked for those who may not reveal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from jinguo.accounts.actions import do_issue_token
from jinguo.core.errors import NOT_FOUND_MESSAGE
from jinguo.core.ledger.normalisers import serial_to_date
from jinguo.core.ledger.testing import (
    count_helpers,
    counts_shown,
    job_id_of,
    read_xlsx,
    refused_shown,
    upload_file,
    xlsx_bytes,
)
from jinguo.core.models import AuditEntry, ImportJob
from jinguo.people import actions
from jinguo.people.fake import make_id_number
from jinguo.people.ledgers import OTHER_UNIT
from jinguo.people.models import Person, PersonCategory

pytestmark = pytest.mark.django_db

FULL = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")

CHEN_ID = make_id_number(dt.date(2010, 7, 15), 0)  # 330122201007159964
LI_ID = make_id_number(dt.date(1980, 5, 6), 0)  # 330122198005069960
WANG_ID = make_id_number(dt.date(1982, 11, 20), 1)  # 330122198211209987
ZHAO_ID = make_id_number(dt.date(1979, 2, 14), 0)
LIU_ID = make_id_number(dt.date(1990, 8, 8), 0)
SUN_BAD_ID = make_id_number(dt.date(1988, 4, 1), 0)[:-1] + "1"  # wrong check digit (X is right)
ZHOU_ID = make_id_number(dt.date(1986, 9, 9), 0)
ZHENG_ID = make_id_number(dt.date(2012, 6, 1), 0)  # a woman's number

NUMERIC_ID = "身份证号被 Excel 存成了数字(科学计数法),末几位已经丢失。请把该列设为“文本”格式后重新填写完整号码"

TOP = ["姓名", "性别", "出生日期", "身份证号", "联系电话", "住址", "民族", "文化程度", "就业状况", "所属单位",
       "人员类别", "监护人", None, None, "学校", "年级", "是否辍学", "居住年限", "备注"]  # fmt: skip
SUB = [None] * 11 + ["姓名", "关系", "电话"] + [None] * 5
LABELS = [
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "联系电话",
    "住址",
    "民族",
    "文化程度",
    "就业状况",
    "所属单位",
    "人员类别",
    "监护人姓名",
    "监护人关系",
    "监护人电话",
    "学校",
    "年级",
    "是否辍学",
    "居住年限",
    "备注",
]


def row(
    name: str, gender: str | None = "女", birth: Any = None, id_number: Any = None, unit: str = "东一社区", **more: Any
) -> list[Any]:
    cells: dict[str, Any] = {"姓名": name, "性别": gender, "出生日期": birth, "身份证号": id_number, "所属单位": unit}
    cells.update(more)
    return [cells.get(label) for label in LABELS]


# Sheet rows 5-15 are persons; 16 is blank and 17 a signature line under the table.
MESSY_ROWS = [
    row("张晓燕", "女", 42065, None, 联系电话="１３９ ００１３ ９０００", 住址="东一社区幸福路2号", 民族="汉族",
        文化程度="小学", 就业状况="在校学生", 人员类别="留守儿童、困难儿童", 监护人姓名="张丽", 监护人关系="母亲",
        监护人电话="13900139001", 学校="示范区实验小学", 年级="五年级", 是否辍学="否", 居住年限="3年"),
    row("陈静", "女性", "2010年7月15日", CHEN_ID.translate(FULL), "339901001000", 人员类别="流动儿童", 居住年限=5),
    row("刘芳", "女", None, int(LIU_ID)),
    row("孙丽", "女", None, SUN_BAD_ID),
    row("周敏", "女", None, ZHOU_ID, "东二社区", 联系电话="13800138009"),
    row("周敏", "女", None, ZHOU_ID, "东二社区", 联系电话="13800138010"),
    row("李秀英", "女", dt.date(1980, 5, 6), LI_ID, 联系电话="13800138001", 住址="东一社区幸福路1号", 就业状况="在业"),
    row("王美兰", "女", None, WANG_ID, "东二社区", 联系电话="13800138012"),
    row("赵小红", "女", None, ZHAO_ID),
    row("吴娟", "女", "1992/3/4", None, "西一社区"),
    row("郑 雪", "男", None, ZHENG_ID, 是否辍学="不知道", 居住年限="三年"),
    [None] * 19,
    ["填表人:张三", None, None, None, None, "审核人:李四"] + [None] * 13,
]  # fmt: skip
MERGES = ["A1:S1", "A2:S2", "L3:N3"] + [f"{c}3:{c}4" for c in "ABCDEFGHIJKOPQRS"]


def messy_ledger() -> bytes:
    return xlsx_bytes(
        [["东街道妇女儿童人员台账(2026年)"], ["填报单位:东街道妇联    填报日期:2026年3月8日"], TOP, SUB, *MESSY_ROWS],
        merges=MERGES,
        sheet="人员台账",
    )


EXPECTED_REFUSED = [
    {"row": 7, "column": "身份证号", "reason": NUMERIC_ID},
    {"row": 8, "column": "身份证号", "reason": "身份证号校验位不正确,请核对号码"},
    {"row": 9, "column": "身份证号", "reason": "身份证号在文件中重复(第9、10行)"},
    {"row": 10, "column": "身份证号", "reason": "身份证号在文件中重复(第9、10行)"},
    {"row": 13, "column": "身份证号", "reason": OTHER_UNIT},
    {"row": 14, "column": "所属单位", "reason": "所属单位“西一社区”不存在或不在您的管理范围内"},
    {"row": 15, "column": "是否辍学", "reason": "是否辍学应填“是”或“否”,而不是“不知道”"},
    {"row": 15, "column": "居住年限", "reason": "居住年限应为整数(年),而不是“三年”"},
    {"row": 15, "column": "性别", "reason": "性别与身份证号不一致:身份证号显示为女性"},
]


@pytest.fixture
def registered(tree, people):
    """Three persons before the import: two in the street cadre's street, one in the sibling street."""
    create = actions.do_create_person
    li = create(
        actor=people.street_cadre,
        unit=tree.east1,
        name="李秀英",
        id_number=LI_ID,
        phone="13800138001",
        address="东一社区幸福路1号",
        employment="employed",
    )
    wang = create(actor=people.street_cadre, unit=tree.east2, name="王美兰", id_number=WANG_ID, phone="13800138002")
    zhao = create(actor=people.sibling_street_cadre, unit=tree.west1, name="赵小红", id_number=ZHAO_ID)
    return li, wang, zhao


def snapshot() -> list[tuple[Any, ...]]:
    """Every person and category row, to prove that nothing changed."""
    persons = [
        (p.pk, p.name, p.unit_id, p.gender, p.birth_date, p.id_number, p.phone, p.address, p.school, p.residence_years)
        for p in Person.objects.order_by("pk")
    ]
    categories = list(PersonCategory.objects.order_by("pk").values_list("person_id", "category__code", "ended_on"))
    return persons + categories


def upload(client: Client, data: bytes, name: str = "东街道人员台账.xlsx", **extra: Any) -> Any:
    return client.post("/ledgers/persons/import/", {"file": upload_file(data, name), **extra})


def preview(client: Client, data: bytes | None = None, name: str = "东街道人员台账.xlsx") -> ImportJob:
    response = upload(client, data if data is not None else messy_ledger(), name)
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.get(pk=job_id_of(response))


def commit(client: Client, job: ImportJob, capture) -> ImportJob:
    with capture(execute=True):
        response = client.post(f"/ledgers/imports/{job.pk}/commit/")
    assert response.status_code == 302
    job.refresh_from_db()
    return job


# --- the messy ledger --------------------------------------------------------------------------------


@pytest.fixture(params=[0, 2], ids=["in the web process", "in two helper processes"])
def helpers(request, settings, monkeypatch):
    """The dry run as a small file has it (here), and as a large one (forked helpers: the
    threshold lowered so that the eleven rows and the lines under them are split in two). The
    test's previews must have forked that many helpers each."""
    settings.LEDGER_HELPERS = request.param
    settings.LEDGER_HELPER_MIN_ROWS = 1
    forked = count_helpers(monkeypatch)
    yield request.param
    assert forked and set(forked) == {request.param}


def test_messy_ledger_preview_gives_exact_counts_and_every_reason(people, registered, login, helpers):
    client = login(people.street_cadre)
    before = snapshot()
    job = preview(client)
    assert (job.status, job.counts) == (
        "preview",
        {"total": 11, "new": 2, "updated": 1, "unchanged": 1, "refused": 7},
    )
    from jinguo.core.ledger.engine import refused_rows

    assert refused_rows(job) == EXPECTED_REFUSED
    page = client.get(f"/ledgers/imports/{job.pk}/")
    assert counts_shown(page) == {"total": 11, "new": 2, "updated": 1, "unchanged": 1, "refused": 7}
    assert refused_shown(page) == [
        ("7", "刘芳", "身份证号", NUMERIC_ID),
        ("8", "孙丽", "身份证号", "身份证号校验位不正确,请核对号码"),
        ("9", "周敏", "身份证号", "身份证号在文件中重复(第9、10行)"),
        ("10", "周敏", "身份证号", "身份证号在文件中重复(第9、10行)"),
        ("13", "赵小红", "身份证号", OTHER_UNIT),
        ("14", "吴娟", "所属单位", "所属单位“西一社区”不存在或不在您的管理范围内"),
        ("15", "郑雪", "是否辍学", "是否辍学应填“是”或“否”,而不是“不知道”"),
        ("15", "郑雪", "居住年限", "居住年限应为整数(年),而不是“三年”"),
        ("15", "郑雪", "性别", "性别与身份证号不一致:身份证号显示为女性"),
    ]
    body = page.content.decode()
    assert "工作表“人员台账”第 4 行为表头" in body
    assert '<td>12</td><td class="text-nowrap">王美兰</td><td>联系电话</td>' in body
    # the sibling street's person is not named anywhere
    assert "赵小红" not in OTHER_UNIT and "西一社区" not in OTHER_UNIT
    assert snapshot() == before


def test_commit_writes_the_new_and_changed_rows_in_the_background(
    people, tree, registered, login, django_capture_on_commit_callbacks, helpers
):
    client = login(people.street_cadre)
    li, wang, _zhao = registered
    mark = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    job = commit(client, preview(client), django_capture_on_commit_callbacks)
    assert (job.status, job.message, job.progress_done, job.progress_total, job.percent) == ("committed", "", 3, 3, 100)
    assert job.plan_data is None  # the rows to write are not kept once imported

    zhang = Person.objects.get(name="张晓燕")
    assert (
        zhang.unit, zhang.gender, zhang.birth_date, zhang.id_number, zhang.phone, zhang.address, zhang.ethnicity,
        zhang.education, zhang.employment, zhang.guardian_name, zhang.guardian_relation, zhang.guardian_phone,
        zhang.school, zhang.grade, zhang.dropped_out, zhang.residence_years, zhang.created_by,
    ) == (
        tree.east1, "F", dt.date(2015, 3, 2), None, "13900139000", "东一社区幸福路2号", "汉族",
        "primary", "student", "张丽", "mother", "13900139001",
        "示范区实验小学", "五年级", False, 3, people.street_cadre,
    )  # fmt: skip
    assert sorted(zhang.categories.values_list("category__code", "set_by__username")) == [
        ("hardship_child", "street_cadre"),
        ("left_behind_child", "street_cadre"),
    ]
    chen = Person.objects.get(name="陈静")
    assert (chen.unit, chen.id_number, chen.gender, chen.birth_date, chen.residence_years) == (
        tree.east,
        CHEN_ID,
        "F",
        dt.date(2010, 7, 15),
        5,
    )
    # the columns the dry run derived (in the plan) are those the form's save() derives
    for imported in (zhang, chen):
        derived = ("name_initials", "name_pinyin", "id_hash", "id_last4", "phone_hash", "unit_path")
        values = [getattr(imported, attname) for attname in derived]
        imported.fill_derived()
        assert values == [getattr(imported, attname) for attname in derived]
    assert (zhang.name_initials, zhang.name_pinyin, zhang.id_last4, zhang.unit_path, chen.id_last4) == (
        "zxy",
        "zhangxiaoyan",
        "",
        tree.east1.path,
        CHEN_ID[-4:],
    )
    assert list(chen.categories.values_list("category__code", flat=True)) == ["migrant_child"]
    wang.refresh_from_db()
    assert wang.phone == "13800138012"
    li.refresh_from_db()
    assert (li.phone, li.address, li.employment) == ("13800138001", "东一社区幸福路1号", "employed")
    assert Person.objects.count() == 5
    assert not Person.objects.filter(name__in=["刘芳", "孙丽", "周敏", "吴娟", "郑雪"]).exists()

    imports = AuditEntry.objects.filter(event="import")
    assert list(imports.values_list("username", "result", "object_pk")) == [("street_cadre", "success", str(job.pk))]
    assert imports[0].additional_data == {
        "register": "persons",
        "file": "东街道人员台账.xlsx",
        "total": 11,
        "new": 2,
        "updated": 1,
        "unchanged": 1,
        "refused": 7,
    }
    # each change is in the audit log under the cadre's name, though a task wrote it
    changes = AuditEntry.objects.filter(id__gt=mark, event__in=["create", "update"], content_type__model="person")
    assert sorted(changes.values_list("event", "object_repr", "username")) == [
        ("create", "张晓燕", "street_cadre"),
        ("create", "陈静", "street_cadre"),
        ("update", "王美兰", "street_cadre"),
    ]

    page = client.get(f"/ledgers/imports/{job.pk}/")
    assert "导入完成:新增 2 条,更新 1 条,无变化 1 条,拒绝 7 行。" in page.content.decode()
    assert "确认导入" not in page.content.decode()


def test_importing_the_same_file_again_changes_nothing(people, registered, login, django_capture_on_commit_callbacks):
    client = login(people.street_cadre)
    commit(client, preview(client), django_capture_on_commit_callbacks)
    after_first = snapshot()
    audit_rows = AuditEntry.objects.count()
    again = preview(client)
    assert again.counts == {"total": 11, "new": 0, "updated": 0, "unchanged": 4, "refused": 7}
    assert not again.can_commit
    page = client.get(f"/ledgers/imports/{again.pk}/").content.decode()
    assert "没有需要写入的行:请下载被拒绝的行,改正后重新导入。" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/ledgers/imports/{again.pk}/commit/", follow=True)
    assert "没有可导入的行:所有行都无变化或被拒绝" in response.content.decode()
    assert snapshot() == after_first
    assert AuditEntry.objects.count() == audit_rows


def test_a_task_that_dies_in_the_middle_leaves_nothing_committed(
    people, registered, login, monkeypatch, django_capture_on_commit_callbacks
):
    client = login(people.street_cadre)
    job = preview(client)
    before = snapshot()
    audit_before = AuditEntry.objects.filter(event="create").count()
    real = actions.record_created_rows
    calls: list[str] = []

    def dies_writing_the_audit_rows(model: Any, rows: Any, **kwargs: Any) -> Any:
        calls.append(model._meta.model_name)
        raise RuntimeError("worker killed")

    monkeypatch.setattr(actions, "record_created_rows", dies_writing_the_audit_rows)
    job = commit(client, job, django_capture_on_commit_callbacks)
    # the updated rows, then the new persons and their categories were written; then the worker
    # died writing their audit rows
    assert calls == ["person"]
    assert (job.status, job.message, job.progress_done) == (
        "failed",
        "导入时发生内部错误。导入已全部撤销,未写入任何数据,请联系管理员",
        0,
    )
    assert snapshot() == before
    assert AuditEntry.objects.filter(event="create").count() == audit_before
    assert list(AuditEntry.objects.filter(event="import").values_list("result", flat=True)) == ["failure"]
    # nothing was written, so the same preview can be committed once the fault is gone
    monkeypatch.setattr(actions, "record_created_rows", real)
    assert job.can_commit
    job = commit(client, job, django_capture_on_commit_callbacks)
    assert job.status == "committed"
    assert Person.objects.count() == 5


def test_a_row_refused_by_the_actions_at_commit_rolls_everything_back_and_names_the_row(
    people, registered, login, monkeypatch, django_capture_on_commit_callbacks
):
    client = login(people.street_cadre)
    job = preview(client)
    before = snapshot()
    real = actions.do_update_person

    def refuses(**kwargs: Any) -> Any:
        from jinguo.core.errors import ActionError

        raise ActionError("电话号码已停用", field="phone")

    monkeypatch.setattr(actions, "do_update_person", refuses)
    job = commit(client, job, django_capture_on_commit_callbacks)
    assert (job.status, job.message) == ("failed", "第12行:电话号码已停用。导入已全部撤销,未写入任何数据")
    assert snapshot() == before
    page = client.get(f"/ledgers/imports/{job.pk}/").content.decode()
    assert "第12行:电话号码已停用。导入已全部撤销,未写入任何数据" in page
    monkeypatch.setattr(actions, "do_update_person", real)


def test_commit_is_refused_when_the_records_changed_since_the_preview(
    people, registered, login, django_capture_on_commit_callbacks
):
    client = login(people.street_cadre)
    job = preview(client)
    _li, wang, _zhao = registered
    actions.do_update_person(actor=people.street_cadre, person=wang, phone="13800138012")
    before = snapshot()
    job = commit(client, job, django_capture_on_commit_callbacks)
    assert job.status == "failed"
    assert job.message.startswith("预览之后相关记录已有变化")
    assert snapshot() == before


def test_commit_is_refused_when_a_new_rows_id_number_was_registered_since_the_preview(
    tree, people, registered, login, django_capture_on_commit_callbacks
):
    """The commit does not look the ID numbers of new rows up again: the unique index refuses one
    registered in between, and the whole import is rolled back."""
    client = login(people.street_cadre)
    job = preview(client)
    actions.do_create_person(actor=people.community_cadre, unit=tree.east1, name="陈静", id_number=CHEN_ID)
    before = snapshot()
    job = commit(client, job, django_capture_on_commit_callbacks)
    assert (job.status, job.message) == (
        "failed",
        "第5至6行中:文件中有身份证号刚被他人登记,一人只建一份档案。请重新上传文件生成预览。导入已全部撤销,未写入任何数据",
    )
    assert snapshot() == before


def test_a_look_alike_without_id_number_registered_since_the_preview_is_offered_for_merging(
    tree, people, registered, login, django_capture_on_commit_callbacks
):
    """A new row with an ID number is written as the form writes one: a record without a number
    that looks like her (same name, birth date, unit), registered after the preview, does not stop
    the import; the person's page offers the two for merging."""
    client = login(people.street_cadre)
    job = preview(client)
    unit = tree.east  # row 6 names her unit by its division code 339901001000
    twin = actions.do_create_person(
        actor=people.street_cadre, unit=unit, name="陈静", gender="F", birth_date=dt.date(2010, 7, 15)
    )
    job = commit(client, job, django_capture_on_commit_callbacks)
    assert (job.status, job.message) == ("committed", "")
    imported = Person.objects.get(id_hash__isnull=False, name="陈静")
    assert (imported.id_number, imported.unit_id) == (CHEN_ID, unit.pk)
    assert actions.similar_persons(imported) == [twin]


@pytest.mark.parametrize("chunk", [1, 10_000])
def test_a_new_row_and_its_look_alike_without_id_number_are_both_written_whatever_the_chunks(
    tree, people, login, monkeypatch, django_capture_on_commit_callbacks, chunk
):
    """The commit looks each chunk up as it reaches it, after the chunks before are written: the
    persons the import wrote itself are not records that a later row finds. Here the second row
    (no ID number) looks like the first (same name, birth date and unit), which the preview did
    not count as a duplicate: both are new, in chunks of one row as in one chunk."""
    from jinguo.core.ledger import engine

    monkeypatch.setattr(engine, "COMMIT_CHUNK", chunk)
    monkeypatch.setattr(engine, "FIRST_COMMIT_CHUNK", chunk)
    monkeypatch.setattr(actions, "BULK_BATCH", chunk)  # the first row written before the second is looked up
    client = login(people.street_cadre)
    data = xlsx_bytes(
        [
            ["姓名", "性别", "出生日期", "身份证号", "所属单位"],
            ["陈静", "女", dt.date(2010, 7, 15), CHEN_ID, "东一社区"],
            ["陈静", "女", dt.date(2010, 7, 15), None, "东一社区"],
        ]
    )
    job = preview(client, data)
    assert job.counts == {"total": 2, "new": 2, "updated": 0, "unchanged": 0, "refused": 0}
    job = commit(client, job, django_capture_on_commit_callbacks)
    assert (job.status, job.message) == ("committed", "")
    with_id = Person.objects.get(name="陈静", id_hash__isnull=False)
    without = Person.objects.get(name="陈静", id_hash__isnull=True)
    assert (with_id.id_number, with_id.unit_id, without.unit_id) == (CHEN_ID, tree.east1.pk, tree.east1.pk)
    assert actions.similar_persons(with_id) == [without]


def test_refused_rows_download_as_the_original_columns_with_a_reason(people, registered, login):
    client = login(people.street_cadre)
    job = preview(client)
    response = client.get(f"/ledgers/imports/{job.pk}/refused.xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == (
        "attachment; filename*=UTF-8''%E4%B8%9C%E8%A1%97%E9%81%93%E4%BA%BA%E5%91%98%E5%8F%B0%E8%B4%A6"
        "-%E8%A2%AB%E6%8B%92%E7%BB%9D%E7%9A%84%E8%A1%8C.xlsx"
    )

    def line(cells: list[Any], reason: str, number: int) -> tuple[Any, ...]:
        return (*(None if c in (None, "") else c for c in cells), reason, number)

    def cells_of(index: int, **changed: Any) -> list[Any]:
        cells = list(MESSY_ROWS[index])
        for label, value in changed.items():
            cells[LABELS.index(label)] = value
        return cells

    assert read_xlsx(response) == [
        (*LABELS, "拒绝原因", "原行号"),
        line(cells_of(2, 身份证号=float(LIU_ID)), f"身份证号:{NUMERIC_ID}", 7),
        line(cells_of(3), "身份证号:身份证号校验位不正确,请核对号码", 8),
        line(cells_of(4), "身份证号:身份证号在文件中重复(第9、10行)", 9),
        line(cells_of(5), "身份证号:身份证号在文件中重复(第9、10行)", 10),
        line(cells_of(8), f"身份证号:{OTHER_UNIT}", 13),
        line(cells_of(9), "所属单位:所属单位“西一社区”不存在或不在您的管理范围内", 14),
        line(
            cells_of(10),
            "是否辍学:是否辍学应填“是”或“否”,而不是“不知道”;居住年限:居住年限应为整数(年),而不是“三年”;"
            "性别:性别与身份证号不一致:身份证号显示为女性",
            15,
        ),
    ]
    export = AuditEntry.objects.filter(event="export").get()
    assert (export.username, export.object_pk, export.additional_data) == (
        "street_cadre",
        str(job.pk),
        {"what": "import_refused", "register": "persons", "rows": 7},
    )


def test_fixed_refused_rows_import_cleanly(people, registered, login, django_capture_on_commit_callbacks):
    client = login(people.street_cadre)
    job = preview(client)
    rows = read_xlsx(client.get(f"/ledgers/imports/{job.pk}/refused.xlsx"))
    header, body = list(rows[0]), [list(r) for r in rows[1:]]
    fixes: dict[int, dict[str, Any]] = {
        7: {"身份证号": LIU_ID},
        8: {"身份证号": make_id_number(dt.date(1988, 4, 1), 0)},
        10: {"身份证号": make_id_number(dt.date(1986, 9, 9), 1)},
        13: {"身份证号": None, "出生日期": "1979-02-15"},
        14: {"所属单位": "东二社区"},
        15: {"性别": "女", "是否辍学": "否", "居住年限": "3"},
    }
    fixed = []
    for cells in body:
        for label, value in fixes.get(cells[-1], {}).items():
            cells[header.index(label)] = value
        fixed.append(cells)
    again = preview(client, xlsx_bytes([header, *fixed]), "被拒绝的行-已改正.xlsx")
    assert again.counts == {"total": 7, "new": 7, "updated": 0, "unchanged": 0, "refused": 0}
    again = commit(client, again, django_capture_on_commit_callbacks)
    assert again.status == "committed"
    assert Person.objects.get(name="郑雪").residence_years == 3


def test_a_gbk_csv_with_other_column_names_is_read(people, tree, login, django_capture_on_commit_callbacks):
    client = login(people.community_cadre)
    text = (
        "社区留守儿童花名册\n"
        "儿童姓名,性别,出生年月日,身份证号码,手机号码,监护人,监护人关系,所在社区,类别\n"
        "林小满,女,2016.5.6,,13900000001,林大海,爷爷,东一社区,留守儿童\n"
        "何 欢,男,20150203,,,,,东一社区,留守儿童;困难儿童\n"
    )
    job = preview(client, text.encode("gbk"), "花名册.csv")
    assert job.counts == {"total": 2, "new": 2, "updated": 0, "unchanged": 0, "refused": 0}
    commit(client, job, django_capture_on_commit_callbacks)
    lin = Person.objects.get(name="林小满")
    assert (lin.birth_date, lin.gender, lin.phone, lin.guardian_name, lin.guardian_relation) == (
        dt.date(2016, 5, 6),
        "F",
        "13900000001",
        "林大海",
        "grandparent",
    )
    he = Person.objects.get(name="何欢")
    assert (he.birth_date, he.gender) == (dt.date(2015, 2, 3), "M")
    assert sorted(he.categories.values_list("category__code", flat=True)) == ["hardship_child", "left_behind_child"]


def test_a_utf8_csv_saved_by_excel_with_an_id_in_scientific_notation_is_refused(people, tree, login):
    client = login(people.community_cadre)
    text = "姓名,性别,身份证号,所属单位\n林小满,女,3.30122E+17,东一社区\n"
    job = preview(client, text.encode("utf-8-sig"), "花名册.csv")
    from jinguo.core.ledger.engine import refused_rows

    assert refused_rows(job) == [{"row": 2, "column": "身份证号", "reason": NUMERIC_ID}]


def test_rows_without_a_unit_go_to_the_default_unit_chosen_on_upload(
    people, tree, login, django_capture_on_commit_callbacks
):
    client = login(people.street_cadre)
    data = xlsx_bytes([["姓名", "性别", "出生日期"], ["林小满", "女", dt.date(2016, 5, 6)]])
    response = upload(client, data, unit=str(tree.east2.pk))
    job = ImportJob.objects.get(pk=job_id_of(response))
    assert job.counts["new"] == 1
    commit(client, job, django_capture_on_commit_callbacks)
    assert Person.objects.get(name="林小满").unit == tree.east2
    # without a default, the unit is asked for
    job = preview(client, data)
    from jinguo.core.ledger.engine import refused_rows

    assert refused_rows(job) == [{"row": 2, "column": "所属单位", "reason": "请填写所属单位"}]


def test_a_default_unit_outside_the_scope_is_refused(people, tree, login):
    client = login(people.street_cadre)
    response = upload(client, xlsx_bytes([["姓名", "性别", "出生日期"]]), unit=str(tree.west1.pk))
    assert response.status_code == 200
    assert "默认所属单位不存在或不在您的管理范围内" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_a_sheet_without_a_recognisable_header_is_refused_with_what_is_needed(people, tree, login):
    client = login(people.street_cadre)
    response = upload(client, xlsx_bytes([["名单"], ["甲", "乙"], ["张三", "李四"]]))
    assert response.status_code == 200
    assert (
        "找不到表头:表格中需要有“姓名”等列(至少 3 个可识别的列名)。请下载模板,对照模板的列名修改表头"
        in response.content.decode()
    )
    assert ImportJob.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("台账.xlsx", "姓名,性别\n".encode(), "文件内容不是 .xlsx 格式,与扩展名不符,请用 Excel 另存为 .xlsx 后再上传"),
        ("台账.xls", b"PK\x03\x04xx", "文件内容不是 .xls 格式,与扩展名不符,请用 Excel 另存为 .xlsx 后再上传"),
        ("台账.docx", b"PK\x03\x04xx", "只支持 .xlsx、.xls 和 .csv 文件"),
        ("台账.xlsx", b"PK\x03\x04" + b"\x00" * 64, "文件已损坏,无法打开"),
    ],
)
def test_files_that_are_not_what_they_say_are_refused_before_reading(people, tree, login, name, data, message):
    client = login(people.street_cadre)
    response = upload(client, data, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused(people, tree, login, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    client = login(people.street_cadre)
    response = upload(client, messy_ledger())
    assert "上限为 1 KB" in response.content.decode()
    assert ImportJob.objects.count() == 0


# --- the progress bar ----------------------------------------------------------------------------------


def test_progress_is_polled_while_the_job_runs_and_the_page_reloads_when_it_ends(
    people, registered, login, django_capture_on_commit_callbacks
):
    client = login(people.street_cadre)
    job = preview(client)
    ImportJob.objects.filter(pk=job.pk).update(status="running", progress_done=1, progress_total=3)
    part = client.get(f"/ledgers/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    body = part.content.decode()
    assert f'hx-get="/ledgers/imports/{job.pk}/progress/" hx-trigger="every 2s"' in body
    assert '<progress class="w-100" max="100" value="33"' in body
    assert "1 / 3 行 · 33%" in body
    assert "HX-Refresh" not in part
    assert "<script" not in body and "style=" not in body
    ImportJob.objects.filter(pk=job.pk).update(status="committed", progress_done=3)
    part = client.get(f"/ledgers/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert part["HX-Refresh"] == "true"
    assert "hx-get" not in part.content.decode()


def test_a_job_with_no_sign_of_life_can_be_committed_again(
    people, registered, login, settings, django_capture_on_commit_callbacks
):
    client = login(people.street_cadre)
    job = preview(client)
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    job.refresh_from_db()
    assert not job.can_commit
    settings.LEDGER_STALE_SECONDS = -1
    page = client.get(f"/ledgers/imports/{job.pk}/").content.decode()
    assert "导入任务长时间没有进展,可能已中断" in page
    job = commit(client, job, django_capture_on_commit_callbacks)
    assert job.status == "committed"


# --- export ----------------------------------------------------------------------------------------------


@pytest.fixture
def exportable(tree, people):
    create = actions.do_create_person
    zhang = create(
        actor=people.street_cadre,
        unit=tree.east1,
        name="张晓燕",
        id_number=CHEN_ID,
        phone="13900139000",
        address="浙江省杭州市示范区幸福路2号",
        notes='=HYPERLINK("http://x","点")',
        school="+86学校",
        grade="-1班",
        guardian_name="@张丽",
        guardian_relation="mother",
        guardian_phone="13900139001",
        residence_years=3,
        categories=["migrant_child"],
    )
    li = create(
        actor=people.street_cadre,
        unit=tree.east2,
        name="李秀英",
        id_number=LI_ID,
        phone="13800138001",
        employment="employed",
    )
    create(actor=people.sibling_street_cadre, unit=tree.west1, name="赵小红", id_number=ZHAO_ID)
    return zhang, li


EXPORT_HEADER = tuple(label.replace("监护人关系", "与监护人关系") for label in LABELS)


def test_export_gives_whole_values_to_a_cadre_who_may_reveal_with_formulas_neutralised(people, exportable, login):
    response = login(people.street_cadre).get("/ledgers/persons/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        "attachment; filename*=UTF-8''%E4%BA%BA%E5%91%98%E5%8F%B0%E8%B4%A6-"
    )
    assert read_xlsx(response) == [
        EXPORT_HEADER,
        ("张晓燕", "女", dt.datetime(2010, 7, 15), CHEN_ID, "13900139000", "浙江省杭州市示范区幸福路2号", "汉族", None,
         None, "东一社区", "流动儿童", "'@张丽", "母亲", "13900139001", "'+86学校", "'-1班", "否", 3,
         "'=HYPERLINK(\"http://x\",\"点\")"),
        ("李秀英", "女", dt.datetime(1980, 5, 6), LI_ID, "13800138001", None, "汉族", None, "在业", "东二社区", None,
         None, None, None, None, None, "否", None, None),
    ]  # fmt: skip
    entry = AuditEntry.objects.filter(event="export").get()
    assert (entry.username, entry.content_type.model, entry.additional_data) == (
        "street_cadre",
        "person",
        {"register": "persons", "filters": {}, "rows": 2, "revealed": 2},
    )


def test_export_is_masked_for_a_readonly_user(people, exportable, login):
    response = login(people.readonly_user).get("/ledgers/persons/export/?category=migrant_child")
    assert read_xlsx(response) == [
        EXPORT_HEADER,
        ("张晓燕", "女", dt.datetime(2010, 7, 15), "330122********9964", "139****9000", "浙江省杭州市****", "汉族",
         None, None, "东一社区", "流动儿童", "'@张丽", "母亲", "139****9001", "'+86学校", "'-1班", "否", 3, "******"),
    ]  # fmt: skip
    entry = AuditEntry.objects.filter(event="export").get()
    assert entry.additional_data == {
        "register": "persons",
        "filters": {"category": "migrant_child"},
        "rows": 1,
        "revealed": 0,
    }


def test_export_keeps_id_numbers_as_text(people, exportable, login):
    from jinguo.core.ledger.testing import number_formats

    response = login(people.street_cadre).get("/ledgers/persons/export/")
    formats = number_formats(response, 2)
    assert (formats[3], formats[4], formats[13]) == ("@", "@", "@")
    assert formats[2] == "yyyy-mm-dd"


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("", ["张晓燕", "李秀英"]),
        ("?unit={east2}", ["李秀英"]),
        ("?q=zxy", ["张晓燕"]),
        ("?category=migrant_child", ["张晓燕"]),
        ("?age=35-59", ["李秀英"]),
        ("?gender=M", []),
        ("?unit={west1}", []),
    ],
)
def test_export_carries_the_filters_on_screen_and_only_the_rows_in_scope(people, tree, exportable, login, query, names):
    url = "/ledgers/persons/export/" + query.format(east2=tree.east2.pk, west1=tree.west1.pk)
    rows = read_xlsx(login(people.street_cadre).get(url))
    assert [r[0] for r in rows[1:]] == names


def test_an_export_reimported_by_the_cadre_changes_nothing(people, exportable, login):
    client = login(people.street_cadre)
    data = client.get("/ledgers/persons/export/").content
    job = preview(client, data, "导出.xlsx")
    assert job.counts == {"total": 2, "new": 0, "updated": 0, "unchanged": 2, "refused": 0}


def test_a_masked_export_reimported_keeps_the_values_held(people, exportable, login):
    data = login(people.readonly_user).get("/ledgers/persons/export/").content
    job = preview(login(people.street_cadre), data, "只读导出.xlsx")
    assert job.counts == {"total": 2, "new": 0, "updated": 0, "unchanged": 2, "refused": 0}


def test_a_masked_value_that_does_not_stand_for_the_value_held_is_refused(people, exportable, login):
    client = login(people.street_cadre)
    data = xlsx_bytes([EXPORT_HEADER[:6], ["李秀英", "女", "1980-05-06", LI_ID, "139****0000", "浙江省****"]])
    job = preview(client, data)
    from jinguo.core.ledger.engine import refused_rows

    assert refused_rows(job) == [
        {"row": 2, "column": "联系电话", "reason": "联系电话是脱敏后的值,无法导入,请填写完整内容"},
        {"row": 2, "column": "住址", "reason": "住址是脱敏后的值,无法导入,请填写完整内容"},
    ]


def test_the_template_has_the_headers_and_a_fictitious_example_that_imports(people, tree, login):
    client = login(people.community_cadre)
    response = client.get("/ledgers/persons/template.xlsx")
    rows = read_xlsx(response)
    example_id = make_id_number(dt.date(2015, 3, 2), 0)
    assert rows == [
        EXPORT_HEADER,
        ("张晓燕", "女", dt.datetime(2015, 3, 2), example_id, "13800138000", "示范区东街道幸福路1号", "汉族", "小学",
         "在校学生", "东一社区", "留守儿童", "张丽", "母亲", "13900139000", "示范区实验小学", "五年级", "否", 3, None),
    ]  # fmt: skip
    assert example_id[14:17] in ("996", "998")  # a sequence number no living person under 100 holds
    job = preview(client, response.content, "模板.xlsx")
    assert job.counts == {"total": 1, "new": 1, "updated": 0, "unchanged": 0, "refused": 0}


# --- who may do what -------------------------------------------------------------------------------------


def test_a_sibling_street_cadre_gets_404_on_another_cadres_job_and_nothing_changes(
    people, registered, login, django_capture_on_commit_callbacks
):
    job = preview(login(people.street_cadre))
    before = snapshot()
    intruder = login(people.sibling_street_cadre)
    marks = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            intruder.get(f"/ledgers/imports/{job.pk}/").status_code,
            intruder.get(f"/ledgers/imports/{job.pk}/progress/").status_code,
            intruder.get(f"/ledgers/imports/{job.pk}/refused.xlsx").status_code,
            intruder.post(f"/ledgers/imports/{job.pk}/commit/").status_code,
            intruder.post(f"/ledgers/imports/{job.pk}/cancel/").status_code,
        ]
    assert answers == [404] * 5
    job.refresh_from_db()
    assert job.status == "preview"
    assert snapshot() == before
    denied = AuditEntry.objects.filter(id__gt=marks)
    assert (
        list(denied.values_list("event", "result", "username", "object_pk"))
        == [("denied", "denied", "sibling_street_cadre", str(job.pk))] * 5
    )


@pytest.mark.parametrize("who", ["readonly_user", "outsider", "audit_admin", "sys_admin"])
def test_people_without_edit_rights_cannot_import(people, tree, login, who):
    client = login(getattr(people, who))
    assert client.get("/ledgers/persons/import/").status_code == 404
    assert upload(client, messy_ledger()).status_code == 404
    assert ImportJob.objects.count() == 0
    assert AuditEntry.objects.filter(event="denied", username=who).count() == 2


@pytest.mark.parametrize("who", ["outsider", "audit_admin", "sys_admin", "security_admin"])
def test_people_without_view_rights_cannot_export(people, exportable, login, who):
    response = login(getattr(people, who)).get("/ledgers/persons/export/")
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(event="export").exists()
    assert AuditEntry.objects.filter(event="denied", username=who).count() == 1


def test_a_community_cadre_exports_only_her_community(people, exportable, login):
    rows = read_xlsx(login(people.community_cadre).get("/ledgers/persons/export/"))
    assert [r[0] for r in rows[1:]] == ["张晓燕"]


def test_anonymous_visitors_are_sent_to_the_login_page(tree):
    client = Client()
    for url in (
        "/ledgers/persons/import/",
        "/ledgers/persons/export/",
        "/ledgers/persons/template.xlsx",
        "/ledgers/imports/1/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_unknown_register_is_404(people, login):
    client = login(people.street_cadre)
    assert client.get("/ledgers/nothing/import/").status_code == 404
    assert client.get("/ledgers/nothing/export/").status_code == 404


def test_the_upload_page_explains_the_ledger_and_lists_recent_imports(people, registered, login):
    client = login(people.street_cadre)
    job = preview(client)
    page = client.get("/ledgers/persons/import/").content.decode()
    assert '<a href="/ledgers/persons/template.xlsx">人员台账模板</a>' in page
    assert f'<a href="/ledgers/imports/{job.pk}/">东街道人员台账.xlsx</a>' in page
    assert "<script>" not in page and " style=" not in page


def test_cancelling_an_import_forgets_the_file(people, registered, login):
    client = login(people.street_cadre)
    job = preview(client)
    response = client.post(f"/ledgers/imports/{job.pk}/cancel/")
    assert response["Location"] == "/ledgers/persons/import/"
    job.refresh_from_db()
    assert (job.status, job.plan_data) == ("cancelled", None)


# --- the API -----------------------------------------------------------------------------------------------


def bearer(user: Any) -> dict[str, Any]:
    token, _ = do_issue_token(user=user)
    return {"headers": {"Authorization": f"Bearer {token}"}}


def test_api_import_flow_end_to_end_with_a_token(people, registered, django_capture_on_commit_callbacks):
    client = Client()
    auth = bearer(people.street_cadre)
    response = client.post("/api/ledgers/persons/imports/", {"file": upload_file(messy_ledger(), "台账.xlsx")}, **auth)
    assert response.status_code == 201, response.content
    body = response.json()
    job_id = body["id"]
    assert {k: v for k, v in body.items() if k not in ("created_at",)} == {
        "id": job_id,
        "ledger": "persons",
        "file_name": "台账.xlsx",
        "status": "preview",
        "status_label": "待确认",
        "message": "",
        "counts": {"total": 11, "new": 2, "updated": 1, "unchanged": 1, "refused": 7},
        "progress": 0,
        "rows_done": 0,
        "rows_to_write": 3,
        "can_commit": True,
        "finished_at": None,
        "refused_rows": EXPECTED_REFUSED,
    }
    assert client.get(f"/api/ledgers/imports/{job_id}/", **auth).json()["status"] == "preview"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/ledgers/imports/{job_id}/commit/", **auth)
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    done = client.get(f"/api/ledgers/imports/{job_id}/", **auth).json()
    assert (done["status"], done["progress"], done["rows_done"], done["message"]) == ("committed", 100, 3, "")
    assert Person.objects.count() == 5

    again = client.post(f"/api/ledgers/imports/{job_id}/commit/", **auth)
    assert (again.status_code, again.json()) == (400, {"detail": "该导入已完成,不能重复提交"})

    export = client.get(
        "/api/ledgers/persons/export/?unit=" + str(people.street_cadre.memberships.get().unit_id), **auth
    )
    assert export.status_code == 200
    assert sorted(r[0] for r in read_xlsx(export)[1:]) == ["张晓燕", "李秀英", "王美兰", "陈静"]


def test_api_refuses_what_it_must(people, registered):
    client = Client()
    job = client.post(
        "/api/ledgers/persons/imports/", {"file": upload_file(messy_ledger())}, **bearer(people.street_cadre)
    ).json()
    sibling = bearer(people.sibling_street_cadre)
    for response in (
        client.get(f"/api/ledgers/imports/{job['id']}/", **sibling),
        client.post(f"/api/ledgers/imports/{job['id']}/commit/", **sibling),
        client.get("/api/ledgers/imports/999999/", **sibling),
    ):
        assert (response.status_code, response.json()) == (404, {"detail": NOT_FOUND_MESSAGE})
    assert ImportJob.objects.get(pk=job["id"]).status == "preview"

    readonly = bearer(people.readonly_user)
    response = client.post("/api/ledgers/persons/imports/", {"file": upload_file(messy_ledger())}, **readonly)
    assert (response.status_code, response.json()) == (404, {"detail": NOT_FOUND_MESSAGE})
    bad = client.post(
        "/api/ledgers/persons/imports/", {"file": upload_file(b"not a workbook")}, **bearer(people.street_cadre)
    )
    assert (bad.status_code, bad.json()) == (
        400,
        {"detail": "文件内容不是 .xlsx 格式,与扩展名不符,请用 Excel 另存为 .xlsx 后再上传"},
    )
    outsider = client.get("/api/ledgers/persons/export/", **bearer(people.outsider))
    assert outsider.status_code == 404
    assert client.get("/api/ledgers/persons/export/").status_code == 401
    assert ImportJob.objects.count() == 1


def test_serial_dates_count_from_excels_epoch():
    assert serial_to_date(42065) == dt.date(2015, 3, 2)


def test_a_row_that_names_another_unit_in_scope_moves_the_person(
    people, tree, registered, login, django_capture_on_commit_callbacks
):
    client = login(people.street_cadre)
    data = xlsx_bytes([["姓名", "身份证号", "所属单位", "民族"], ["李秀英", LI_ID, "东二社区", "汉"]])
    job = preview(client, data)
    assert job.counts == {"total": 1, "new": 0, "updated": 1, "unchanged": 0, "refused": 0}
    from jinguo.core.ledger.engine import job_detail

    assert job_detail(job)["updates"] == [{"number": 2, "name": "李秀英", "columns": ["所属单位"]}]  # 汉 is 汉族
    commit(client, job, django_capture_on_commit_callbacks)
    assert Person.objects.get(name="李秀英").unit == tree.east2


def test_a_new_person_cannot_be_written_from_masked_values(people, tree, login):
    client = login(people.street_cadre)
    data = xlsx_bytes(
        [
            ["姓名", "性别", "出生日期", "身份证号", "所属单位"],
            ["林小满", "女", "2016-05-06", "330122********9964", "东一社区"],
        ]
    )
    from jinguo.core.ledger.engine import refused_rows

    assert refused_rows(preview(client, data)) == [
        {"row": 2, "column": "身份证号", "reason": "身份证号是脱敏后的值,无法导入,请填写完整内容"}
    ]


def test_previews_nobody_confirmed_within_a_week_are_cancelled_and_their_file_dropped(people, registered, login):
    from django.utils import timezone

    client = login(people.street_cadre)
    old = preview(client)
    ImportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    fresh = preview(client)
    old.refresh_from_db()
    assert (old.status, old.plan_data, old.message) == ("cancelled", None, "超过7天未确认,已自动取消")
    fresh.refresh_from_db()
    assert fresh.status == "preview" and fresh.plan_data is not None
    page = client.get(f"/ledgers/imports/{old.pk}/").content.decode()
    assert "该导入已取消,没有写入任何数据。超过7天未确认,已自动取消" in page


def test_openapi_describes_the_ledger_endpoints(db, client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {
        "/api/ledgers/{ledger}/imports/",
        "/api/ledgers/imports/{job_id}/",
        "/api/ledgers/imports/{job_id}/commit/",
        "/api/ledgers/imports/{job_id}/cancel/",
        "/api/ledgers/{ledger}/export/",
        "/api/ledgers/{ledger}/template/",
    } <= set(paths)
    upload = paths["/api/ledgers/{ledger}/imports/"]["post"]
    assert list(upload["requestBody"]["content"]) == ["multipart/form-data"]
    assert list(upload["responses"]) == ["201"]
    export = paths["/api/ledgers/{ledger}/export/"]["get"]
    assert [p["name"] for p in export["parameters"]] == ["ledger", "q", "category", "unit", "gender", "age"]


@pytest.mark.parametrize("trick", ["entity", "entries"])
def test_workbooks_with_xml_or_archive_tricks_are_refused_before_reading(people, tree, login, trick):
    import io
    import zipfile

    good = messy_ledger()
    source = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            content = source.read(name)
            if trick == "entity" and name == "xl/worksheets/sheet1.xml":
                content = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + content.removeprefix(b"<?xml version='1.0'?>")
            target.writestr(name, content)
        if trick == "entries":
            for i in range(2001):
                target.writestr(f"pad/{i}.txt", b"")
    response = upload(login(people.street_cadre), out.getvalue())
    message = {
        "entity": "文件包含不允许的 XML 实体声明,已拒绝",
        "entries": "文件结构异常(压缩包内文件过多),已拒绝",
    }[trick]
    assert message in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_rows_without_an_id_number_find_their_person_by_name_birth_date_and_unit(
    people, tree, login, django_capture_on_commit_callbacks
):
    create, cadre = actions.do_create_person, people.street_cadre
    known = create(actor=cadre, unit=tree.east1, name="林小满", gender="F", birth_date=dt.date(2016, 5, 6))
    for _ in range(2):  # two records alike: the ledger cannot tell which one it means
        create(actor=cadre, unit=tree.east2, name="何欢", gender="M", birth_date=dt.date(2015, 2, 3))
    numbered = create(actor=cadre, unit=tree.east1, name="宋佳", id_number=CHEN_ID)
    data = xlsx_bytes(
        [
            LABELS,
            row("林小满", "女", dt.date(2016, 5, 6), None, 学校="东一小学"),  # updates 林小满
            row("何欢", "男", dt.date(2015, 2, 3), None, "东二社区"),  # refused: which 何欢?
            row("林小满", "女", dt.date(2016, 5, 6), None, "东二社区"),  # another unit: a new person
            row("宋佳", "女", dt.date(2010, 7, 15), None, 年级="五年级"),  # has an ID number: still found
        ]
    )
    client = login(cadre)
    job = preview(client, data)
    assert job.counts == {"total": 4, "new": 1, "updated": 2, "unchanged": 0, "refused": 1}
    assert refused_shown(client.get(f"/ledgers/imports/{job.pk}/")) == [
        ("3", "何欢", "姓名", "东二社区有2名同名且出生日期相同的人员,请填写身份证号以区分"),
    ]
    job = commit(client, job, django_capture_on_commit_callbacks)
    assert job.status == "committed"
    known.refresh_from_db()
    numbered.refresh_from_db()
    assert (known.school, numbered.grade, numbered.id_number) == ("东一小学", "五年级", CHEN_ID)
    assert Person.objects.filter(name="林小满").count() == 2


def test_a_legacy_xls_ledger_is_read(people, tree, login, django_capture_on_commit_callbacks):
    data = (Path(__file__).parent / "fixtures" / "人员台账.xls").read_bytes()
    client = login(people.street_cadre)
    job = preview(client, data, name="人员台账.xls")
    assert job.counts == {"total": 3, "new": 2, "updated": 0, "unchanged": 0, "refused": 1}
    assert refused_shown(client.get(f"/ledgers/imports/{job.pk}/")) == [("5", "宋佳", "身份证号", NUMERIC_ID)]
    job = commit(client, job, django_capture_on_commit_callbacks)
    assert job.status == "committed"
    lin, he = Person.objects.get(name="林小满"), Person.objects.get(name="何欢")
    assert (lin.birth_date, lin.gender, lin.phone, lin.unit) == (dt.date(1986, 5, 6), "F", "13800138021", tree.east1)
    assert (he.birth_date, he.gender, he.phone, he.unit) == (dt.date(1979, 2, 3), "M", "13800138022", tree.east2)
