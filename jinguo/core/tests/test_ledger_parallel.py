"""The dry run's helper processes (core.ledger.parallel): the same results as in one process, in
the same places; a helper that dies, fails or touches the database stops the preview with a
clear message and leaves no job behind, and the request's connection still works."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest

from jinguo.core.errors import ActionError
from jinguo.core.ledger import engine, parallel
from jinguo.core.ledger.plan import read_rows
from jinguo.core.ledger.registry import get_register
from jinguo.core.ledger.testing import xlsx_bytes
from jinguo.core.models import ImportJob
from jinguo.people.ledgers import PersonLedger
from jinguo.people.models import Person


def squares(chunks: Any, remote: bool) -> Any:
    """Work for Spread: the squares of each chunk's numbers, telling where they were made."""
    for index, start, stop in chunks:
        yield index, ([n * n for n in range(start, stop)], remote, os.getpid())


@pytest.mark.parametrize("helpers", [0, 1, 2])
def test_spread_gives_every_chunks_result_once_with_its_index(helpers):
    chunks = [(0, 3), (3, 6), (6, 7), (7, 10), (10, 10)]
    with parallel.Spread(squares, chunks, helpers=helpers) as spread:
        got = dict(spread)
    assert {index: values for index, (values, _, _) in got.items()} == {
        0: [0, 1, 4],
        1: [9, 16, 25],
        2: [36],
        3: [49, 64, 81],
        4: [],
    }
    made_by = {(remote, pid == os.getpid()) for _, remote, pid in got.values()}
    assert made_by == ({(True, False)} if helpers else {(False, True)})


def test_helpers_share_the_chunks_out_as_they_claim_them():
    """A helper held up (here: its first chunk waits until the other helper has claimed the
    last one) does fewer chunks: the other claims every chunk meanwhile."""
    import multiprocessing

    last_claimed = multiprocessing.get_context("fork").Event()

    def slow_first(chunks: Any, remote: bool) -> Any:
        for index, _start, _stop in chunks:
            if index == 0:
                assert last_claimed.wait(30)
            if index == 11:
                last_claimed.set()
            yield index, os.getpid()

    with parallel.Spread(slow_first, [(n, n + 1) for n in range(12)], helpers=2) as spread:
        made_by = dict(spread)
    assert sorted(made_by) == list(range(12))
    assert sorted(list(made_by.values()).count(pid) for pid in set(made_by.values())) == [1, 11]


def test_helper_count_follows_the_settings(settings):
    settings.LEDGER_HELPER_MIN_ROWS = 100
    settings.LEDGER_HELPERS = 3
    assert (parallel.helper_count(99), parallel.helper_count(100)) == (0, 3)
    settings.LEDGER_HELPERS = 0
    assert parallel.helper_count(10_000) == 0
    del settings.LEDGER_HELPERS
    assert parallel.helper_count(10_000) == min(2, os.cpu_count() or 1)


def ledger(rows: int) -> bytes:
    """`rows` children of 东一社区, every third one with an error the dry run reports."""
    lines: list[list[Any]] = [["姓名", "性别", "出生日期", "所属单位", "人员类别"]]
    for n in range(rows):
        gender = "不详" if n % 3 == 2 else ("女" if n % 2 else "男")
        lines.append([f"林{n:04d}", gender, dt.date(2010, 1, 1) + dt.timedelta(days=n), "东一社区", "留守儿童"])
    return xlsx_bytes(lines)


@pytest.fixture
def two_helpers(settings):
    settings.LEDGER_HELPERS = 2
    settings.LEDGER_HELPER_MIN_ROWS = 1


@pytest.mark.django_db
def test_a_dry_run_in_helpers_is_the_dry_run_in_one_process(people, tree, settings):
    persons = get_register("persons")
    assert persons is not None
    data = ledger(23)
    settings.LEDGER_HELPERS = 0
    here = engine.analyse(persons, people.street_cadre, "a.xlsx", data, {})
    settings.LEDGER_HELPERS, settings.LEDGER_HELPER_MIN_ROWS = 2, 1
    helped = engine.analyse(persons, people.street_cadre, "a.xlsx", data, {})
    assert here.counts() == helped.counts() == {"total": 23, "new": 16, "updated": 0, "unchanged": 0, "refused": 7}

    def described(analysis: engine.Analysis) -> list[Any]:  # the cells of a refused row, for the sheet to fix
        return [
            (r.number, r.status, r.values, r.errors, r.cells if r.status == "refused" else None) for r in analysis.rows
        ]

    assert described(helped) == described(here)
    assert helped.rows[2].cells == ["林0002", "不详", dt.date(2010, 1, 3), "东一社区", "留守儿童"]
    assert helped.rows[2].errors == [
        ("gender", "性别应填“男”或“女”,而不是“不详”"),
        ("gender", "请填写性别(或填写身份证号)"),
    ]
    plan_here, plan_helped = engine.open_plan(here.plan), engine.open_plan(helped.plan)
    assert list(read_rows(plan_helped)) == list(read_rows(plan_here))
    assert [number for number, _, _ in read_rows(plan_helped)][:4] == [2, 3, 5, 6]


class DiesInHelpers(PersonLedger):
    """The person ledger, whose checks end the helper process they run in (as the kernel's OOM
    killer would), or fail there, or query the database there."""

    slug = "dies-in-helpers"
    title = "辅助进程出错的人员台账"
    parent = os.getpid()
    how = "exit"

    def check_row(self, ctx: engine.ImportContext, row: engine.Row) -> None:
        if os.getpid() != self.parent:
            if self.how == "exit":
                os._exit(3)
            if self.how == "raise":
                raise ValueError("check_row failed in a helper")
            Person.objects.count()
        super().check_row(ctx, row)


@pytest.fixture
def dies(two_helpers):
    from jinguo.core.ledger.registry import register, unregister

    DiesInHelpers.parent = os.getpid()
    register(DiesInHelpers)
    yield get_register("dies-in-helpers")
    unregister("dies-in-helpers")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("how", "error", "message"),
    [
        ("exit", ActionError, parallel.HELPER_FAILED),
        ("raise", ValueError, "check_row failed in a helper"),
        ("query", RuntimeError, "a ledger helper process must not use the database"),
    ],
)
def test_a_helper_that_dies_fails_or_queries_stops_the_preview_and_keeps_nothing(
    people, tree, dies, monkeypatch, how, error, message
):
    monkeypatch.setattr(DiesInHelpers, "how", how)
    with pytest.raises(error) as caught:
        engine.do_preview_import(actor=people.street_cadre, register=dies, file_name="a.xlsx", data=ledger(12))
    assert str(caught.value) == message
    assert not ImportJob.objects.exists()
    # the request's connection (which the helpers shared) still answers
    assert Person.objects.count() == 0
    assert parallel.HELPER_FAILED == "分析文件时辅助进程意外退出,未生成预览,请稍后重新上传"


@pytest.mark.django_db
def test_a_large_upload_through_the_page_is_checked_in_helpers(people, tree, login, two_helpers, monkeypatch):
    from jinguo.core.ledger.testing import count_helpers, upload_file

    forked = count_helpers(monkeypatch)
    client = login(people.street_cadre)
    response = client.post("/ledgers/persons/import/", {"file": upload_file(ledger(12), "十二名儿童.xlsx")})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.counts == {"total": 12, "new": 8, "updated": 0, "unchanged": 0, "refused": 4}
    assert [r["row"] for r in engine.refused_rows(job)] == [4, 4, 7, 7, 10, 10, 13, 13]
    assert forked == [2]
