"""Benchmarks of the unit tree at city scale (明湖市, 2,661 units; see make_city.py).

For each database (SQLite, then PostgreSQL, each in its own process and its own benchmark database)
the city is generated if missing, then every operation below runs a few times untimed, once with its
queries counted, then --repeat timed rounds (time.perf_counter) in which every operation runs once in
turn; the table gives p50/p95/max in ms.

    f  floors: one round trip, one committed one-row UPDATE (what the session save of every request
       costs), and a request that renders no rows
    a  the subtree of a district: count, and the first 50 units (ORDER BY path); the same for the
       last district, whose rows come last in path order
    b  Unit.objects.for_user(user).count() for the city cadre (and the street cadre), with the
       membership look-up a request does (the user's cache is cleared before each run)
    c  the tree page /units/ (first level) and expansions /units/<pk>/children/ (htmx partial),
       through django.test.Client with force_login: middleware, session, template, all included
    d  the search partial /units/search/?q=… (a common character, a two-character stem, a code prefix)
    e  coverage_of(city) and coverage_of(district)

Then the query plans of the ORM reads (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL).

    python bench/tree_bench.py [--db sqlite|postgres|both] [--repeat 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    DATABASE_URLS,
    Timing,
    code_version,
    format_table,
    load_average,
    machine,
    measure,
    setup_django,
)

DB_LABELS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def header() -> str:
    m = machine()
    lines = [
        f"date: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"code: {code_version()}",
        f"machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, {m['os']}",
        f"python {m['python']}, SQLite library {m['sqlite']}",
        f"load average (1/5/15 min) at start: {load_average()}",
    ]
    return "\n".join(lines)


# --- one database ---------------------------------------------------------------------------------


def database_facts() -> dict[str, str]:
    from django.db import connection

    from jinguo.accounts.models import Membership, User
    from jinguo.orgs.models import Unit

    facts = {"vendor": connection.vendor}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            facts["version"] = f"PostgreSQL {cursor.fetchone()[0]}"
            cursor.execute("SELECT datcollate, datctype FROM pg_database WHERE datname = current_database()")
            collate, ctype = cursor.fetchone()
            facts["collation"] = f"LC_COLLATE={collate}, LC_CTYPE={ctype}"
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'orgs_unit' ORDER BY indexname")
            facts["indexes"] = "\n".join(row[0] for row in cursor.fetchall())
        else:
            cursor.execute("SELECT sqlite_version()")
            facts["version"] = f"SQLite {cursor.fetchone()[0]}"
            cursor.execute("PRAGMA journal_mode")
            facts["journal_mode"] = cursor.fetchone()[0]
    facts["units"] = str(Unit.objects.count())
    facts["users"] = str(User.objects.count())
    facts["memberships"] = str(Membership.objects.count())
    return facts


def search_terms(city: Any) -> dict[str, tuple[str, int]]:
    """A common character, a two-character stem and a code prefix, with how many units match."""
    from jinguo.orgs.models import Unit, UnitKind

    units = Unit.objects.filter(path__startswith=city.root.path)
    names = list(units.values_list("name", flat=True))
    common = "桥"
    last_village = units.filter(kind=UnitKind.VILLAGE).order_by("-path").first()
    assert last_village is not None
    stem = last_village.name[:2]
    code = city.district.division_code[:6]
    return {
        "common": (common, sum(common in n for n in names)),
        "stem": (stem, sum(stem in n for n in names)),
        "code": (code, units.filter(division_code__startswith=code).count()),
    }


def scenarios(city: Any, repeat: int) -> list[Timing]:
    from django.contrib.sessions.models import Session
    from django.db import connection, transaction
    from django.db.models import F
    from django.test import Client

    from jinguo.orgs.models import Unit, coverage_of

    root, district, street = city.root, city.district, city.street
    city_cadre, street_cadre = city.city_cadre, city.street_cadre

    def client_for(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    browser = client_for(city_cadre)

    def get(path: str, must_contain: str) -> Any:
        def run() -> Any:
            response = browser.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return response

        body = run().content.decode()
        assert must_contain in body, (path, must_contain)
        return run

    def for_user_count(user: Any) -> Any:
        def run() -> int:
            user.forget_memberships()
            return Unit.objects.for_user(user).count()

        return run

    terms = search_terms(city)
    n_districts, n_streets, n_communities = root.numchild, district.numchild, street.numchild
    subtree = Unit.objects.subtree(district)
    n_subtree = subtree.count()
    n_city = Unit.objects.subtree(root).count()
    last_district = Unit.objects.get_children(root).last()
    assert last_district is not None
    last_subtree = Unit.objects.subtree(last_district)

    leaf = Unit.objects.get_children(street).last()
    assert leaf is not None
    floor = get(f"/units/{leaf.pk}/children/", "没有下级单位")  # logs the session in, too
    session_key = browser.session.session_key

    def round_trip() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    def session_save() -> None:
        # What SESSION_SAVE_EVERY_REQUEST costs each request: one UPDATE of the session row, committed.
        with transaction.atomic():
            Session.objects.filter(session_key=session_key).update(expire_date=F("expire_date"))

    steps: list[tuple[str, Any]] = [
        ("f1 SELECT 1 (one round trip)", round_trip),
        ("f2 one-row UPDATE + COMMIT (the session save)", session_save),
        ("f3 GET /units/<community>/children/ (no rows: a request's floor)", floor),
        (f"a1 subtree of a district ({n_subtree} units): count()", subtree.count),
        ("a2 subtree of a district: first 50 units", lambda: list(subtree[:50])),
        ("a3 subtree of the last district: first 50 units", lambda: list(last_subtree[:50])),
        (f"b1 for_user(city cadre).count() ({n_city} units)", for_user_count(city_cadre)),
        (f"b2 for_user(street cadre).count() ({n_communities + 1} units)", for_user_count(street_cadre)),
        ("c1 GET /units/ tree page, first level", get("/units/", f'id="node-{root.pk}"')),
        (
            f"c2 GET /units/<city>/children/ ({n_districts} districts)",
            get(f"/units/{root.pk}/children/", f'id="node-{district.pk}"'),
        ),
        (
            f"c3 GET /units/<district>/children/ ({n_streets} streets)",
            get(f"/units/{district.pk}/children/", f'id="node-{street.pk}"'),
        ),
        (
            f"c4 GET /units/<street>/children/ ({n_communities} communities)",
            get(f"/units/{street.pk}/children/", "<li id="),
        ),
    ]
    searches = (("common", "common character"), ("stem", "two-character stem"), ("code", "code prefix"))
    for i, (key, label) in enumerate(searches, 1):
        term, hits = terms[key]
        shown = min(hits, 50)
        steps.append(
            (
                f"d{i} GET /units/search/?q={term} ({label}: {hits} matches, {shown} shown)",
                get(f"/units/search/?q={term}", "search-list"),
            )
        )
    steps += [
        ("e1 coverage_of(city)", lambda: coverage_of(root)),
        ("e2 coverage_of(district)", lambda: coverage_of(district)),
    ]
    return measure(steps, repeat=repeat)


def query_plans(city: Any) -> list[tuple[str, str, str]]:
    """(what, SQL, plan) of the ORM reads measured above, as the database plans them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jinguo.orgs.models import Unit, coverage_of

    root, district = city.root, city.district
    last = Unit.objects.get_children(root).last()
    assert last is not None
    reads = [
        ("subtree count (a1)", lambda: Unit.objects.subtree(district).count()),
        ("subtree first 50 (a2)", lambda: list(Unit.objects.subtree(district)[:50])),
        ("subtree of the last district, first 50 (a3)", lambda: list(Unit.objects.subtree(last)[:50])),
        ("children of a district (c3)", lambda: list(Unit.objects.get_children(district))),
        ("search by name (d)", lambda: list(Unit.objects.for_user(city.city_cadre).search("桥")[:51])),
        ("coverage_of(city) (e1)", lambda: coverage_of(root)),
    ]
    out = []
    for what, fn in reads:
        with CaptureQueriesContext(connection) as ctx:
            fn()
        sql = ctx.captured_queries[-1]["sql"]
        prefix = "EXPLAIN (ANALYZE, BUFFERS OFF) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql)
            rows = cursor.fetchall()
        if connection.vendor == "postgresql":
            plan = "\n".join(r[0] for r in rows)
        else:
            plan = "\n".join(str(r[-1]) for r in rows)
        out.append((what, sql, plan))
    return out


