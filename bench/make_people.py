"""Fictitious persons of 明湖市 for the people benchmarks: 2,000,000 by default on PostgreSQL.

Every person lives in one of the city's 2,500 communities and villages (a random share of 0.4-1.6
times the mean each; see make_city.py). Ages: 30% children, 20% aged 18-34, 30% aged 35-59, 20% aged
60-99; 70% of the adults are women (a Women's Federation's registry). Names from the demo's surname
and given-name lists (people/demo.py), pinyin and blind indexes computed with the same functions as
`Person.save()` (`Person.fill_derived`'s functions), ID number, phone, address and guardian phone
encrypted by the field itself (`EncryptedTextField.get_prep_value`). Children have a guardian (an
adult of the same unit), a school and a grade; about a quarter of the persons are in a category
(留守儿童 and 流动儿童 by village or community, 困难妇女, 低保, 下岗失业, 空巢老人 …), 5% of those
rows closed with a reason (history).

ID numbers come from `people.fake.make_id_number` only. That scheme has 20 numbers per birth date and
gender (10 county codes x 2 reserved sequence numbers); this generator uses 16 of them and leaves the
last 4 to the import ledger of people_bench.py. A day that is full gives the next person born on it
no ID number (as ledger rows awaiting one): with this age pyramid a little over half of the persons
get one. All numbers end in 996x-999x, so the last 4 characters take only 44 values.

Rows are written in units: the units in random order, each unit's persons together, as if each
community had imported its ledger at some moment. On PostgreSQL the rows go in with COPY after the
table's secondary indexes and foreign keys are dropped; they are recreated afterwards, all in one
transaction (all or nothing). On SQLite (a smaller size) with executemany.

    python bench/make_people.py --db postgres|sqlite [--persons N] [--rebuild]

Without --rebuild a complete set is kept; an incomplete one is refused. --rebuild deletes every
person of the city (and their categories) first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DATABASE_URLS, peak_rss_mb, setup_django

if TYPE_CHECKING:
    from bench.make_city import City

SEED = 20261122
DEFAULT_PERSONS = {"postgres": 2_000_000, "sqlite": 200_000}
ID_SEQS = 16  # of make_id_number's 20 per day and gender; 16-19 are the import ledger's
TODAY = dt.date(2026, 11, 22)
CREATED = "2026-11-01 09:00:00+08"
PHONE_PREFIXES = ("138", "139", "137", "136", "135", "150", "151", "158", "186", "188")
AGE_BANDS = ((0, 17, 0.30), (18, 34, 0.20), (35, 59, 0.30), (60, 99, 0.20))
AGE_CUM = (0.30, 0.50, 0.80, 1.00)

PERSON_COLUMNS = (
    "id", "unit_id", "unit_path", "name", "name_initials", "name_pinyin", "gender", "birth_date",
    "id_number", "id_hash", "id_last4", "phone", "phone_hash", "address", "ethnicity", "education",
    "employment", "notes", "guardian_id", "guardian_name", "guardian_relation", "guardian_phone", "school",
    "grade", "dropped_out", "residence_years", "created_at", "created_by_id", "updated_at",
)  # fmt: skip
CATEGORY_COLUMNS = ("id", "person_id", "category_id", "set_on", "set_by_id", "ended_on", "ended_by_id", "end_reason")


# --- planning -------------------------------------------------------------------------------------


@dataclass
class Leaf:
    """A community or village, with what a person's address and school need."""

    pk: int
    path: str
    name: str
    street: str
    district: str
    urban: bool


@dataclass
class Stats:
    persons: int = 0
    with_id: int = 0
    children: int = 0
    categories: int = 0
    by_code: dict[str, int] = field(default_factory=dict)
    python_s: float = 0.0  # generating rows: names, pinyin, hashes, encryption, text


