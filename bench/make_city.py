"""A fictitious city for the benchmarks: 明湖市 (division code 339800000000).

    1 city, 10 districts/counties, 150 streets/towns between them, 2,500 communities/villages
    between those: 2,661 units. About 90% of the communities and villages have a federation.

The tree is written in one go: the materialised paths (treebeard MP_Node, steplen 4), depths and
child counts are computed here and the rows go in with bulk_create, then treebeard's own
find_problems() checks the result. The same seed gives the same city on every database.

Three users get a membership (role 干部): bench_city_cadre at the city, bench_district_cadre at the
first district (湖滨区), bench_street_cadre at that district's first street. Their passwords are
unusable: the benchmarks log them in with Client.force_login.

    python bench/make_city.py --db sqlite|postgres|both [--rebuild]

Without --rebuild an existing, complete city is kept (and its users made sure of); an incomplete
one is refused. --rebuild deletes the city and the bench users and builds them again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DATABASE_URLS, rerun_per_database, setup_django

if TYPE_CHECKING:
    from jinguo.accounts.models import User
    from jinguo.orgs.models import Unit

CITY_CODE = "339800000000"  # 33 = Zhejiang; city 98 is not a real one
CITY_NAME = "明湖市"
SEED = 20261122
N_STREETS = 150
N_COMMUNITIES = 2500
EXPECTED_UNITS = 1 + 10 + N_STREETS + N_COMMUNITIES
ESTABLISHED_SHARE = 0.90  # communities and villages with a federation

# (name, two-digit county code, urban). Codes 01-20 are city districts, 21-80 counties (GB/T 2260).
DISTRICTS: list[tuple[str, str, bool]] = [
    ("湖滨区", "01", True),
    ("云岭区", "02", True),
    ("望江区", "03", True),
    ("清源区", "04", True),
    ("新港区", "05", True),
    ("明湖高新区", "06", True),
    ("凤鸣县", "21", False),
    ("石门县", "22", False),
    ("桂溪县", "23", False),
    ("梅岭县", "24", False),
]

FIRST = "东西南北新和平安兴华福康乐泰德宁春秋桂梅兰竹松柏枫荷杨柳桃李金玉翠青红石泉溪湖江山岭塘湾港园庄"
SECOND = "阳光明山水林园湖桥塘港湾岭溪泉坊苑庭河田"

BENCH_USERS: dict[str, str] = {
    "bench_city_cadre": "市妇联干部(基准)",
    "bench_district_cadre": "区妇联干部(基准)",
    "bench_street_cadre": "街道妇联干部(基准)",
}


@dataclass
class City:
    root: Unit
    district: Unit  # the first district, 湖滨区
    street: Unit  # its first street
    users: dict[str, User]  # by username

    @property
    def city_cadre(self) -> User:
        return self.users["bench_city_cadre"]

    @property
    def district_cadre(self) -> User:
        return self.users["bench_district_cadre"]

    @property
    def street_cadre(self) -> User:
        return self.users["bench_street_cadre"]


# --- planning the rows ---------------------------------------------------------------------------


def step(position: int, alphabet: str, steplen: int) -> str:
    """One step of a materialised path: `position` (1-based) in base len(alphabet), zero-padded."""
    base = len(alphabet)
    digits = ""
    n = position
    while n:
        n, r = divmod(n, base)
        digits = alphabet[r] + digits
    if not digits or len(digits) > steplen:
        raise ValueError(f"position {position} does not fit in a step of {steplen}")
    return digits.rjust(steplen, alphabet[0])


def split(total: int, parts: int, rng: random.Random, low: float, high: float) -> list[int]:
    """`total` spread over `parts` with random weights in [low, high] (largest remainders, exact sum)."""
    weights = [rng.uniform(low, high) for _ in range(parts)]
    raw = [w * total / sum(weights) for w in weights]
    counts = [int(x) for x in raw]
    by_remainder = sorted(range(parts), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _name(rng: random.Random, suffix: str, taken: set[str]) -> str:
    while True:
        name = rng.choice(FIRST) + rng.choice(SECOND) + suffix
        if name not in taken:
            taken.add(name)
            return name


def _since(rng: random.Random) -> dt.date:
    return dt.date(2005, 3, 8) + dt.timedelta(days=rng.randrange(7000))


def plan_city(root_path: str) -> list[Unit]:
    """Every unit of the city, parents before children, with path, depth and numchild set."""
    from jinguo.orgs.models import Unit, UnitKind

    rng = random.Random(SEED)
    alphabet, steplen = Unit.alphabet, Unit.steplen
    units: list[Unit] = []
    root = Unit(
        path=root_path,
        depth=len(root_path) // steplen,
        numchild=len(DISTRICTS),
        name=CITY_NAME,
        kind=UnitKind.CITY,
        division_code=CITY_CODE,
        federation_established=True,
        federation_since=dt.date(1950, 3, 8),
        address="明湖市人民大道1号",
    )
    units.append(root)
    streets_per_district = split(N_STREETS, len(DISTRICTS), rng, 0.7, 1.3)
    communities_per_street = split(N_COMMUNITIES, N_STREETS, rng, 0.4, 1.6)
    street_names: set[str] = set()
    s = 0
    for d, ((d_name, d_code, urban), n_streets) in enumerate(zip(DISTRICTS, streets_per_district, strict=True), 1):
        district_code = f"{CITY_CODE[:4]}{d_code}000000"
        district = Unit(
            path=root.path + step(d, alphabet, steplen),
            depth=root.depth + 1,
            numchild=n_streets,
            name=d_name,
            kind=UnitKind.DISTRICT,
            division_code=district_code,
            federation_established=True,
            federation_since=dt.date(1980, 3, 8),
        )
        units.append(district)
        next_street, next_town = 1, 100  # township codes: 001-099 streets, 100-199 towns
        for j in range(1, n_streets + 1):
            n_communities = communities_per_street[s]
            s += 1
            is_street = rng.random() < (0.85 if urban else 0.2)
            if is_street:
                kind, child_kind, suffix, number = UnitKind.STREET, UnitKind.COMMUNITY, "街道", next_street
                next_street += 1
            else:
                kind, child_kind, suffix, number = UnitKind.TOWN, UnitKind.VILLAGE, "镇", next_town
                next_town += 1
            established = rng.random() < 0.97
            street_code = f"{district_code[:6]}{number:03d}000"
            street = Unit(
                path=district.path + step(j, alphabet, steplen),
                depth=district.depth + 1,
                numchild=n_communities,
                name=_name(rng, suffix, street_names),
                kind=kind,
                division_code=street_code,
                federation_established=established,
                federation_since=_since(rng) if established else None,
            )
            units.append(street)
            # village-level codes: 001-199 residents' committees, 200-399 village committees
            first_code = 1 if child_kind == UnitKind.COMMUNITY else 201
            child_suffix = "社区" if child_kind == UnitKind.COMMUNITY else "村"
            names: set[str] = set()
            for k in range(1, n_communities + 1):
                established = rng.random() < ESTABLISHED_SHARE
                units.append(
                    Unit(
                        path=street.path + step(k, alphabet, steplen),
                        depth=street.depth + 1,
                        numchild=0,
                        name=_name(rng, child_suffix, names),
                        kind=child_kind,
                        division_code=f"{street_code[:9]}{first_code + k - 1:03d}",
                        federation_established=established,
                        federation_since=_since(rng) if established else None,
                    )
                )
    return units


# --- writing and checking -------------------------------------------------------------------------


def _next_root_path() -> str:
    from jinguo.orgs.models import Unit

    last = Unit.objects.filter(depth=1).order_by("-path").values_list("path", flat=True).first()
    position = Unit._str2int(last) + 1 if last else 1
    return step(position, Unit.alphabet, Unit.steplen)


def _delete_city(root: Unit) -> None:
    from auditlog.context import disable_auditlog
    from django.db import transaction

    from jinguo.accounts.models import User
    from jinguo.core.models import scoped_models
    from jinguo.orgs.models import Unit

    with transaction.atomic(), disable_auditlog():
        User.objects.filter(username__in=BENCH_USERS).delete()
        for model in scoped_models():
            held = model._default_manager.filter(unit_path__startswith=root.path).count()
            if held:
                raise SystemExit(
                    f"refusing to rebuild: {held} {model._meta.label} rows belong to units of {CITY_NAME}; "
                    "drop the benchmark database instead"
                )
        Unit.objects.filter(path__startswith=root.path).delete()


def _ensure_users(root: Unit, district: Unit, street: Unit) -> dict[str, User]:
    from jinguo.accounts.models import Membership, User
    from jinguo.accounts.permissions import Role

    places = {"bench_city_cadre": root, "bench_district_cadre": district, "bench_street_cadre": street}
    users: dict[str, User] = {}
    for username, full_name in BENCH_USERS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username=username, password=None, full_name=full_name)
        Membership.objects.get_or_create(user=user, unit=places[username], defaults={"role": Role.CADRE})
        users[username] = user
    return users


def verify(root: Unit) -> None:
    """treebeard's own check of the whole city, plus a few counts done the slow way."""
    from jinguo.orgs.models import Unit, UnitKind

    problems = Unit.objects.find_problems(parent=root)
    names = ("bad characters", "bad step length", "orphans", "wrong depth", "wrong numchild")
    found = {name: ids for name, ids in zip(names, problems, strict=True) if ids}
    if found:
        raise SystemExit(f"the generated tree has problems: {found}")
    subtree = Unit.objects.filter(path__startswith=root.path)
    assert subtree.count() == EXPECTED_UNITS, subtree.count()
    assert Unit.objects.get_children(root).count() == root.numchild == len(DISTRICTS)
    assert Unit.objects.get_descendant_count(root) == EXPECTED_UNITS - 1
    for district in Unit.objects.get_children(root):
        assert Unit.objects.get_children(district).count() == district.numchild
        assert Unit.objects.get_descendant_count(district) == subtree.filter(path__startswith=district.path).count() - 1
    assert subtree.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN]).count() == N_STREETS
    assert subtree.filter(kind__in=[UnitKind.COMMUNITY, UnitKind.VILLAGE]).count() == N_COMMUNITIES


