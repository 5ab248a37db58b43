"""Benchmarks of the rights-protection register at city scale: 300,000 fictitious cases in 明湖市
(make_city.py; persons from make_people.py), received over the 24 months before the benchmark's
"today", in every district, street and community; their follow-ups.

The cases are shaped like the demo's (jinguo/cases/demo.py): petitions, mediations and violence
incidents, channels and categories in the demo's shares, most closed and followed up, the last weeks'
open, a few late. They are written by core.bulk.insert (COPY on PostgreSQL), values encrypted by the
fields, in one transaction; the timeline rows (CaseEvent) are not generated (the benchmarks do not
read them). A fixed seed gives the same cases every time.

Then, each a few times untimed, once with its queries counted, and --repeat timed rounds:

    o  the overdue list as the page reads it (first page, capped count), for the city cadre at the
       city root and the district cadre; the overdue follow-ups of the city
    r  report.monthly_report for the city root, a district and a street, one month
    d  the work bench's to-do counts (cases.dashboard.todos) for the city cadre
    p  the whole pages through django.test.Client: /cases/?status=overdue and /cases/report/

    python bench/cases_bench.py [--db postgres] [--cases 300000] [--repeat 30] [--rebuild]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DATABASE_URLS, code_version, format_table, load_average, machine, measure, setup_django

SEED = 20261202
TODAY = dt.date(2026, 12, 1)
MONTHS = 24
GOAL_MS = 200.0


def generate(total: int, *, rebuild: bool = False) -> dict[str, Any]:
    """`total` cases in the city, unless they are there already."""
    from django.db import connection, transaction

    from bench.make_city import ensure_city
    from jinguo.cases.categories import ensure_default_case_categories
    from jinguo.cases.models import Case, CaseCategory, FollowUp, Kind, Outcome, Status, risk_level_of
    from jinguo.core import bulk
    from jinguo.core.tree import under
    from jinguo.orgs.models import Unit, UnitKind

    city = ensure_city(quiet=True)
    have = Case.objects.filter(under("unit_path", city.root.path)).count()
    if have >= total and not rebuild:
        return {"kept": have}
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        like = city.root.path + "%"
        cursor.execute(
            "DELETE FROM cases_followup WHERE case_id IN (SELECT id FROM cases_case WHERE unit_path LIKE %s)", [like]
        )
        cursor.execute("DELETE FROM cases_case WHERE unit_path LIKE %s", [like])
    ensure_default_case_categories()
    rng = random.Random(SEED)
    units = list(Unit.objects.filter(under("path", city.root.path)).exclude(kind=UnitKind.CITY).order_by("path"))
    leaves = [u for u in units if u.kind in (UnitKind.COMMUNITY, UnitKind.VILLAGE)]
    upper = [u for u in units if u.kind not in (UnitKind.COMMUNITY, UnitKind.VILLAGE)]
    categories = {c.code: c for c in CaseCategory.objects.filter(unit__isnull=True)}
    weights = [("domestic_violence", 38), ("marriage_family", 24), ("property_land", 13), ("labour", 11),
               ("personal_rights", 7), ("child_rights", 5), ("other", 5)]  # fmt: skip
    channels = [("visit", 45), ("phone", 30), ("online", 10), ("letter", 8), ("referred", 7)]
    handler = city.city_cadre
    zone = dt.timezone(dt.timedelta(hours=8))
    start_day = TODAY - dt.timedelta(days=30 * MONTHS)
    counters: dict[tuple[int, str], int] = {}
    written = follow_ups = 0
    batch: list[Any] = []
    visits: list[Any] = []

    def flush() -> None:
        nonlocal written, follow_ups
        bulk.insert(batch)
        for f in visits:
            f.case_id = f.case.pk
        bulk.insert(visits)
        written += len(batch)
        follow_ups += len(visits)
        batch.clear()
        visits.clear()

    with transaction.atomic():
        days = sorted(start_day + dt.timedelta(days=rng.randrange((TODAY - start_day).days)) for _ in range(total))
        for day in days:
            kind = rng.choices([Kind.PETITION, Kind.MEDIATION, Kind.VIOLENCE], weights=[90, 6, 4])[0]
            code = "domestic_violence" if kind == Kind.VIOLENCE else rng.choices(*zip(*weights, strict=True))[0]
            unit = rng.choice(leaves) if rng.random() < 0.8 else rng.choice(upper)
            received = dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randrange(60)), tzinfo=zone)
            counters[(day.year, kind)] = counters.get((day.year, kind), 0) + 1
            prefix = {"petition": "XF", "mediation": "TJ", "violence": "JB"}[kind]
            factors = (
                rng.sample(["weapon", "injury", "escalating", "children", "control"], rng.randint(0, 2))
                if code == "domestic_violence"
                else []
            )
            channel = rng.choices(*zip(*channels, strict=True))[0]
            case = Case(
                unit=unit,
                unit_path=unit.path,
                number=f"{day.year}{prefix}{counters[(day.year, kind)]:06d}",
                kind=kind,
                category=categories[code],
                channel=channel,
                received_at=received,
                anonymous=True,
                narrative="虚构的基准测试案件事由",
                request="虚构诉求",
                risk_level=risk_level_of(factors) if factors else ("low" if code == "domestic_violence" else ""),
                risk_factors=",".join(factors),
                registered_by=handler,
                accept_due=day + dt.timedelta(days=3),
            )
            age = (TODAY - day).days
            if age > 3 or rng.random() < 0.3:
                case.status, case.handler = Status.ACCEPTED, handler
                case.accepted_at = received + dt.timedelta(hours=rng.randint(2, 60))
                case.finish_due = case.accepted_at.date() + dt.timedelta(days=15)
                finished = case.accepted_at + dt.timedelta(days=rng.randint(2, 13))
                if finished.date() < TODAY and (age > 25 or rng.random() < 0.9):
                    case.status, case.finished_at = Status.FINISHED, finished
                    case.outcome = rng.choices(list(Outcome.values), weights=[70, 14, 4, 8, 4])[0]
                    case.violence_stopped = kind == Kind.VIOLENCE and rng.random() < 0.45
                    closed = finished + dt.timedelta(days=rng.randint(1, 5))
                    if closed.date() < TODAY:
                        case.status, case.closed_at = Status.CLOSED, closed
                        due = closed.date() + dt.timedelta(days=30)
                        f = FollowUp(case=case, due_on=due)
                        if due < TODAY - dt.timedelta(days=7) or (due < TODAY and rng.random() < 0.5):
                            f.done_on, f.way, f.result = due - dt.timedelta(days=rng.randint(0, 9)), "phone", "已回访"
                            f.satisfied, f.by = rng.random() < 0.93, handler
                        visits.append(f)
                else:
                    case.status = Status.IN_PROGRESS
            elif age > 5 and rng.random() < 0.05:
                pass  # not accepted in time
            batch.append(case)
            if len(batch) >= 5000:
                flush()
        flush()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE cases_case")
            cursor.execute("VACUUM ANALYZE cases_followup")
        else:
            cursor.execute("ANALYZE")
    return {"cases": written, "follow_ups": follow_ups, "seconds": time.perf_counter() - started}


def scenarios(repeat: int) -> list[Any]:
    from django.test import Client

    from bench.make_city import ensure_city
    from jinguo.cases import dashboard
    from jinguo.cases.access import cases_for
    from jinguo.cases.models import FollowUp
    from jinguo.cases.report import monthly_report
    from jinguo.core.paging import capped_count

    city = ensure_city(quiet=True)
    month = dt.date(2026, 10, 1)

    def overdue(user: Any) -> Any:
        def run() -> Any:
            user.forget_memberships()
            qs = cases_for(user).overdue(TODAY)
            capped_count(qs)
            return list(
                qs.select_related("unit", "category", "person", "handler", "transfer_to").order_by(
                    "-received_at", "-id"
                )[:50]
            )

        return run

    def late_follow_ups() -> Any:
        user = city.city_cadre
        user.forget_memberships()
        qs = FollowUp.objects.overdue(TODAY).filter(case__in=cases_for(user).values("pk"))
        capped_count(qs)
        return list(qs.select_related("case__unit").order_by("due_on", "pk")[:50])

    def report(user: Any, unit: Any) -> Any:
        def run() -> Any:
            user.forget_memberships()
            return monthly_report(user, unit, month)

        return run

    def todos() -> Any:
        city.city_cadre.forget_memberships()
        return dashboard.todos(city.city_cadre)

    browser = Client()
    browser.force_login(city.city_cadre)

    def get(path: str) -> Any:
        def run() -> Any:
            response = browser.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return response

        return run

    steps = [
        ("o1 overdue list, city root: first page + capped count", overdue(city.city_cadre)),
        ("o2 overdue list, one district", overdue(city.district_cadre)),
        ("o3 overdue follow-ups, city root", late_follow_ups),
        ("r1 monthly report, city root", report(city.city_cadre, city.root)),
        ("r2 monthly report, one district", report(city.city_cadre, city.district)),
        ("r3 monthly report, one street", report(city.city_cadre, city.street)),
        ("d1 work bench to-do counts, city root", todos),
        ("p1 GET /cases/?status=overdue (city root)", get("/cases/?status=overdue")),
        (
            "p2 GET /cases/report/?month=2026-10 (city root)",
            get(f"/cases/report/?month={month:%Y-%m}&unit={city.root.pk}"),
        ),
    ]
    return measure(steps, repeat=repeat)


def explain(label: str, fn: Any) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    out = []
    for q in ctx.captured_queries:
        if (
            q["sql"].lstrip().upper().startswith("SELECT")
            and "cases_" in q["sql"]
            and connection.vendor == "postgresql"
        ):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                out.append(f"-- {label} ({q['time']} s)\n{q['sql']}\n" + "\n".join(r[0] for r in cursor.fetchall()))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Benchmarks of the cases register at city scale.")
    parser.add_argument("--db", choices=list(DATABASE_URLS), default="postgres")
    parser.add_argument("--cases", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the queries over the goal")
    args = parser.parse_args(argv)
    m = machine()
    print(f"date: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}\ncode: {code_version()}")
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, {m['os']}, python {m['python']}")
    url = setup_django(args.db)
    print(f"database: {url}; load average at start: {load_average()}")
    print("cases:", json.dumps(generate(args.cases, rebuild=args.rebuild), ensure_ascii=False), flush=True)
    from jinguo.cases.models import Case, FollowUp

    print(f"rows: {Case.objects.count():,} cases, {FollowUp.objects.count():,} follow-ups")
    timings = scenarios(args.repeat)
    print(f"load average at end: {load_average()}")
    print(
        format_table(
            ["operation", "queries", "p50 ms", "p95 ms", "max ms"],
            [[t.label, str(t.queries), f"{t.p50:.2f}", f"{t.p95:.2f}", f"{t.max:.2f}"] for t in timings],
            align="lrrrr",
        )
    )
    slow = [t.label for t in timings if t.p95 > GOAL_MS]
    print("over the goal of 200 ms p95:", ", ".join(slow) or "none")


if __name__ == "__main__":
    main()