def leaves(city: City) -> list[Leaf]:
    from jinguo.orgs.models import Unit, UnitKind

    names = dict(Unit.objects.filter(path__startswith=city.root.path).values_list("path", "name"))
    steplen = Unit.steplen
    out = []
    for pk, path, name, kind in (
        Unit.objects.filter(path__startswith=city.root.path, kind__in=[UnitKind.COMMUNITY, UnitKind.VILLAGE])
        .order_by("path")
        .values_list("pk", "path", "name", "kind")
    ):
        street = names[path[: len(path) - steplen]]
        district = names[path[: len(path) - 2 * steplen]]
        out.append(Leaf(pk, path, name, street, district, kind == UnitKind.COMMUNITY))
    return out


class IdSlots:
    """make_id_number's numbers, ID_SEQS per birth date and gender, first come first served."""

    def __init__(self, first_seq: int = 0, seqs: int = ID_SEQS) -> None:
        self.first_seq, self.seqs = first_seq, seqs
        self.used = bytearray(2 * 60000)
        self.epoch = dt.date(1920, 1, 1)

    def take(self, born: dt.date, female: bool) -> str | None:
        from jinguo.people.fake import make_id_number

        slot = 2 * (born - self.epoch).days + int(female)
        if self.used[slot] >= self.seqs:
            return None
        seq = self.first_seq + self.used[slot]
        self.used[slot] += 1
        return make_id_number(born, seq, female=female)


