"""Benchmarks of the people registry at city scale: 2,000,000 persons of 明湖市 (make_people.py).

The reads are the person list page's own querysets, built as jinguo/people/views.py builds them:
`Person.objects.for_user(user, perm="view_records")` (access.persons_for), `PersonFilters(...).apply`,
`select_related("unit").only(LIST_COLUMNS)`, the open categories prefetched, ordered by
`unit_path, name, pk`, first page of 50; beside it the page's counts (PersonFilters.counts: the
kept counts per unit where they answer, else a count capped at 10,000 and the categories of the
rows). Each runs a few times untimed, once with its queries counted,
then --repeat timed rounds in which every operation runs once in turn (bench/common.measure);
p50/p95/max in ms. Then EXPLAIN (ANALYZE, BUFFERS) of every query whose p95 is over the goal.

    l  the list for the city cadre: the city root (all 2,000,000), a category, a gender and age band;
       one community (unit filter), one community and a category
    s  search from the city root: pinyin initials, a name prefix, a whole ID number (blind index),
       the last 4 characters of the ID plus a name, a phone number (blind index)
    p  the whole page GET /people/?… through django.test.Client (middleware, session, template)
    i  import of a 100,000-row person ledger (.xlsx) end to end, in a child process of its own for
       a clean peak memory, beside the time to merely read the file with python-calamine

    python bench/people_bench.py [--db postgres|sqlite] [--repeat 50] [--skip-import] [--import-rows N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

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
    peak_rss_mb,
    setup_django,
)

GOAL_MS = 50.0
DB_LABELS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def header() -> str:
    m = machine()
    return "\n".join(
        [
            f"date: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
            f"code: {code_version()}",
            f"machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, {m['os']}, python {m['python']}",
            f"load average (1/5/15 min) at start: {load_average()}",
        ]
    )


# --- the list page's querysets --------------------------------------------------------------------


def list_columns() -> tuple[str, ...]:
    from jinguo.people import views

    return tuple(views.LIST_COLUMNS)


def page_rows(user: Any, params: dict[str, str]) -> Any:
    """The page's rows queryset, as views.person_list builds it (unsliced)."""
    from django.db.models import Prefetch

    from jinguo.people.access import persons_for
    from jinguo.people.filters import PersonFilters
    from jinguo.people.models import PersonCategory

    filters = PersonFilters.from_params(params)
    qs = filters.apply(persons_for(user), user=user)
    open_rows = (
        PersonCategory.objects.filter(ended_on__isnull=True).select_related("category").order_by("category__sort", "pk")
    )
    rows = (
        qs.select_related("unit")
        .only(*list_columns())
        .prefetch_related(Prefetch("categories", queryset=open_rows, to_attr="open_categories"))
        .order_by("unit_path", "name", "pk")
    )
    return qs, rows


def first_page(user: Any, params: dict[str, str]) -> Callable[[], list[Any]]:
    def run() -> list[Any]:
        user.forget_memberships()
        _, rows = page_rows(user, params)
        page = list(rows[:50])
        for p in page:  # what the template shows: masked ID number and phone (decrypted here)
            _ = (p.id_number, p.phone, p.unit.name, p.open_categories)
        return page

    return run


def list_counts(user: Any, params: dict[str, str]) -> Callable[[], Any]:
    """The counts above the list, as the page gets them (PersonFilters.counts): the kept counts
    per unit for a unit and a category, a capped count and the categories of those rows otherwise."""
    from jinguo.people.filters import PersonFilters

    def run() -> Any:
        user.forget_memberships()
        qs, _ = page_rows(user, params)
        return PersonFilters.from_params(params).counts(qs, user=user)

    return run


# --- the terms ------------------------------------------------------------------------------------


