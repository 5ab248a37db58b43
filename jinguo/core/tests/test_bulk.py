"""Bulk writes (core.bulk, core.audit.record_created) write what save() and django-auditlog would:
the same columns, the same audit changes. On PostgreSQL this exercises the COPY path, on SQLite
bulk_create."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from jinguo.core import bulk
from jinguo.core.audit import audit_mask, created_changes, record_created, record_created_rows
from jinguo.core.models import AuditEntry
from jinguo.people.fake import make_id_number
from jinguo.people.models import Category, Person, PersonCategory, derived_columns

pytestmark = pytest.mark.django_db

ID = make_id_number(dt.date(2011, 4, 5), 0)


# the person both writers write: a_person as an object, a_row as a row of attributes
FIELDS = {
    "gender": "F",
    "birth_date": dt.date(2011, 4, 5),
    "phone": "13812345678",
    "address": "东一社区幸福路1号",
    "notes": "父母在外务工",
    "guardian_name": "李梅",
    "guardian_relation": "mother",
    "guardian_phone": "13900001111",
    "school": "东一小学",
    "grade": "五年级",
    "dropped_out": True,
    "residence_years": 3,
}


def a_person(tree, people, name: str) -> Person:
    return Person(
        unit=tree.east1,
        name=f" {name} ",
        id_number=ID if name == "甲" else None,
        created_by=people.street_cadre,
        **FIELDS,
    ).fill_derived()


def columns(person: Person) -> dict[str, object]:
    row: dict[str, object] = dict(Person.objects.filter(pk=person.pk).values().get())
    for key in ("id", "created_at", "updated_at"):
        row.pop(key)
    return row


def test_bulk_insert_writes_the_row_save_writes(tree, people):
    saved = a_person(tree, people, "甲")
    saved.save()
    saved_row = columns(saved)
    Person.objects.filter(pk=saved.pk).delete()
    inserted = a_person(tree, people, "甲")
    bulk.insert([inserted])
    assert inserted.pk is not None and not inserted._state.adding
    assert columns(inserted) == saved_row
    assert saved_row["name"] == "甲" and saved_row["name_initials"] == "j"
    stored = Person.objects.get(pk=inserted.pk)
    assert (stored.id_number, stored.phone, stored.notes, stored.created_at is not None) == (
        ID,
        "13812345678",
        "父母在外务工",
        True,
    )


def test_bulk_insert_gives_every_object_its_own_id(tree, people):
    persons = [a_person(tree, people, n) for n in ("乙", "丙", "丁")]
    bulk.insert(persons)
    assert sorted(Person.objects.values_list("pk", flat=True)) == sorted(p.pk for p in persons)
    category = Category.objects.get(code="left_behind_child")
    rows = [PersonCategory(person=p, category=category, set_on=dt.date(2026, 1, 1)) for p in persons]
    bulk.insert(rows)
    assert list(PersonCategory.objects.order_by("person_id").values_list("person_id", flat=True)) == [
        p.pk for p in persons
    ]


def test_audit_rows_of_a_bulk_write_carry_the_changes_auditlog_records(tree, people):
    person = a_person(tree, people, "甲")
    person.save()  # django-auditlog writes its create row
    by_auditlog = AuditEntry.objects.get(event="create", object_pk=str(person.pk), content_type__model="person")
    # auditlog also lists the reverse relations ("people.PersonCategory.None") and empty foreign
    # keys as "None" -> "None"; everything else is the same
    meaningful = {
        k: v
        for k, v in by_auditlog.changes.items()
        if v != ["None", "None"] and not re.fullmatch(r"\w+\.\w+\.None", v[1])
    }
    assert created_changes(person) == meaningful
    assert set(by_auditlog.changes) - set(meaningful) == {"categories", "households", "wards", "guardian", "cases"}
    record_created([person], user=people.street_cadre, detail={"import_job": 7})
    ours = (
        AuditEntry.objects.filter(event="create", object_pk=str(person.pk), content_type__model="person")
        .exclude(pk=by_auditlog.pk)
        .get()
    )
    assert (ours.changes, ours.additional_data, ours.username, ours.object_repr, ours.action) == (
        meaningful,
        {"import_job": 7},
        "street_cadre",
        "甲",
        AuditEntry.Action.CREATE,
    )


def test_the_audit_log_holds_no_character_of_a_sensitive_value(tree, people):
    person = a_person(tree, people, "甲")
    person.save()
    changes = AuditEntry.objects.get(event="create", object_pk=str(person.pk), content_type__model="person").changes
    for field in ("id_number", "phone", "address", "notes", "guardian_phone"):
        assert changes[field] == ["None", "******"], field
    assert changes["id_last4"] == ["None", ID[-4:]]  # the last 4, as every masked list shows them
    person.phone = "13987654321"
    person.save()
    update = AuditEntry.objects.filter(event="update", object_pk=str(person.pk), content_type__model="person").get()
    assert update.changes == {"phone": ["******", "******"]}
    assert (audit_mask(""), audit_mask("None"), audit_mask(ID)) == ("", "None", "******")


def a_row(tree, people, name: str) -> dict[str, object]:
    """The person of a_person as a row of attributes, the way do_create_persons builds it."""
    id_number = ID if name.strip() == "甲" else None
    row = {**FIELDS, "id_number": id_number, "unit_id": tree.east1.pk, "created_by_id": people.street_cadre.pk}
    return row | derived_columns(name, id_number, FIELDS["phone"], tree.east1.path)  # type: ignore[arg-type]


def test_insert_rows_writes_the_row_save_writes_and_completes_each_row(tree, people):
    saved = a_person(tree, people, "甲")
    saved.save()
    saved_row = columns(saved)
    Person.objects.filter(pk=saved.pk).delete()
    row = a_row(tree, people, " 甲 ")
    keys = bulk.insert_rows(Person, [row])
    inserted = Person.objects.get()
    assert keys == [inserted.pk]
    assert columns(inserted) == saved_row
    # the row now holds what the object would: its id, the stamp, the defaults it left out
    assert (row["id"], row["created_at"], row["ethnicity"], row["guardian_id"], row["education"]) == (
        inserted.pk,
        inserted.created_at,
        "汉族",
        None,
        "",
    )


def test_insert_rows_gives_every_row_its_own_id(tree, people):
    rows = [a_row(tree, people, n) for n in ("乙", "丙", "丁")]
    keys = bulk.insert_rows(Person, rows)
    assert len(set(keys)) == 3
    assert [r["id"] for r in rows] == keys
    assert list(Person.objects.filter(pk__in=keys).order_by("pk").values_list("name", flat=True)) == ["乙", "丙", "丁"]
    assert bulk.insert_rows(Person, []) == []


def test_audit_rows_of_bulk_rows_are_those_of_bulk_objects(tree, people):
    person = a_person(tree, people, "甲")
    person.save()
    by_auditlog = AuditEntry.objects.get(event="create", object_pk=str(person.pk), content_type__model="person")
    meaningful = {
        k: v
        for k, v in by_auditlog.changes.items()
        if v != ["None", "None"] and not re.fullmatch(r"\w+\.\w+\.None", v[1])
    }
    Person.objects.filter(pk=person.pk).delete()
    row = a_row(tree, people, "甲")
    (key,) = bulk.insert_rows(Person, [row])
    record_created_rows(
        Person,
        [row],
        describe=lambda r: str(r["name"]),
        user=people.street_cadre,
        detail={"import_job": 7},
        extra={key: {"categories": ["None", "留守儿童"]}},
    )
    ours = AuditEntry.objects.get(event="create", object_pk=str(key), content_type__model="person")
    expected = {**meaningful, "id": ["None", str(key)], "created_at": ours.changes["created_at"]}
    assert ours.changes == {**expected, "categories": ["None", "留守儿童"]}
    assert ours.changes["created_at"] == ["None", str(Person.objects.get(pk=key).created_at.replace(tzinfo=None))]
    assert (ours.additional_data, ours.username, ours.actor_id, ours.object_repr, ours.object_id, ours.action) == (
        {"import_job": 7},
        "street_cadre",
        people.street_cadre.pk,
        "甲",
        key,
        AuditEntry.Action.CREATE,
    )
    for field in ("id_number", "phone", "address", "notes", "guardian_phone"):
        assert ours.changes[field] == ["None", "******"], field