def run_one(db: str, repeat: int, json_out: str | None) -> None:
    url = setup_django(db)
    from bench.make_city import ensure_city

    print(f"\n=== {DB_LABELS[db]} ({url}) ===", flush=True)
    city = ensure_city()
    from django.db import connection

    if connection.vendor == "postgresql":
        # Fresh planner statistics, as autovacuum would have them on a live database: right after a
        # bulk insert the planner guesses 1 row for every LIKE and the plans below would mislead.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE orgs_unit, accounts_membership, accounts_user")
    facts = database_facts()
    for key in ("version", "collation", "journal_mode", "units", "users", "memberships"):
        if key in facts:
            print(f"{key}: {facts[key]}")
    load_before = load_average()
    timings = scenarios(city, repeat)
    load_after = load_average()
    print(f"load average before/after: {load_before} / {load_after}")
    print(
        format_table(
            ["operation", "queries", "p50 ms", "p95 ms", "max ms"],
            [[t.label, str(t.queries), f"{t.p50:.2f}", f"{t.p95:.2f}", f"{t.max:.2f}"] for t in timings],
            align="lrrrr",
        )
    )
    plans = query_plans(city)
    if "indexes" in facts:
        print("\nindexes of orgs_unit:\n" + facts["indexes"])
    for what, sql, plan in plans:
        print(f"\n-- {what}\n{sql}\n{plan}")
    if json_out:
        result = {
            "db": db,
            "facts": facts,
            "load": [load_before, load_after],
            "timings": [t.as_dict() for t in timings],
            "plans": plans,
        }
        Path(json_out).write_text(json.dumps(result, ensure_ascii=False, indent=1))