def pick_terms(city: Any) -> dict[str, Any]:
    """A community with many persons, a person with an ID number and a phone in it; search terms."""
    from django.db.models import Count

    from jinguo.core.tree import under
    from jinguo.orgs.models import Unit, UnitKind
    from jinguo.people.models import Person

    in_city = Person.objects.filter(under("unit_path", city.root.path))
    last_district = Unit.objects.get_children(city.root).last()
    assert last_district is not None
    # A community of the last district: its rows are neither first in path order nor first in the table.
    community = (
        Unit.objects.filter(under("path", last_district.path), kind=UnitKind.COMMUNITY).order_by("-path").first()
    )
    assert community is not None
    person = (
        in_city.filter(unit=community, id_hash__isnull=False, name__regex=r"^张.{2}$")
        .exclude(phone_hash__isnull=True)
        .order_by("pk")
        .first()
    )
    assert person is not None and person.id_number
    top_initials = (
        in_city.filter(unit=community)
        .values("name_initials")
        .annotate(n=Count("id"))
        .order_by("-n", "name_initials")
        .first()
    )
    assert top_initials is not None
    return {
        "community": community,
        "district": last_district,
        "person": person,
        "initials": top_initials["name_initials"],
        "name_prefix": person.name[:2],
        "last4_name": f"{person.id_number[-4:]} {person.name}",
        "last4_surname": f"{person.id_number[-4:]} {person.name[0]}",
        "id_number": person.id_number,
        "phone": person.phone,
        "persons": in_city.count(),
        "in_community": in_city.filter(unit=community).count(),
    }


def scenarios(city: Any, terms: dict[str, Any], repeat: int) -> tuple[list[Timing], list[tuple[str, Any]]]:
    from django.test import Client

    user = city.city_cadre
    c = terms["community"]
    p = terms["person"]
    lists: list[tuple[str, dict[str, str]]] = [
        ("city root", {}),
        ("city root, 留守儿童", {"category": "left_behind_child"}),
        ("city root, women 60+", {"gender": "F", "age": "60-"}),
        (f"one community ({terms['in_community']:,})", {"unit": str(c.pk)}),
        ("one community, 流动儿童", {"unit": str(c.pk), "category": "migrant_child"}),
    ]
    searches: list[tuple[str, dict[str, str]]] = [
        (f"pinyin initials '{terms['initials']}'", {"q": terms["initials"]}),
        (f"name prefix '{terms['name_prefix']}'", {"q": terms["name_prefix"]}),
        ("whole ID number (blind index)", {"q": terms["id_number"]}),
        (f"last 4 + name '{terms['last4_name']}'", {"q": terms["last4_name"]}),
        (f"last 4 + surname '{terms['last4_surname']}'", {"q": terms["last4_surname"]}),
        ("phone number (blind index)", {"q": terms["phone"]}),
    ]
    steps: list[tuple[str, Any]] = []
    queries: list[tuple[str, Any]] = []  # (label, fn) whose SQL gets explained
    for i, (label, params) in enumerate(lists, 1):
        steps += [
            (f"l{i}a {label}: first page", first_page(user, params)),
            (f"l{i}b {label}: counts (total, per category)", list_counts(user, params)),
        ]
    for i, (label, params) in enumerate(searches, 1):
        steps += [
            (f"s{i}a {label}: first page", first_page(user, params)),
            (f"s{i}b {label}: counts", list_counts(user, params)),
        ]
    queries = list(steps)
    browser = Client()
    browser.force_login(user)

    def get(query: str) -> Callable[[], Any]:
        def run() -> Any:
            response = browser.get("/people/" + query)
            assert response.status_code == 200, (query, response.status_code)
            return response

        return run

    from jinguo.people.models import sealed_term

    # the list seals a whole ID number into its blind index before it reaches the address bar
    sealed = browser.get("/people/", {"q": terms["id_number"]})
    assert (
        sealed.status_code == 302 and sealed["Location"] == f"/people/?q={quote(sealed_term(terms['id_number']) or '')}"
    )
    assert p.name in get(f"?q={quote(sealed_term(terms['id_number']) or '')}")().content.decode()
    steps += [
        (f"p1 GET /people/?unit=<community> ({terms['in_community']:,} persons)", get(f"?unit={c.pk}")),
        ("p2 GET /people/?q=<ID number, sealed>", get(f"?q={quote(sealed_term(terms['id_number']) or '')}")),
        ("p3 GET /people/ (city root)", get("")),
    ]
    return measure(steps, repeat=repeat), queries