def load_city() -> City | None:
    """The city if it is there and complete; None if it is not there; refuses a partial one."""
    from jinguo.orgs.models import Unit

    root = Unit.objects.filter(division_code=CITY_CODE).first()
    if root is None:
        return None
    count = Unit.objects.filter(path__startswith=root.path).count()
    if count != EXPECTED_UNITS:
        raise SystemExit(f"{CITY_NAME} has {count} units instead of {EXPECTED_UNITS}: run make_city.py --rebuild")
    district = Unit.objects.get_children(root).first()
    assert district is not None
    street = Unit.objects.get_children(district).first()
    assert street is not None
    return City(root=root, district=district, street=street, users=_ensure_users(root, district, street))


def ensure_city(*, rebuild: bool = False, quiet: bool = False) -> City:
    """Build the city unless a complete one is there (or rebuild it); return it."""
    from django.db import connection, transaction

    from jinguo.orgs.models import Unit

    def say(text: str) -> None:
        if not quiet:
            print(text, flush=True)

    existing = Unit.objects.filter(division_code=CITY_CODE).first()
    if existing is not None and rebuild:
        started = time.perf_counter()
        _delete_city(existing)
        say(f"deleted {CITY_NAME} in {time.perf_counter() - started:.2f} s")
    elif existing is not None:
        city = load_city()
        assert city is not None
        say(f"{CITY_NAME} is already in the {connection.vendor} database ({EXPECTED_UNITS} units): kept")
        return city

    started = time.perf_counter()
    units = plan_city(_next_root_path())
    with transaction.atomic():
        Unit.objects.bulk_create(units, batch_size=500)
    built = time.perf_counter() - started
    root = Unit.objects.get(division_code=CITY_CODE)
    started = time.perf_counter()
    verify(root)
    checked = time.perf_counter() - started
    say(
        f"built {CITY_NAME} in the {connection.vendor} database: {len(units)} units in {built:.2f} s "
        f"(treebeard find_problems and counts: clean, {checked:.2f} s)"
    )
    city = load_city()
    assert city is not None
    return city


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--db", choices=[*DATABASE_URLS, "both"], default="sqlite")
    parser.add_argument("--rebuild", action="store_true", help="delete the city and its bench users first")
    args = parser.parse_args(argv)
    if args.db == "both":
        rerun_per_database(__file__, list(DATABASE_URLS), ["--rebuild"] if args.rebuild else [])
        return
    setup_django(args.db)
    city = ensure_city(rebuild=args.rebuild)
    print("users:", ", ".join(f"{u.username} @ {unit.name}" for u, unit in _placed(city)))


def _placed(city: City) -> list[tuple[User, Unit]]:
    return [(city.city_cadre, city.root), (city.district_cadre, city.district), (city.street_cadre, city.street)]


if __name__ == "__main__":
    main()
