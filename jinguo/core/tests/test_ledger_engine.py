"""The engine with a register declared here: a writer that fails on its second row proves that a
commit is all rows or none; the job's life (preview → queued → running → committed / failed /
cancelled) and the registry's own checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jinguo.core.errors import ActionError
from jinguo.core.ledger import engine
from jinguo.core.ledger.engine import ImportContext, Row
from jinguo.core.ledger.plan import read_head, read_rows
from jinguo.core.ledger.registry import Column, Register, get_register, register, unregister
from jinguo.core.ledger.testing import xlsx_bytes
from jinguo.core.models import AuditEntry, ImportJob
from jinguo.people.ledgers import PersonLedger
from jinguo.people.models import Person

pytestmark = pytest.mark.django_db


class FlakyPersons(PersonLedger):
    """The person ledger, whose writer gives up on its second row."""

    slug = "flaky-persons"
    title = "会出错的人员台账"
    write_rows = Register.write_rows  # row by row through write(), not the person ledger's bulk path

    def write(self, ctx: ImportContext, row: Row) -> None:
        written = ctx.cache["written"] = ctx.cache.get("written", 0) + 1
        if written == 2:
            raise ActionError("磁盘已满")
        super().write(ctx, row)


@pytest.fixture
def flaky():
    register(FlakyPersons)
    yield get_register("flaky-persons")
    unregister("flaky-persons")


def three_children() -> bytes:
    return xlsx_bytes(
        [
            ["姓名", "性别", "出生日期", "所属单位", "人员类别"],
            ["林小满", "女", dt.date(2016, 5, 6), "东一社区", "留守儿童"],
            ["何欢", "男", dt.date(2015, 2, 3), "东一社区", "留守儿童"],
            ["宋佳", "女", dt.date(2014, 1, 1), "东二社区", ""],
        ]
    )


def test_a_writer_that_fails_on_its_second_row_leaves_nothing_committed(
    people, tree, flaky, django_capture_on_commit_callbacks
):
    job = engine.do_preview_import(
        actor=people.street_cadre, register=flaky, file_name="三名儿童.xlsx", data=three_children()
    )
    assert job.counts == {"total": 3, "new": 3, "updated": 0, "unchanged": 0, "refused": 0}
    with django_capture_on_commit_callbacks(execute=True):
        engine.do_commit_import(actor=people.street_cadre, job=job)
    job.refresh_from_db()
    assert (job.status, job.message, job.progress_done) == (
        "failed",
        "第3行:磁盘已满。导入已全部撤销,未写入任何数据",
        0,
    )
    assert Person.objects.count() == 0  # 林小满 (row 2) was written before row 3 failed: rolled back
    assert not AuditEntry.objects.filter(event="create", content_type__model="person").exists()
    failure = AuditEntry.objects.get(event="import")
    assert (failure.result, failure.username, failure.additional_data) == (
        "failure",
        "street_cadre",
        {
            "register": "flaky-persons",
            "file": "三名儿童.xlsx",
            "message": "第3行:磁盘已满。导入已全部撤销,未写入任何数据",
        },
    )


def test_the_same_job_committed_with_a_sound_writer_writes_every_row(people, tree, django_capture_on_commit_callbacks):
    persons = get_register("persons")
    assert persons is not None
    job = engine.do_preview_import(
        actor=people.street_cadre, register=persons, file_name="a.xlsx", data=three_children()
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        engine.do_commit_import(actor=people.street_cadre, job=job)
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert (job.status, job.progress_done, job.progress_total, job.task_id != "") == ("committed", 3, 3, True)
    assert sorted(Person.objects.values_list("name", "unit__name")) == [
        ("何欢", "东一社区"),
        ("宋佳", "东二社区"),
        ("林小满", "东一社区"),
    ]


def test_a_commit_is_queued_until_the_transaction_commits(people, tree, django_capture_on_commit_callbacks):
    persons = get_register("persons")
    assert persons is not None
    job = engine.do_preview_import(
        actor=people.street_cadre, register=persons, file_name="a.xlsx", data=three_children()
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        engine.do_commit_import(actor=people.street_cadre, job=job)
        job.refresh_from_db()
        assert (job.status, job.percent, job.can_commit, job.can_cancel) == ("queued", 0, False, False)
        with pytest.raises(ActionError) as info:
            engine.do_commit_import(actor=people.street_cadre, job=job)
        assert info.value.message == "该导入正在进行中"
    assert len(callbacks) == 1
    assert Person.objects.count() == 0


def test_a_job_taken_by_another_worker_is_not_run_twice(people, tree):
    persons = get_register("persons")
    assert persons is not None
    job = engine.do_preview_import(
        actor=people.street_cadre, register=persons, file_name="a.xlsx", data=three_children()
    )
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    engine.run_commit(job.pk)  # the task, delivered twice
    job.refresh_from_db()
    assert job.status == "running"
    assert Person.objects.count() == 0


def test_a_cancelled_job_cannot_be_committed(people, tree):
    persons = get_register("persons")
    assert persons is not None
    job = engine.do_preview_import(
        actor=people.street_cadre, register=persons, file_name="a.xlsx", data=three_children()
    )
    engine.do_cancel_import(actor=people.street_cadre, job=job)
    with pytest.raises(ActionError) as info:
        engine.do_commit_import(actor=people.street_cadre, job=job)
    assert info.value.message == "该导入已取消"
    with pytest.raises(ActionError) as info:
        engine.do_cancel_import(actor=people.street_cadre, job=job)
    assert info.value.message == "该导入已完成或正在进行,不能取消"


def test_a_user_without_edit_rights_cannot_preview(people, tree):
    persons = get_register("persons")
    assert persons is not None
    with pytest.raises(ActionError) as info:
        engine.do_preview_import(
            actor=people.readonly_user, register=persons, file_name="a.xlsx", data=three_children()
        )
    assert info.value.message == "您无权导入该台账"
    assert ImportJob.objects.count() == 0


def test_the_stored_plan_is_encrypted_and_holds_the_checked_rows(people, tree):
    persons = get_register("persons")
    assert persons is not None
    data = three_children()
    job = engine.do_preview_import(actor=people.street_cadre, register=persons, file_name="a.xlsx", data=data)
    raw = ImportJob.objects.filter(pk=job.pk).values_list("plan_data", "detail").get()
    stored, detail = bytes(raw[0] or b""), str(raw[1])
    assert "林小满".encode() not in stored and "林小满" not in detail
    plan = engine.job_plan(job)
    header, promised = read_head(plan)
    assert (header.index, promised) == (0, {2: ["new", None], 3: ["new", None], 4: ["new", None]})
    rows = list(read_rows(plan))
    assert [number for number, _, _ in rows] == [2, 3, 4]
    assert rows[0][1] == {
        "name": "林小满",
        "gender": "F",
        "birth_date": dt.date(2016, 5, 6),
        "unit": "东一社区",
        "categories": ["留守儿童"],
    }
    # what the person ledger derived for the commit: the columns do_create_persons derives
    assert rows[0][2] == {
        "name_initials": "lxm",
        "name_pinyin": "linxiaoman",
        "id_hash": None,
        "id_last4": "",
        "phone_hash": None,
    }


def test_the_dry_run_is_the_same_twice(people, tree):
    persons = get_register("persons")
    assert persons is not None
    first = engine.analyse(persons, people.street_cadre, "a.xlsx", three_children(), {})
    second = engine.analyse(persons, people.street_cadre, "a.xlsx", three_children(), {})
    assert first.outcomes() == second.outcomes() == {2: ["new", None], 3: ["new", None], 4: ["new", None]}
    assert [r.status for r in first.rows] == ["new", "new", "new"]


def test_a_sheet_with_a_header_and_no_rows_is_refused(people, tree):
    persons = get_register("persons")
    assert persons is not None
    with pytest.raises(ActionError) as info:
        engine.analyse(persons, people.street_cadre, "a.csv", "姓名,性别,出生日期\n,,\n".encode(), {})
    assert info.value.message == "表格中没有数据行"


def test_progress_uses_a_second_connection_except_on_sqlite():
    from django.db import connection

    progress = engine.Progress(1, 10)
    assert (progress.side is None) is (connection.vendor == "sqlite")
    progress.close()


class _Bare(Register):
    model = Person
    columns = (Column("name", "姓名", required=True),)


@pytest.mark.parametrize("slug", ["imports", "Persons", "有", "1abc"])
def test_a_register_needs_a_usable_slug(slug):
    cls: Any = type("Bad", (_Bare,), {"slug": slug, "title": "坏"})
    with pytest.raises(ValueError, match="invalid register slug"):
        register(cls)


def test_one_header_cannot_name_two_columns():
    cls: Any = type(
        "Bad",
        (_Bare,),
        {"slug": "bad", "title": "坏", "columns": (Column("a", "电话"), Column("b", "手机", aliases=("电话",)))},
    )
    with pytest.raises(ValueError, match="names two columns"):
        register(cls)
    assert get_register("bad") is None
