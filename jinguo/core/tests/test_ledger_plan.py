"""The plan an import's dry run keeps for its commit (core.ledger.plan): its values come back as
they went in, plain; it unpickles nothing but its own kinds of value; it is sealed a piece at a
time; a plan of another format, key or damaged where it is kept is refused with a message that
says what to do, and the commit writes nothing."""

from __future__ import annotations

import datetime as dt
import io
import pickle
import zlib
from decimal import Decimal
from typing import Any

import pytest
from django.db import models

from jinguo.core import bulk, crypto
from jinguo.core.ledger import engine, plan
from jinguo.core.ledger.normalisers import Masked
from jinguo.core.ledger.reader import Header
from jinguo.core.ledger.registry import get_register
from jinguo.core.ledger.testing import xlsx_bytes
from jinguo.core.models import ImportJob
from jinguo.people.models import Gender, Person

HEADER = Header(index=0, columns={"name": 0}, labels=["姓名"], ignored=[])


class Level(models.IntegerChoices):
    HIGH = 3, "高"


def sealed(rows: list[Any], outcomes: dict | None = None) -> bytes:
    writer = plan.PlanWriter()
    writer.add_block(plan.encode_block(rows[:1]))
    writer.add_block(plan.encode_block([]))
    writer.add_block(plan.encode_block(rows[1:]))
    return writer.finish(HEADER, outcomes or {2: ["new", None]})


def test_values_come_back_as_they_went_in_and_plain():
    values = {
        "name": "张晓燕",
        "gender": Gender.FEMALE,  # a validator's TextChoices member: plain text in the plan
        "level": Level.HIGH,
        "born": dt.date(2015, 3, 2),
        "phone": Masked("138****5678"),
        "categories": ["留守儿童", "困难儿童"],
        "dropped_out": False,
        "years": 3,
        "notes": None,
        "amount": Decimal("12.50"),
        "quote": 'a"b\\c\n',
    }
    rows = [(2, values, {"id_hash": "ab" * 20, "id_last4": ""}), (3, {"name": "林"}, None)]
    opened = plan.open_plan(sealed(rows))
    assert plan.read_head(opened) == (HEADER, {2: ["new", None]})
    back = list(plan.read_rows(opened))
    assert back == rows
    kinds = {key: type(value) for key, value in back[0][1].items()}
    assert (kinds["gender"], kinds["level"], kinds["phone"], kinds["born"]) == (str, int, Masked, dt.date)


def test_the_plan_unpickles_nothing_but_its_own_kinds_of_value():
    class Evil:
        def __reduce__(self):
            import os

            return os.getcwd, ()

    block = zlib.compress(pickle.dumps([(2, {"name": Evil()}, None)]))
    with pytest.raises(pickle.UnpicklingError, match=r"a plan holds no posix\.getcwd"):
        plan._Unpickler(io.BytesIO(zlib.decompress(block))).load()


def test_the_sealed_plan_shows_none_of_its_rows():
    stored = sealed([(2, {"name": "张晓燕", "id_number": "330122201503029966"}, None)])
    assert stored.startswith(plan.SEALED)
    assert "张晓燕".encode() not in stored and b"330122201503029966" not in stored


def test_a_plan_of_another_format_or_key_or_damaged_is_refused(settings, monkeypatch):
    stored = sealed([(2, {"name": "张晓燕"}, None)])
    with pytest.raises(plan.PlanOutdated):  # the first format: one Fernet token of the JSON plan
        plan.open_plan(crypto.fernet().encrypt(b"{}"))
    damaged = bytearray(stored)
    damaged[-5] ^= 1
    with pytest.raises(plan.PlanDamaged, match="保存的导入数据已损坏,请重新上传文件"):
        plan.open_plan(bytes(damaged))
    monkeypatch.setattr(plan, "FORMAT", plan.FORMAT + 1)
    with pytest.raises(plan.PlanOutdated, match="系统升级后,上传时生成的预览已不能使用,请重新上传文件"):
        plan.read_head(plan.open_plan(stored))
    monkeypatch.setattr(plan, "FORMAT", plan.FORMAT - 1)
    settings.BLIND_INDEX_KEY = "another-key-of-the-blind-index-0123456789"
    with pytest.raises(plan.PlanOutdated):  # derived under the old key: its hashes would not be found
        list(plan.read_rows(plan.open_plan(stored)))


@pytest.mark.django_db
def test_the_commit_of_an_outdated_plan_writes_nothing_and_says_to_upload_again(
    people, tree, monkeypatch, django_capture_on_commit_callbacks
):
    persons = get_register("persons")
    assert persons is not None
    data = xlsx_bytes([["姓名", "性别", "出生日期", "所属单位"], ["林小满", "女", dt.date(2016, 5, 6), "东一社区"]])
    job = engine.do_preview_import(actor=people.street_cadre, register=persons, file_name="a.xlsx", data=data)
    monkeypatch.setattr(plan, "FORMAT", plan.FORMAT + 1)  # the platform was upgraded since the upload
    with django_capture_on_commit_callbacks(execute=True):
        engine.do_commit_import(actor=people.street_cadre, job=job)
    job.refresh_from_db()
    assert (job.status, job.message) == (
        "failed",
        "系统升级后,上传时生成的预览已不能使用,请重新上传文件。导入已全部撤销,未写入任何数据",
    )
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_binary_columns_are_written_and_read_whole(people):
    job = ImportJob.objects.create(user=people.street_cadre, register="persons", file_name="a.xlsx", file_size=1)
    data = bytes(range(256)) * 4099
    bulk.write_bytes(ImportJob, job.pk, "plan_data", data)
    assert bulk.read_bytes(ImportJob, job.pk, "plan_data") == data
    assert bytes(ImportJob.objects.get(pk=job.pk).plan_data or b"") == data
    assert bulk.read_bytes(ImportJob, job.pk + 1, "plan_data") is None
    bulk.write_bytes(ImportJob, job.pk, "plan_data", b"")
    assert bulk.read_bytes(ImportJob, job.pk, "plan_data") == b""
