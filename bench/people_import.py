"""The import part of the people benchmark: a 100,000-row person ledger (人员台账, .xlsx) imported
into the city of 2,000,000 persons, end to end, beside the time to merely read the same file.

Each step runs in a child process of its own, so that its peak memory (ru_maxrss) is its own, and
the two halves of an import run where they run in production:

    make     write the ledger with openpyxl (write-only): the persons of 湖滨区's communities and
             villages, all new (ID numbers from make_id_number's sequences 16-19, which
             make_people.py leaves free), units by division code, categories, guardians of children
    read     python-calamine: open the workbook and turn the sheet into Python rows, nothing else
    preview  the upload as the web process handles it: do_preview_import (read, parse, check, look
             up, the plan stored in the job; a file this large is checked in LEDGER_HELPERS forked
             helper processes) and do_commit_import (the task queued). Its memory is sampled as
             PSS, the web process alone and with its helpers (pages they share counted once)
    commit   the task as the worker runs it: jinguo.core.ledger.engine.run_commit (the plan looked
             up again chunk by chunk, the bulk write path of people.actions.do_create_persons)
    actions  (for comparison, not the engine) calamine rows written through
             people.actions.do_create_person one by one, one transaction

`engine` is preview then commit. After `commit` and `actions` the imported rows are deleted again
(persons above the largest id before the import, their categories, the audit rows the import wrote,
the job) and the counts recounted, so that the database stays at its 2,000,000 persons.

    python bench/people_import.py --db postgres [--rows 100000] [--steps make,read,engine]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    DATABASE_URLS,
    MemorySampler,
    backend_cpu_seconds,
    children_cpu_seconds,
    cpu_seconds,
    peak_rss_mb,
    setup_django,
)

SEED = 20261123
HEADERS = [
    "序号", "姓名", "性别", "出生日期", "身份证号", "联系电话", "住址", "所属单位", "人员类别",
    "监护人姓名", "与监护人关系", "监护人电话", "学校", "年级", "居住年限",
]  # fmt: skip


def make_ledger(path: Path, rows: int) -> dict[str, Any]:
    """A ledger as a district compiles it: a title row, then the header, then `rows` persons."""
    from openpyxl import Workbook

    from bench.make_city import ensure_city
    from bench.make_people import IdSlots
    from jinguo.orgs.models import Unit, UnitKind
    from jinguo.people import demo

    city = ensure_city(quiet=True)
    units = list(
        Unit.objects.filter(path__startswith=city.district.path, kind__in=[UnitKind.COMMUNITY, UnitKind.VILLAGE])
        .order_by("path")
        .values_list("division_code", "name", "kind")
    )
    rng = random.Random(SEED)
    slots = IdSlots(first_seq=16, seqs=4)
    surnames, weights = list(demo.SURNAMES), list(demo.SURNAMES.values())
    started = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("人员台账")
    sheet.append([f"{city.district.name}重点人员台账(基准测试,虚构数据)"])
    sheet.append(HEADERS)
    today = dt.date(2026, 11, 22)
    written = 0
    while written < rows:
        age = rng.choice((rng.randint(0, 17), rng.randint(18, 59), rng.randint(18, 59), rng.randint(60, 95)))
        born = today - dt.timedelta(days=365 * age + rng.randrange(365))
        female = rng.random() < (0.5 if age < 18 else 0.7)
        id_number = slots.take(born, female)
        if id_number is None:
            continue  # that day is full: draw another person
        code, unit_name, _kind = rng.choice(units)
        generation = 0 if born.year < 1960 else 1 if born.year < 1985 else 2 if born.year < 2005 else 3
        given = rng.choice((demo.FEMALE_NAMES if female else demo.MALE_NAMES)[generation])
        name = rng.choices(surnames, weights)[0] + given
        child = age < 18
        categories = ""
        guardian = relation = guardian_phone = school = grade = ""
        years: Any = ""
        if child:
            categories = rng.choice(("留守儿童", "流动儿童", "", "", "困难儿童、单亲家庭儿童"))
            guardian = rng.choices(surnames, weights)[0] + rng.choice(demo.FEMALE_NAMES[1])
            relation = rng.choice(("母亲", "奶奶", "外婆", "父亲"))
            guardian_phone = f"1390000{rng.randrange(10000):04d}"
            if age >= 6:
                school, grade = f"{unit_name[:2]}小学" if age < 12 else "第一中学", demo.GRADES[min(age, 17)]
            if categories == "流动儿童":
                years = f"{rng.randint(1, max(1, min(age, 10)))}年"
        elif age >= 60:
            categories = rng.choice(("空巢老人", "", "低保"))
        else:
            categories = rng.choice(("", "", "", "困难妇女" if female else "", "下岗失业"))
        phone = "" if child else f"1380000{rng.randrange(10000):04d}"
        address = f"{unit_name}{rng.choice(demo.ROADS)}{rng.randint(1, 200)}号"
        sheet.append(
            [
                written + 1, name, "女" if female else "男", born, id_number, phone, address, code, categories,
                guardian, relation, guardian_phone, school, grade, years,
            ]
        )  # fmt: skip
        written += 1
    book.save(path)
    return {
        "rows": written,
        "units": len(units),
        "district": city.district.name,
        "seconds": time.perf_counter() - started,
        "bytes": path.stat().st_size,
    }


def read_only(path: Path) -> dict[str, Any]:
    from python_calamine import CalamineWorkbook

    data = path.read_bytes()
    started = time.perf_counter()
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = book.get_sheet_by_name(book.sheet_names[0]).to_python(skip_empty_area=False)
    return {"rows": len(rows) - 2, "seconds": time.perf_counter() - started}


def _largest_ids() -> dict[str, int]:
    from django.db.models import Max

    from jinguo.core.models import AuditEntry, ImportJob
    from jinguo.people.models import Person, PersonCategory

    return {
        model._meta.db_table: model._default_manager.aggregate(m=Max("id"))["m"] or 0
        for model in (Person, PersonCategory, AuditEntry, ImportJob)
    }


def _clean_up(before: dict[str, int]) -> dict[str, int]:
    """Delete what the import wrote (rows above the largest ids before it), with raw SQL: audit
    rows refuse deletion through the model, and this is the benchmark's own database; then
    recount the persons of the units."""
    from django.db import connection, transaction

    from jinguo.people import counts

    deleted = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("people_personcategory", "core_auditentry", "people_person", "core_importjob"):
            cursor.execute(f"DELETE FROM {table} WHERE id > %s", [before[table]])
            deleted[table] = cursor.rowcount
    counts.recount_all()
    if connection.vendor == "postgresql":  # no dead rows left behind for the next measurement
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE people_person, people_personcategory, core_auditentry, people_registrycount")
    return deleted


def import_preview(path: Path) -> dict[str, Any]:
    from bench.make_city import ensure_city
    from jinguo.core.ledger.engine import do_commit_import, do_preview_import
    from jinguo.core.ledger.registry import get_register

    city = ensure_city(quiet=True)
    user = city.district_cadre
    register = get_register("persons")
    assert register is not None
    data = path.read_bytes()
    out: dict[str, Any] = {"rss_before": peak_rss_mb(), "before": _largest_ids()}
    cpu, server, helpers = cpu_seconds(), backend_cpu_seconds(), children_cpu_seconds()
    started = time.perf_counter()
    with MemorySampler() as memory:
        job = do_preview_import(actor=user, register=register, file_name=path.name, data=data, options={})
    out["seconds"] = time.perf_counter() - started
    out |= _cpu_used(cpu, server)
    out["helpers_cpu"] = children_cpu_seconds() - helpers
    out["postgres"] = postgres_settings()
    out["pss_peak_total"], out["pss_peak_self"] = memory.peak_total, memory.peak_self
    out["counts"] = job.counts
    out["plan_bytes"] = len(job.plan_data or b"")
    if job.refused_count:
        out["refused_sample"] = json.loads(job.detail or "{}").get("refused", [])[:3]
    do_commit_import(actor=user, job=job)  # queues the task (django-tasks-db: a row nobody runs here)
    out["job"] = job.pk
    return out


def import_commit(job_id: int, before: dict[str, int]) -> dict[str, Any]:
    from jinguo.core.ledger.engine import run_commit
    from jinguo.core.models import ImportJob

    out: dict[str, Any] = {"rss_before": peak_rss_mb()}
    try:
        cpu, server = cpu_seconds(), backend_cpu_seconds()
        started = time.perf_counter()
        run_commit(job_id)  # what the worker runs
        out["seconds"] = time.perf_counter() - started
        out |= _cpu_used(cpu, server)
        job = ImportJob.objects.get(pk=job_id)
        out["status"], out["message"] = job.status, job.message
        out["peak_rss"] = peak_rss_mb()
        out["written"] = _count_above(before)
    finally:
        out["cleaned"] = _clean_up(before)
        _delete_queued_task(ImportJob)
    return out


def _cpu_used(cpu: float, server: float | None) -> dict[str, Any]:
    """The CPU seconds the step used since (cpu, server): Python's, all its threads, and its
    PostgreSQL backend's. On 2 cores their sum over the wall time says how busy both were."""
    after = backend_cpu_seconds()
    return {"cpu": cpu_seconds() - cpu, "server_cpu": None if server is None or after is None else after - server}