class Generator:
    """Rows of people_person and people_personcategory as tuples of text, unit by unit."""

    def __init__(self, *, first_person_id: int, first_category_id: int, creator_id: int, seed: int = SEED) -> None:
        from jinguo.core.crypto import blind_index
        from jinguo.people import demo, pinyin
        from jinguo.people.models import ID_PURPOSE, PHONE_PURPOSE, Category, Person

        self.rng = random.Random(seed)
        self.ids = IdSlots()
        self.next_person = first_person_id
        self.next_category = first_category_id
        self.creator = str(creator_id)
        self.encrypt: Callable[[Any], Any] = Person._meta.get_field("id_number").get_prep_value
        self.blind_index = blind_index
        self.id_purpose, self.phone_purpose = ID_PURPOSE, PHONE_PURPOSE
        self.pinyin = pinyin.readings
        self.surnames = list(demo.SURNAMES)
        total = 0
        self.surname_cum: list[int] = []
        for w in demo.SURNAMES.values():
            total += w
            self.surname_cum.append(total)
        self.female_names, self.male_names = demo.FEMALE_NAMES, demo.MALE_NAMES
        self.grades = demo.GRADES
        self.roads = demo.ROADS
        self.categories = {c.code: c.pk for c in Category.objects.filter(unit__isnull=True)}
        self.stats = Stats(by_code=dict.fromkeys(self.categories, 0))

    # --- one person

    def _born(self) -> tuple[dt.date, int]:
        low, high, _ = self.rng.choices(AGE_BANDS, cum_weights=AGE_CUM)[0]
        age = self.rng.randint(low, high)
        born = TODAY - dt.timedelta(days=365 * age + self.rng.randrange(365))
        return born, age

    def _name(self, born: dt.date, female: bool) -> str:
        surname = self.rng.choices(self.surnames, cum_weights=self.surname_cum)[0]
        names = self.female_names if female else self.male_names
        generation = 0 if born.year < 1960 else 1 if born.year < 1985 else 2 if born.year < 2005 else 3
        return surname + self.rng.choice(names[generation])

    def _phone(self) -> str:
        return f"{self.rng.choice(PHONE_PREFIXES)}0000{self.rng.randrange(10000):04d}"

    def _category(self, person_id: int, code: str, rows: list[tuple[str, ...]]) -> None:
        set_on = dt.date(2019, 1, 1) + dt.timedelta(days=self.rng.randrange(2860))
        if self.rng.random() < 0.05:
            ended = set_on + dt.timedelta(days=self.rng.randrange(1, 700))
            row = (str(person_id), str(self.categories[code]), set_on.isoformat(), self.creator, ended.isoformat())
            rows.append((str(self.next_category), *row, self.creator, "情况好转,退出"))
        else:
            row = (str(person_id), str(self.categories[code]), set_on.isoformat(), self.creator, "\\N")
            rows.append((str(self.next_category), *row, "\\N", ""))
            self.stats.by_code[code] += 1
        self.next_category += 1

    def unit_rows(self, leaf: Leaf, n: int) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
        """The persons of one community or village, adults first, and their category rows."""
        rng, enc, bidx = self.rng, self.encrypt, self.blind_index
        started = time.perf_counter()
        plans = []
        for _ in range(n):
            born, age = self._born()
            female = rng.random() < (0.48 if age < 18 else 0.70 if age < 60 else 0.58)
            plans.append((age, born, female))
        plans.sort(key=lambda p: p[0] < 18)  # adults first: the children's guardians are among them
        persons: list[tuple[str, ...]] = []
        categories: list[tuple[str, ...]] = []
        mothers: list[tuple[int, str]] = []  # (id, phone) of women aged 22-50
        elders: list[tuple[int, str]] = []  # (id, phone) of persons aged 50-80
        adults: list[tuple[int, str]] = []
        where = f"明湖市{leaf.district}{leaf.street}{leaf.name}"
        for age, born, female in plans:
            pk = self.next_person
            self.next_person += 1
            name = self._name(born, female)
            initials, full = self.pinyin(name)
            id_number = self.ids.take(born, female)
            child = age < 18
            phone = "" if child or rng.random() < 0.1 else self._phone()
            if leaf.urban:
                building = f"{rng.randint(1, 30)}幢{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
                address = f"{where}{rng.choice(self.roads)}{rng.randint(1, 300)}号{building}"
            else:
                address = f"{where}{rng.randint(1, 12)}组{rng.randint(1, 120)}号"
            guardian = relation = guardian_phone = school = grade = ""
            guardian_id, dropped, years = "\\N", "f", "\\N"
            education = employment = ""
            codes: list[str] = []
            if child:
                left_behind = rng.random() < (0.03 if leaf.urban else 0.20)
                migrant = not left_behind and rng.random() < (0.15 if leaf.urban else 0.03)
                pool = elders if left_behind and elders else mothers or adults
                if pool:
                    gid, gphone = rng.choice(pool)
                    guardian_id = str(gid)
                    relation = "grandparent" if pool is elders else "mother" if pool is mothers else "relative"
                    guardian_phone = enc(gphone) if gphone else ""
                else:  # a unit whose persons are all children: the guardian is not registered
                    guardian = self._name(born - dt.timedelta(days=365 * 60), True)
                    relation = "grandparent"
                if age >= 3:
                    school_age = min(age, 17)
                    grade = self.grades[school_age]
                    school = (
                        f"{leaf.name[:2]}幼儿园"
                        if age < 6
                        else f"{leaf.street[:2]}小学"
                        if age < 12
                        else f"{leaf.district[:2]}第一中学"
                        if age < 15
                        else f"{leaf.district[:2]}高级中学"
                    )
                    employment = "preschool" if age < 6 else "student"
                    if age >= 13 and rng.random() < 0.01:
                        dropped, employment = "t", "other"
                else:
                    employment = "preschool"
                if left_behind:
                    codes.append("left_behind_child")
                if migrant:
                    codes.append("migrant_child")
                    years = str(rng.randint(1, max(1, min(age, 12))))
                if rng.random() < 0.03:
                    codes.append("single_parent_child")
                if rng.random() < 0.04:
                    codes.append("hardship_child")
                self.stats.children += 1
            else:
                education = rng.choice(("primary", "junior", "junior", "senior", "college", "bachelor"))
                employment = (
                    "retired" if age >= 60 else rng.choice(("employed", "employed", "self", "farming", "unemployed"))
                )
                adults.append((pk, phone))
                if female and 22 <= age <= 50:
                    mothers.append((pk, phone))
                if 50 <= age <= 80:
                    elders.append((pk, phone))
                r = rng.random()
                if age >= 60:
                    if r < 0.15:
                        codes.append("empty_nest_elder")
                    if rng.random() < 0.04:
                        codes.append("dibao")
                    if rng.random() < 0.04:
                        codes.append("disabled")
                else:
                    if female and r < 0.04:
                        codes.append("hardship_woman")
                    if 35 <= age <= 55 and rng.random() < (0.06 if female else 0.02):
                        codes.append("laid_off")
                        employment = "unemployed"
                    if rng.random() < 0.02:
                        codes.append("dibao")
                    if female and rng.random() < 0.03:
                        codes.append("single_parent_family")
                    if leaf.urban and rng.random() < 0.08:
                        codes.append("new_resident")
                        years = str(rng.randint(1, 12))
            id_hash = bidx(id_number, purpose=self.id_purpose) if id_number else None
            phone_hash = bidx(phone, purpose=self.phone_purpose) if phone else None
            persons.append(
                (
                    str(pk),
                    str(leaf.pk),
                    leaf.path,
                    name,
                    initials,
                    full,
                    "F" if female else "M",
                    born.isoformat(),
                    enc(id_number) if id_number else "\\N",
                    id_hash or "\\N",
                    (id_number or "")[-4:].upper(),
                    enc(phone) if phone else "",
                    phone_hash or "\\N",
                    enc(address),
                    "汉族",
                    education,
                    employment,
                    "",
                    guardian_id,
                    guardian,
                    relation,
                    guardian_phone,
                    school,
                    grade,
                    dropped,
                    years,
                    CREATED,
                    self.creator,
                    CREATED,
                )
            )
            for code in codes:
                self._category(pk, code, categories)
            self.stats.persons += 1
            self.stats.with_id += id_number is not None
        self.stats.categories += len(categories)
        self.stats.python_s += time.perf_counter() - started
        return persons, categories


