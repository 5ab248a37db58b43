"""seed_demo's people of 示范区: the figures of DOMAIN.md §7, valid fictitious ID numbers, guardians,
households, the columns save() would derive, and a second run that changes nothing.

The district is seeded once for the module, inside a transaction that is rolled back at the end (a
seed takes a few seconds); each test runs in its own savepoint within it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from jinguo.accounts.models import User
from jinguo.accounts.permissions import Perm
from jinguo.orgs.demo import DISTRICT_CODE
from jinguo.orgs.models import Unit, UnitKind
from jinguo.people import demo
from jinguo.people.models import Category, Household, HouseholdMember, Person, PersonCategory
from jinguo.people.validators import birth_date_of, clean_id_number, gender_of


@pytest.fixture(scope="module")
def seeded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            out = io.StringIO()
            call_command("seed_demo", stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def district(seeded: str, db: Any) -> Unit:
    return Unit.objects.get(division_code=DISTRICT_CODE)


def in_district(district: Unit, code: str) -> int:
    return Person.objects.filter(unit_path__startswith=district.path).in_category(code).count()


def counts() -> dict[str, int]:
    return {
        model.__name__: model._default_manager.count()
        for model in (Unit, User, Person, Household, HouseholdMember, PersonCategory, Category)
    }


def test_seed_demo_registers_941_migrant_and_494_left_behind_children_in_the_demo_district(
    district: Unit, seeded: str
) -> None:
    assert in_district(district, "migrant_child") == 941
    assert in_district(district, "left_behind_child") == 494
    assert "流动儿童 941" in seeded
    assert "留守儿童 494" in seeded


def test_the_other_registers_have_people_too(district: Unit) -> None:
    assert in_district(district, "single_parent_child") == demo.SINGLE_PARENT_CHILDREN
    assert in_district(district, "laid_off") == demo.LAID_OFF_WOMEN
    for code in ("hardship_child", "hardship_woman", "dibao", "empty_nest_elder", "new_resident"):
        assert in_district(district, code) > 20, code


def test_a_left_category_keeps_its_history_and_does_not_count(district: Unit) -> None:
    ended = PersonCategory.objects.filter(category__code="left_behind_child", ended_on__isnull=False)
    assert ended.count() == demo.FORMER_LEFT_BEHIND
    for row in ended.select_related("person"):
        assert row.end_reason == "随父母到城区居住"
        assert row.ended_on is not None and row.set_on < row.ended_on
        assert PersonCategory.objects.filter(person=row.person, category__code="migrant_child", ended_on=None).exists()


def test_every_demo_id_number_is_valid_fictitious_and_agrees_with_birth_date_and_gender(district: Unit) -> None:
    persons = list(Person.objects.filter(unit_path__startswith=district.path))
    assert len(persons) > 4000
    numbers = [p.id_number for p in persons]
    assert all(numbers)
    assert len(set(numbers)) == len(numbers)
    for p in persons:
        assert p.id_number is not None
        assert clean_id_number(p.id_number) == p.id_number
        assert p.id_number[14:17] in ("996", "997", "998", "999")  # reserved for people aged 100+
        assert birth_date_of(p.id_number) == p.birth_date
        assert gender_of(p.id_number) == p.gender


def test_every_demo_child_has_a_guardian_of_her_household_with_relation_and_phone(district: Unit) -> None:
    children = [p for p in Person.objects.filter(unit_path__startswith=district.path) if p.is_child]
    assert len(children) >= 941 + 494
    household_of = dict(HouseholdMember.objects.values_list("person_id", "household_id"))
    guardians = {p.pk: p for p in Person.objects.filter(pk__in={c.guardian_id for c in children})}
    for child in children:
        assert child.guardian_id is not None
        guardian = guardians[child.guardian_id]
        assert child.guardian_relation in ("mother", "father", "grandparent")
        assert child.guardian_phone == guardian.phone != ""
        assert not guardian.is_child
        assert household_of[child.pk] == household_of[guardian.pk]
        assert child.unit_id == guardian.unit_id


def test_migrant_children_carry_years_of_residence_school_and_some_dropped_out(district: Unit) -> None:
    migrant = Person.objects.filter(unit_path__startswith=district.path).in_category("migrant_child")
    assert not migrant.filter(residence_years__isnull=True).exists()
    assert migrant.filter(dropped_out=True).count() > 5
    school_aged = [p for p in migrant if p.age(demo.SCHOOL_YEAR) >= 6]
    assert all(p.school and p.grade for p in school_aged)


def test_households_have_one_head_who_is_a_member_and_live_in_one_unit(district: Unit) -> None:
    households = {
        pk: (head_id, unit_id, unit_path, path)
        for pk, head_id, unit_id, unit_path, path in Household.objects.filter(
            unit_path__startswith=district.path
        ).values_list("pk", "head_id", "unit_id", "unit_path", "unit__path")
    }
    assert len(households) > 1000
    heads: dict[int, list[int]] = {pk: [] for pk in households}
    units: dict[int, set[int]] = {pk: set() for pk in households}
    rows = HouseholdMember.objects.values_list("household_id", "person_id", "relation", "person__unit_id")
    for household_id, person_id, relation, unit_id in rows:
        units[household_id].add(unit_id)
        if relation == "head":
            heads[household_id].append(person_id)
    for pk, (head_id, unit_id, unit_path, path) in households.items():
        assert heads[pk] == [head_id]
        assert units[pk] == {unit_id}
        assert unit_path == path


def test_people_are_spread_over_communities_and_villages(district: Unit) -> None:
    leaves = Unit.objects.filter(path__startswith=district.path, kind__in=[UnitKind.COMMUNITY, UnitKind.VILLAGE])
    used = set(Person.objects.filter(unit_path__startswith=district.path).values_list("unit_id", flat=True))
    assert used <= set(leaves.values_list("pk", flat=True))
    assert len(used) == leaves.count() == 59


def test_bulk_created_rows_hold_what_save_would_derive_and_encrypt(district: Unit) -> None:
    fields = ("name", "name_initials", "name_pinyin", "id_hash", "id_last4", "phone_hash", "unit_path")
    sample = list(Person.objects.filter(unit_path__startswith=district.path).order_by("pk")[::97])
    before = {p.pk: tuple(getattr(p, f) for f in fields) for p in sample}
    for person in sample:
        person.save()
        person.refresh_from_db()
        assert tuple(getattr(person, f) for f in fields) == before[person.pk]
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone, address FROM people_person WHERE id = %s", [sample[0].pk])
        raw = cursor.fetchone()
    assert sample[0].id_number not in raw[0]
    assert raw[0].startswith("gAAAAA") and raw[2].startswith("gAAAAA")  # Fernet tokens


def test_pinyin_search_reads_the_surnames_zeng_and_shan_as_surnames(district: Unit) -> None:
    zeng = Person.objects.filter(name__startswith="曾").first()
    shan = Person.objects.filter(name__startswith="单").first()
    assert zeng is not None and zeng.name_pinyin.startswith("zeng")
    assert shan is not None and shan.name_pinyin.startswith("shan")
    assert shan in Person.objects.search(shan.name_initials)
    assert any(p.name.startswith("曾") for p in Person.objects.search("zxy"))


def test_the_district_cadre_sees_every_demo_person_and_the_community_cadre_only_hers(district: Unit) -> None:
    total = Person.objects.filter(unit_path__startswith=district.path).count()
    qu = User.objects.get(username="qu_ganbu")
    sq = User.objects.get(username="sq1_ganbu")
    assert Person.objects.for_user(qu, perm=Perm.VIEW_RECORDS).count() == total
    mine = Person.objects.for_user(sq, perm=Perm.VIEW_RECORDS)
    assert 0 < mine.count() < total
    assert set(mine.values_list("unit__name", flat=True)) == {"东湖社区"}
    assert PersonCategory.objects.filter(set_by=qu).count() == PersonCategory.objects.count()


def test_a_second_seed_changes_nothing(district: Unit) -> None:
    before = counts()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert counts() == before
    assert "未做改动" in out.getvalue()
