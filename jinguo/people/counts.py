"""The registry's counts per unit (`RegistryCount`): how many persons each unit holds, in all and per
open category. people.actions keeps them as persons and categories change: a plain change adds to
them in one upsert, a move, a merge or an import recounts the units it touched. Summed over a
subtree they give the person list its counts without counting millions of rows.

`recount_all()` (manage.py recount_people) rebuilds every count from the records; `drift()` says
where the kept counts and the records disagree (none, unless a write went around the actions).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Sum

from jinguo.accounts.permissions import Perm
from jinguo.core.tree import under

from .models import Person, PersonCategory, RegistryCount

ALL = ""  # the key of "every person of the unit"
CHUNK = 500


def _upsert(rows: list[tuple[int, str, str, int]], *, replace: bool = False) -> None:
    """Add each (unit id, unit path, key, delta) to its count, creating the row if needed; with
    `replace`, set the count to the value instead."""
    q = connection.ops.quote_name
    table, key, count, path = q(RegistryCount._meta.db_table), q("key"), q("count"), q("unit_path")
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
        params = [v for row in chunk for v in row]
        new_count = f"excluded.{count}" if replace else f"{table}.{count} + excluded.{count}"
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (unit_id, {path}, {key}, {count}) VALUES {values} "  # noqa: S608 - names are ours
                f"ON CONFLICT (unit_id, {key}) DO UPDATE SET {count} = {new_count}, {path} = excluded.{path}",
                params,
            )


def add(unit: Any, deltas: Mapping[str, int]) -> None:
    """Add `deltas` (key -> change) to the counts of `unit`, in one statement."""
    rows = [(unit.pk, unit.path, key, n) for key, n in deltas.items() if n]
    if rows:
        _upsert(rows)


def add_many(deltas: Mapping[tuple[Any, str], int]) -> None:
    """Add each delta to the count of (unit, key), in a few statements."""
    _upsert([(unit.pk, unit.path, key, n) for (unit, key), n in deltas.items() if n])


def person_added(person: Person, codes: Iterable[str] = ()) -> None:
    add(person.unit, Counter([ALL, *codes]))


@transaction.atomic
def recount(unit_ids: Iterable[int]) -> None:
    """Rebuild the counts of these units from the records. The count rows are locked first, so a
    concurrent change waits and then adds to the rebuilt value."""
    from jinguo.orgs.models import Unit

    ids = sorted(set(unit_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        held = list(
            RegistryCount.objects.select_for_update().filter(unit_id__in=chunk).values_list("pk", "unit_id", "key")
        )
        counts = _counted(chunk)
        paths = dict(Unit.objects.filter(pk__in=chunk).values_list("pk", "path"))
        # set in place (an upsert), not deleted and inserted again: fewer dead rows to vacuum
        _upsert([(unit_id, paths[unit_id], key, n) for (unit_id, key), n in sorted(counts.items())], replace=True)
        stale = [pk for pk, unit_id, key in held if (unit_id, key) not in counts]
        if stale:
            RegistryCount.objects.filter(pk__in=stale).delete()


def _counted(unit_ids: list[int] | None) -> Counter[tuple[int, str]]:
    """(unit id, key) -> number of persons, counted from the records (of these units, or all)."""
    persons = Person.objects.all()
    categories = PersonCategory.objects.filter(ended_on__isnull=True)
    if unit_ids is not None:
        persons, categories = persons.filter(unit_id__in=unit_ids), categories.filter(person__unit_id__in=unit_ids)
    out: Counter[tuple[int, str]] = Counter()
    for unit_id, n in persons.values_list("unit_id").annotate(n=Count("id")).order_by():
        out[(unit_id, ALL)] = n
    for unit_id, code, n in (
        categories.values_list("person__unit_id", "category__code").annotate(n=Count("id")).order_by()
    ):
        out[(unit_id, code)] = n
    return out


def recount_all() -> int:
    """Rebuild every count; returns the number of units that hold persons."""
    unit_ids = set(Person.objects.values_list("unit_id", flat=True).distinct().order_by())
    unit_ids |= set(RegistryCount.objects.values_list("unit_id", flat=True).distinct().order_by())
    recount(unit_ids)
    return len(unit_ids)


def drift() -> dict[tuple[int, str], tuple[int, int]]:
    """(unit id, key) -> (kept, counted) wherever they differ."""
    kept = {(r.unit_id, r.key): r.count for r in RegistryCount.objects.all() if r.count}
    counted = _counted(None)
    keys = set(kept) | set(counted)
    return {k: (kept.get(k, 0), counted.get(k, 0)) for k in keys if kept.get(k, 0) != counted.get(k, 0)}


def in_scope(user: Any, *, unit_path: str | None = None) -> dict[str, int]:
    """The counts over the user's record view (VIEW_RECORDS), or over the subtree at `unit_path`
    inside it: key -> number of persons."""
    qs = RegistryCount.objects.for_user(user, perm=Perm.VIEW_RECORDS)
    if unit_path is not None:
        qs = qs.filter(under("unit_path", unit_path))
    rows = qs.values("key").annotate(n=Sum("count")).order_by().values_list("key", "n")
    return {key: n for key, n in rows if n}