def plan_units(units: list[Leaf], total: int, seed: int = SEED) -> list[tuple[Leaf, int]]:
    """Each unit with its number of persons, the units in random order."""
    from bench.make_city import split

    rng = random.Random(seed + 1)
    counts = split(total, len(units), rng, 0.4, 1.6)
    order = list(zip(units, counts, strict=True))
    rng.shuffle(order)
    return order


# --- writing --------------------------------------------------------------------------------------


def _text(rows: list[tuple[str, ...]]) -> bytes:
    # The generated values hold no tab, newline or backslash (names, dates, hex, Fernet tokens).
    return ("\n".join("\t".join(r) for r in rows) + "\n").encode() if rows else b""


def _secondary(cursor: Any, table: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(name, definition) of the table's foreign-key and unique constraints, and of its other
    indexes (the primary key stays)."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY conname",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY i.relname",
        [table],
    )
    return constraints, cursor.fetchall()


def write_postgres(gen: Generator, plan: list[tuple[Leaf, int]], say: Callable[[str], None]) -> dict[str, float]:
    from django.db import connection, transaction

    times: dict[str, float] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        saved: dict[str, tuple[list[tuple[str, str]], list[tuple[str, str]]]] = {}
        for table in ("people_personcategory", "people_person"):
            constraints, indexes = _secondary(cursor, table)
            saved[table] = (constraints, indexes)
        # Foreign keys pointing at people_person from other tables stay: they are not checked on INSERT.
        for table, (constraints, indexes) in saved.items():
            for name, _ in constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        times["drop indexes"] = time.perf_counter() - started
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        started = time.perf_counter()
        done = 0
        category_buffer = io.BytesIO()
        with raw.copy(f"COPY people_person ({', '.join(PERSON_COLUMNS)}) FROM STDIN") as persons_copy:
            for i, (leaf, n) in enumerate(plan, 1):
                persons, categories = gen.unit_rows(leaf, n)
                persons_copy.write(_text(persons))
                category_buffer.write(_text(categories))
                done += n
                if i % 250 == 0:
                    rate = done / (time.perf_counter() - started)
                    say(f"  {done:,} persons ({i}/{len(plan)} units), {rate:,.0f} rows/s, peak {peak_rss_mb():.0f} MB")
        with raw.copy(f"COPY people_personcategory ({', '.join(CATEGORY_COLUMNS)}) FROM STDIN") as cat_copy:
            cat_copy.write(category_buffer.getvalue())
        times["generate + COPY"] = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _constraints, indexes in saved.values():
            for _, definition in indexes:
                cursor.execute(definition)
        times["create indexes"] = time.perf_counter() - started
        started = time.perf_counter()
        for table, (constraints, _) in saved.items():
            for name, definition in constraints:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        times["add constraints (unique, foreign keys)"] = time.perf_counter() - started
        for table in ("people_person", "people_personcategory"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE people_person")
        cursor.execute("VACUUM ANALYZE people_personcategory")
    times["VACUUM ANALYZE"] = time.perf_counter() - started
    return times


def write_sqlite(gen: Generator, plan: list[tuple[Leaf, int]], say: Callable[[str], None]) -> dict[str, float]:
    from django.db import connection, transaction

    def values(rows: list[tuple[str, ...]]) -> Iterator[tuple[Any, ...]]:
        for row in rows:
            yield tuple(None if v == "\\N" else v for v in row)

    def sqlite_person(rows: list[tuple[str, ...]]) -> Iterator[tuple[Any, ...]]:
        flag = PERSON_COLUMNS.index("dropped_out")
        for row in values(rows):
            yield (*row[:flag], row[flag] == "t", *row[flag + 1 :])

    started = time.perf_counter()
    person_sql = (
        f"INSERT INTO people_person ({', '.join(PERSON_COLUMNS)}) VALUES ({', '.join(['%s'] * len(PERSON_COLUMNS))})"
    )
    category_sql = (
        f"INSERT INTO people_personcategory ({', '.join(CATEGORY_COLUMNS)}) "
        f"VALUES ({', '.join(['%s'] * len(CATEGORY_COLUMNS))})"
    )
    done = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("PRAGMA defer_foreign_keys = ON")
        for i, (leaf, n) in enumerate(plan, 1):
            persons, categories = gen.unit_rows(leaf, n)
            cursor.executemany(person_sql, list(sqlite_person(persons)))
            cursor.executemany(category_sql, list(values(categories)))
            done += n
            if i % 250 == 0:
                say(f"  {done:,} persons ({i}/{len(plan)} units), {done / (time.perf_counter() - started):,.0f} rows/s")
    times = {"generate + INSERT": time.perf_counter() - started}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    times["ANALYZE"] = time.perf_counter() - started
    return times


# --- the whole -------------------------------------------------------------------------------------


def city_persons(city: City) -> int:
    from jinguo.core.tree import under
    from jinguo.people.models import Person

    return Person.objects.filter(under("unit_path", city.root.path)).count()


def delete_persons(city: City) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        like = city.root.path + "%"
        persons = "SELECT id FROM people_person WHERE unit_path LIKE %s"
        for sql in (
            f"DELETE FROM people_personcategory WHERE person_id IN ({persons})",
            f"DELETE FROM people_householdmember WHERE person_id IN ({persons})",
            "DELETE FROM people_household WHERE unit_path LIKE %s",
            "UPDATE people_person SET guardian_id = NULL WHERE unit_path LIKE %s",
            "DELETE FROM people_person WHERE unit_path LIKE %s",
            "DELETE FROM people_registrycount WHERE unit_path LIKE %s",
        ):
            cursor.execute(sql, [like])


def ensure_people(city: City, total: int, *, rebuild: bool = False, say: Callable[[str], None] = print) -> None:
    """Generate `total` persons in the city unless they are there (or rebuild them)."""
    from django.db import connection
    from django.db.models import Max

    from jinguo.people import counts
    from jinguo.people.models import Person, PersonCategory

    have = city_persons(city)
    if have and not rebuild:
        if have < total:
            raise SystemExit(f"明湖市 has {have:,} persons, fewer than {total:,}: run make_people.py --rebuild")
        say(f"明湖市 has {have:,} persons in the {connection.vendor} database: kept")
        return
    if have:
        started = time.perf_counter()
        delete_persons(city)
        say(f"deleted {have:,} persons in {time.perf_counter() - started:.1f} s")
    check_columns()
    gen = Generator(
        first_person_id=(Person.objects.aggregate(m=Max("id"))["m"] or 0) + 1,
        first_category_id=(PersonCategory.objects.aggregate(m=Max("id"))["m"] or 0) + 1,
        creator_id=city.city_cadre.pk,
    )
    plan = plan_units(leaves(city), total)
    say(f"generating {total:,} persons in {len(plan)} communities and villages of 明湖市 ({connection.vendor})")
    started = time.perf_counter()
    write = write_postgres if connection.vendor == "postgresql" else write_sqlite
    times = write(gen, plan, say)
    wall = time.perf_counter() - started
    s = gen.stats
    say(
        f"{s.persons:,} persons ({s.with_id:,} with an ID number, {s.children:,} children), "
        f"{s.categories:,} category rows, in {wall:.0f} s: {s.persons / wall:,.0f} persons/s overall"
    )
    say(
        f"  Python (names, pinyin, blind indexes, encryption, text): {s.python_s:.0f} s, "
        f"{s.persons / s.python_s:,.0f} rows/s; peak memory {peak_rss_mb():.0f} MB"
    )
    started = time.perf_counter()
    counts.recount_all()
    times["recount (people.counts)"] = time.perf_counter() - started
    for what, seconds in times.items():
        say(f"  {what}: {seconds:.1f} s")
    say("  open categories: " + ", ".join(f"{code} {n:,}" for code, n in s.by_code.items()))


def check_columns() -> None:
    from jinguo.people.models import Person, PersonCategory

    for model, columns in ((Person, PERSON_COLUMNS), (PersonCategory, CATEGORY_COLUMNS)):
        actual = {str(f.column) for f in model._meta.concrete_fields}
        if actual != set(columns):
            raise SystemExit(
                f"{model._meta.db_table} has columns {sorted(actual ^ set(columns))} that make_people.py "
                "does not know (or misses): update PERSON_COLUMNS / CATEGORY_COLUMNS and the generator"
            )


def encryption_costs(n: int = 20000) -> dict[str, float]:
    """Microseconds per call of what each row pays: Fernet encryption, the HMAC blind index, pinyin
    of a name not seen before."""
    from jinguo.core.crypto import blind_index, encrypt
    from jinguo.people import pinyin

    def per_call(fn: Callable[[int], Any]) -> float:
        started = time.perf_counter()
        for i in range(n):
            fn(i)
        return (time.perf_counter() - started) / n * 1e6

    return {
        "fernet encrypt (18 chars)": per_call(lambda i: encrypt(f"33012219900101{i:04d}")),
        "HMAC-SHA256 blind index": per_call(lambda i: blind_index(f"33012219900101{i:04d}", purpose="p")),
        "pinyin initials + syllables": per_call(lambda i: (pinyin.initials("张晓燕"), pinyin.full("张晓燕"))),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--db", choices=list(DATABASE_URLS), default="postgres")
    parser.add_argument("--persons", type=int, help="default: 2,000,000 on PostgreSQL, 200,000 on SQLite")
    parser.add_argument("--rebuild", action="store_true", help="delete the city's persons first")
    args = parser.parse_args(argv)
    setup_django(args.db)
    from bench.make_city import ensure_city

    city = ensure_city()
    for what, us in encryption_costs().items():
        print(f"{what}: {us:.1f} µs per call")
    ensure_people(city, args.persons or DEFAULT_PERSONS[args.db], rebuild=args.rebuild)


if __name__ == "__main__":
    main()