# --- both, side by side ---------------------------------------------------------------------------


def compare(results: list[dict[str, Any]]) -> str:
    headers = ["operation", "queries"]
    for r in results:
        name = DB_LABELS[r["db"]]
        headers += [f"{name} p50", "p95", "max"]
    rows = []
    for i, first in enumerate(results[0]["timings"]):
        queries = sorted({r["timings"][i]["queries"] for r in results})
        row = [first["label"], "/".join(str(q) for q in queries)]
        for r in results:
            t = r["timings"][i]
            row += [f"{t['p50']:.2f}", f"{t['p95']:.2f}", f"{t['max']:.2f}"]
        rows.append(row)
    return format_table(headers, rows, align="lr" + "rrr" * len(results))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Benchmarks of the unit tree at city scale.")
    parser.add_argument("--db", choices=[*DATABASE_URLS, "both"], default="both")
    parser.add_argument("--repeat", type=int, default=50, help="timed runs per operation (default 50)")
    parser.add_argument("--json", help=argparse.SUPPRESS)  # where a child process leaves its figures
    args = parser.parse_args(argv)
    if args.json:
        run_one(args.db, args.repeat, args.json)
        return
    print(header(), flush=True)
    dbs = list(DATABASE_URLS) if args.db == "both" else [args.db]
    results = []
    with tempfile.TemporaryDirectory(prefix="jinguo-bench-") as tmp:
        for db in dbs:
            out = Path(tmp) / f"{db}.json"
            cmd = [sys.executable, __file__, "--db", db, "--repeat", str(args.repeat), "--json", str(out)]
            subprocess.run(cmd, check=True)
            results.append(json.loads(out.read_text()))
    print(f"\n=== ms per operation, {args.repeat} timed runs each (p95: nearest rank) ===")
    versions = ", ".join(r["facts"]["version"] for r in results)
    print(
        f"{versions}; units in the database: "
        + ", ".join(f"{DB_LABELS[r['db']]} {r['facts']['units']}" for r in results)
    )
    print(compare(results))


if __name__ == "__main__":
    main()