def explain(label: str, fn: Callable[[], Any]) -> list[tuple[str, str, str]]:
    """(label, SQL, plan) of every query `fn` sends."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    out = []
    for q in ctx.captured_queries:
        sql = q["sql"]
        if not sql.lstrip().upper().startswith("SELECT") or "people_" not in sql:
            continue
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql)
            rows = cursor.fetchall()
        plan = (
            "\n".join(r[0] for r in rows) if connection.vendor == "postgresql" else "\n".join(str(r[-1]) for r in rows)
        )
        out.append((label, sql, plan))
    return out


def database_facts() -> dict[str, str]:
    from django.db import connection

    from jinguo.people.models import Person, PersonCategory

    facts = {"vendor": connection.vendor}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            facts["version"] = f"PostgreSQL {cursor.fetchone()[0]}"
            for setting in ("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost", "jit"):
                cursor.execute(f"SHOW {setting}")
                facts[setting] = cursor.fetchone()[0]
            cursor.execute(
                "SELECT pg_size_pretty(pg_table_size('people_person')), "
                "pg_size_pretty(pg_indexes_size('people_person')), "
                "pg_size_pretty(pg_total_relation_size('people_personcategory'))"
            )
            table, indexes, categories = cursor.fetchone()
            facts["sizes"] = f"people_person {table} + indexes {indexes}; people_personcategory {categories}"
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'people_person' ORDER BY indexname")
            facts["indexes"] = "\n".join(r[0] for r in cursor.fetchall())
        else:
            cursor.execute("SELECT sqlite_version()")
            facts["version"] = f"SQLite {cursor.fetchone()[0]}"
    facts["persons"] = str(Person.objects.count())
    facts["category rows"] = str(PersonCategory.objects.count())
    return facts


def run_reads(db: str, repeat: int, json_out: str | None) -> None:
    url = setup_django(db)
    from django.db import connection

    from bench.make_city import ensure_city
    from bench.make_people import DEFAULT_PERSONS, ensure_people

    print(f"\n=== {DB_LABELS[db]} ({url}) ===", flush=True)
    city = ensure_city()
    ensure_people(city, DEFAULT_PERSONS[db])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE people_person, people_personcategory, orgs_unit, accounts_membership")
            # the kept counts churn with every import and recount; autovacuum would get to them
            cursor.execute("VACUUM ANALYZE people_registrycount")
    facts = database_facts()
    for key, value in facts.items():
        if key != "indexes":
            print(f"{key}: {value}")
    terms = pick_terms(city)
    print(
        f"community: {terms['community'].name} ({terms['in_community']:,} persons), person #{terms['person'].pk}; "
        f"terms: {terms['initials']}, {terms['name_prefix']}, {terms['last4_name']}"
    )
    load_before = load_average()
    timings, queries = scenarios(city, terms, repeat)
    load_after = load_average()
    print(f"load average before/after: {load_before} / {load_after}")
    print(
        format_table(
            ["operation", "queries", "p50 ms", "p95 ms", "max ms"],
            [[t.label, str(t.queries), f"{t.p50:.2f}", f"{t.p95:.2f}", f"{t.max:.2f}"] for t in timings],
            align="lrrrr",
        )
    )
    slow = {t.label for t in timings if t.p95 > GOAL_MS}
    plans = []
    for label, fn in queries:
        if label in slow or label.startswith(("l1a", "l4a", "s1a", "s3a", "s4a", "s5a")):
            plans += explain(label, fn)
    if "indexes" in facts:
        print("\nindexes of people_person:\n" + facts["indexes"])
    for label, sql, plan in plans:
        print(f"\n-- {label}\n{sql}\n{plan}")
    if json_out:
        Path(json_out).write_text(
            json.dumps(
                {
                    "db": db,
                    "facts": facts,
                    "load": [load_before, load_after],
                    "timings": [t.as_dict() for t in timings],
                    "plans": plans,
                },
                ensure_ascii=False,
                indent=1,
            )
        )


# --- import ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Benchmarks of the people registry at city scale.")
    parser.add_argument("--db", choices=list(DATABASE_URLS), default="postgres")
    parser.add_argument("--repeat", type=int, default=50, help="timed runs per operation (default 50)")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-reads", action="store_true")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    print(header(), flush=True)
    if not args.skip_reads:
        run_reads(args.db, args.repeat, args.json)
    if not args.skip_import:
        from bench import people_import

        people_import.run(args.db, args.import_rows)
    print(f"peak memory of this process: {peak_rss_mb():.0f} MB; done at {time.strftime('%H:%M:%S')}")


if __name__ == "__main__":
    main()