def _count_above(before: dict[str, int]) -> dict[str, int]:
    from django.db import connection

    out = {}
    with connection.cursor() as cursor:
        for table in ("people_person", "people_personcategory", "core_auditentry"):
            cursor.execute(f"SELECT count(*) FROM {table} WHERE id > %s", [before[table]])
            out[table] = cursor.fetchone()[0]
    return out


def _delete_queued_task(_model: Any) -> None:
    """The commit task row django-tasks-db queued for a worker (run here directly instead)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_name = 'django_tasks_database_dbtaskresult'"
        )
        if cursor.fetchone():
            cursor.execute("DELETE FROM django_tasks_database_dbtaskresult WHERE task_path LIKE %s", ["%commit_import"])


def import_actions(path: Path) -> dict[str, Any]:
    """The write path without the engine: calamine rows → do_create_person, one transaction."""
    from django.db import transaction
    from python_calamine import CalamineWorkbook

    from bench.make_city import ensure_city
    from jinguo.orgs.models import Unit
    from jinguo.people.actions import do_create_person

    city = ensure_city(quiet=True)
    user = city.district_cadre
    units = {u.division_code: u for u in Unit.objects.filter(path__startswith=city.district.path)}
    codes = {"留守儿童": "left_behind_child", "流动儿童": "migrant_child", "困难儿童": "hardship_child"}
    codes |= {"单亲家庭儿童": "single_parent_child", "空巢老人": "empty_nest_elder", "低保": "dibao"}
    codes |= {"困难妇女": "hardship_woman", "下岗失业": "laid_off"}
    relations = {"母亲": "mother", "父亲": "father", "奶奶": "grandparent", "外婆": "grandparent"}
    before = _largest_ids()
    out: dict[str, Any] = {}
    try:
        started = time.perf_counter()
        book = CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
        rows = book.get_sheet_by_name(book.sheet_names[0]).to_python(skip_empty_area=False)[2:]
        with transaction.atomic():
            for r in rows:
                fields = dict(
                    name=r[1],
                    id_number=r[4],
                    phone=r[5],
                    address=r[6],
                    guardian_name=r[9],
                    guardian_relation=relations.get(str(r[10]), ""),
                    guardian_phone=r[11],
                    school=r[12],
                    grade=r[13],
                    residence_years=int(str(r[14]).rstrip("年")) if r[14] else None,
                )
                do_create_person(
                    actor=user,
                    unit=units[str(r[7])],
                    categories=[codes[c] for c in str(r[8]).split("、") if c],
                    **fields,
                )
        out["seconds"] = time.perf_counter() - started
        out["rows"] = len(rows)
        out["peak_rss"] = peak_rss_mb()
        out["persons_written"] = _count_above(before)
    finally:
        out["cleaned"] = _clean_up(before)
    return out


# --- driving the steps ----------------------------------------------------------------------------


def child(db: str, step: str, path: Path, rows: int, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run one step in a fresh process; returns what it printed as JSON on its last line."""
    cmd = [sys.executable, __file__, "--db", db, "--step", step, "--file", str(path), "--rows", str(rows)]
    if extra:
        cmd += ["--extra", json.dumps(extra)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    if done.stderr.strip():
        print(done.stderr.strip()[-3000:], file=sys.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(db: str, rows: int, steps: tuple[str, ...] = ("make", "read", "engine")) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="jinguo-ledger-") as tmp:
        path = Path(tmp) / "人员台账.xlsx"
        for step in steps:
            if step != "make" and not path.exists():
                results["make"] = child(db, "make", path, rows)
            for part in ("preview", "commit") if step == "engine" else (step,):
                print(f"\n--- import step: {part} ({time.strftime('%H:%M:%S')})", flush=True)
                extra = None
                if part == "commit":
                    extra = {"job": results["preview"]["job"], "before": results["preview"]["before"]}
                results[part] = child(db, part, path, rows, extra)
                print(json.dumps(results[part], ensure_ascii=False, default=str), flush=True)
    report(results)
    return results


POSTGRES_SETTINGS = ("shared_buffers", "wal_buffers", "max_wal_size", "checkpoint_timeout", "wal_compression")


def postgres_settings() -> dict[str, str]:
    """The server settings the import's figures depend on (docs/deploy.md gives the advised ones)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)", [list(POSTGRES_SETTINGS)]
        )
        return dict(cursor.fetchall())


def report(results: dict[str, Any]) -> None:
    make = results.get("make")
    if make:
        print(
            f"\nledger: {make['rows']:,} rows over {make['units']} units of {make['district']}, "
            f"{make['bytes'] / 1024 / 1024:.1f} MB .xlsx, written in {make['seconds']:.1f} s"
        )
    read = results.get("read")
    if read:
        print(
            f"read only (python-calamine): {read['seconds']:.2f} s, {read['rows'] / read['seconds']:,.0f} rows/s, "
            f"peak {read['peak_rss']:.0f} MB"
        )
    preview, commit = results.get("preview"), results.get("commit")
    if preview and preview.get("postgres"):
        print("PostgreSQL: " + ", ".join(f"{name} {value}" for name, value in preview["postgres"].items()))
    if preview and commit and "seconds" in commit:
        n = preview["counts"]["total"]
        total = preview["seconds"] + commit["seconds"]
        print(
            f"engine: preview {preview['seconds']:.1f} s ({n / preview['seconds']:,.0f} rows/s, peak "
            f"{preview['peak_rss']:.0f} MB), commit {commit['seconds']:.1f} s ({n / commit['seconds']:,.0f} "
            f"rows/s, peak {commit['peak_rss']:.0f} MB), end to end {total:.1f} s = {n / total:,.0f} rows/s; "
            f"status {commit['status']} {commit['message']}"
        )
        for name, step in (("preview", preview), ("commit", commit)):
            server = f"{step['server_cpu']:.1f} s" if step.get("server_cpu") is not None else "unknown"
            helpers = f", of its helper processes {step['helpers_cpu']:.1f} s" if "helpers_cpu" in step else ""
            print(f"  {name}: CPU of Python {step['cpu']:.1f} s{helpers}, of its PostgreSQL backend {server}")
        print(
            f"  preview memory (PSS, pages shared by the forked helpers counted once): the web process "
            f"{preview['pss_peak_self']:.0f} MB, with its helpers {preview['pss_peak_total']:.0f} MB at most"
        )
    result = results.get("actions")
    if result and "seconds" in result:
        print(
            f"read + do_create_person per row: {result['seconds']:.1f} s, "
            f"{result['rows'] / result['seconds']:,.0f} rows/s, peak {result['peak_rss']:.0f} MB"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The import part of the people benchmark.")
    parser.add_argument("--db", choices=list(DATABASE_URLS), default="postgres")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--steps", default="make,read,engine", help="of make,read,engine,actions")
    parser.add_argument("--step", help=argparse.SUPPRESS)  # a child process: one step
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--extra", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.step:
        run(args.db, args.rows, tuple(args.steps.split(",")))
        return
    path = Path(args.file)
    if args.step == "read":
        result = read_only(path)  # no Django: the reader alone
    else:
        setup_django(args.db)
        if args.step == "make":
            result = make_ledger(path, args.rows)
        elif args.step == "preview":
            result = import_preview(path)
        elif args.step == "commit":
            extra = json.loads(args.extra)
            result = import_commit(extra["job"], extra["before"])
        else:
            result = import_actions(path)
    result.setdefault("peak_rss", peak_rss_mb())
    print(json.dumps(result, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
