"""Bulk writes (core.bulk, core.audit.record_created) write what save() and django-auditlog would:
the same columns, the same audit changes. On PostgreSQL this exercises the COPY path, on SQLite
bulk_create."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

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


# --- COPY text: the characters PostgreSQL's text format escapes --------------------------------

SPECIAL = {
    "school": "一\t小",
    "grade": "五\\年级",
    "guardian_name": "李\n梅",
    "address": "路\r1号",
    "notes": "a\\tb",  # a backslash and a t, not a tab
}
SPECIAL_STORED = ("一\t小", "五\\年级", "李\n梅", "路\r1号", "a\\tb", "子\\N")


def special_values(person: Person) -> tuple[str, ...]:
    return (person.school, person.grade, person.guardian_name, person.address, person.notes, person.name)


def test_insert_rows_keeps_tabs_newlines_carriage_returns_and_backslashes(tree, people):
    # a plain row in the same batch: the column is escaped as a whole, its other values stay as they are
    row = {**a_row(tree, people, "子\\N"), **SPECIAL}
    plain = a_row(tree, people, "乙")
    keys = bulk.insert_rows(Person, [plain, row])
    stored = Person.objects.get(pk=keys[1])
    assert special_values(stored) == SPECIAL_STORED
    other = Person.objects.get(pk=keys[0])
    assert (other.school, other.grade, other.guardian_name, other.address, other.notes, other.name) == (
        "东一小学",
        "五年级",
        "李梅",
        "东一社区幸福路1号",
        "父母在外务工",
        "乙",
    )
    # the text columns hold the characters themselves, not their escapes
    assert Person.objects.filter(school="一\t小", grade="五\\年级", guardian_name="李\n梅", name="子\\N").count() == 1


def test_insert_keeps_tabs_newlines_carriage_returns_and_backslashes(tree, people):
    person = Person(
        unit=tree.east1, name="子\\N", created_by=people.street_cadre, **{**FIELDS, **SPECIAL}
    ).fill_derived()
    plain = a_person(tree, people, "乙")
    bulk.insert([person, plain])
    assert special_values(Person.objects.get(pk=person.pk)) == SPECIAL_STORED
    assert Person.objects.get(pk=plain.pk).school == "东一小学"


def test_a_text_value_that_reads_like_null_is_text_not_null(tree, people):
    row = {**a_row(tree, people, "乙"), "school": "\\N", "grade": "", "guardian_name": "N"}
    (key,) = bulk.insert_rows(Person, [row])
    assert Person.objects.filter(pk=key).values_list("school", "grade", "guardian_name", "birth_date").get() == (
        "\\N",
        "",
        "N",
        dt.date(2011, 4, 5),
    )


# --- keys ----------------------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="keys come from the sequence on PostgreSQL")
def test_reserve_keys_takes_distinct_increasing_keys_and_insert_rows_keeps_them(tree, people):
    keys = bulk.reserve_keys(Person, 3)
    assert keys is not None and len(keys) == 3
    assert all(type(k) is int for k in keys)
    assert keys == sorted(set(keys))
    assert bulk.reserve_keys(Person, 0) is None
    rows = [a_row(tree, people, n) for n in ("乙", "丙", "丁")]
    rows[0]["id"], rows[2]["id"] = keys[2], keys[0]  # preset, in another order; the middle one gets a new key
    written = bulk.insert_rows(Person, rows)
    assert written[0] == keys[2] and written[2] == keys[0]
    assert written[1] not in keys and type(written[1]) is int
    assert rows[1]["id"] == written[1]
    assert dict(Person.objects.filter(pk__in=written).values_list("pk", "name")) == {
        keys[2]: "乙",
        written[1]: "丙",
        keys[0]: "丁",
    }
    assert bulk.reserve_keys(Person, 1)[0] > max(written)  # type: ignore[index]


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite: bulk_create gives the keys")
def test_reserve_keys_gives_none_without_postgresql(tree, people):
    assert bulk.reserve_keys(Person, 3) is None
    assert bulk.reserve_keys(Person, 0) is None
    row = {**a_row(tree, people, "乙"), "id": 4242}
    assert bulk.insert_rows(Person, [row]) == [4242]
    assert Person.objects.get(pk=4242).name == "乙"


def test_insert_rows_without_keys_writes_the_rows(tree, people):
    category = Category.objects.get(code="left_behind_child")
    persons = [a_person(tree, people, n) for n in ("乙", "丙", "丁")]
    bulk.insert(persons)
    rows = [{"person_id": p.pk, "category_id": category.pk, "set_on": dt.date(2026, 1, 1)} for p in persons]
    returned = bulk.insert_rows(PersonCategory, rows, keys=False)
    if connection.vendor == "postgresql":
        assert returned == []
        assert ["id" in row for row in rows] == [False, False, False]  # the rows are not told
    else:
        assert returned == list(PersonCategory.objects.order_by("pk").values_list("pk", flat=True))
    assert list(
        PersonCategory.objects.order_by("person_id").values_list("person_id", "category_id", "set_on", "end_reason")
    ) == [(p.pk, category.pk, dt.date(2026, 1, 1), "") for p in persons]


# --- pipelined(): a writer thread ---------------------------------------------------------------

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the writer thread is PostgreSQL's")


@postgresql_only
def test_a_query_inside_pipelined_sees_the_rows_written_before_it(tree, people):
    with transaction.atomic(), bulk.pipelined():
        first = bulk.insert_rows(Person, [a_row(tree, people, n) for n in ("乙", "丙", "丁")])
        assert Person.objects.filter(pk__in=first).count() == 3
        persons = [a_person(tree, people, n) for n in ("戊", "己")]
        bulk.insert(persons)
        assert list(
            Person.objects.filter(pk__in=[p.pk for p in persons]).order_by("pk").values_list("name", flat=True)
        ) == [
            "戊",
            "己",
        ]
        last = bulk.insert_rows(Person, [a_row(tree, people, "庚")])
    # and what was written last, with no query after it, is written by the end of the block
    assert Person.objects.filter(pk__in=first + last).count() == 4


@postgresql_only
def test_a_duplicate_id_number_inside_pipelined_raises_django_integrity_error(tree, people):
    before = Person.objects.count()
    with pytest.raises(IntegrityError) as raised, transaction.atomic(), bulk.pipelined():
        bulk.insert_rows(Person, [a_row(tree, people, "乙")])
        bulk.insert_rows(Person, [a_row(tree, people, "甲"), a_row(tree, people, "甲")])  # the same id_hash
    assert type(raised.value) is IntegrityError
    assert isinstance(raised.value.__cause__, psycopg.errors.UniqueViolation)
    assert "person_id_hash_unique" in str(raised.value)
    assert Person.objects.count() == before  # the batch, and the one before it, are rolled back
    assert Person.objects.filter(name__in=["甲", "乙"]).count() == 0


@postgresql_only
def test_a_duplicate_in_a_later_batch_is_raised_by_the_next_query(tree, people):
    with pytest.raises(IntegrityError) as raised, transaction.atomic(), bulk.pipelined():
        bulk.insert_rows(Person, [a_row(tree, people, "甲")])
        bulk.insert_rows(Person, [a_row(tree, people, "甲")])
        Person.objects.count()  # drains: the second COPY's error is raised here
        pytest.fail("the duplicate was not raised by the query")
    assert isinstance(raised.value.__cause__, psycopg.errors.UniqueViolation)
    assert Person.objects.filter(id_hash=a_row(tree, people, "甲")["id_hash"]).count() == 0


@postgresql_only
def test_foreign_keys_are_checked_per_statement_inside_pipelined_and_deferred_after(tree, people):
    category = Category.objects.get(code="left_behind_child")
    with transaction.atomic():
        missing = bulk.reserve_keys(Person, 1)
        assert missing is not None
        link = {"person_id": missing[0], "category_id": category.pk, "set_on": dt.date(2026, 1, 1)}
        # inside: a category row of a person not (yet) written fails at its statement
        with pytest.raises(IntegrityError) as raised, transaction.atomic(), bulk.pipelined():
            bulk.insert_rows(PersonCategory, [dict(link)], keys=False)
        assert isinstance(raised.value.__cause__, psycopg.errors.ForeignKeyViolation)
        assert PersonCategory.objects.count() == 0
        # after a pipelined() block that ended well the keys are deferred again: the category row
        # may come before its person, within the transaction
        with bulk.pipelined():
            bulk.insert_rows(Person, [a_row(tree, people, "乙")])
        bulk.insert_rows(PersonCategory, [dict(link)], keys=False)
        bulk.insert_rows(Person, [{**a_row(tree, people, "丙"), "id": missing[0]}])
        connection.check_constraints()  # checks what was deferred: the person is there now
        assert list(PersonCategory.objects.values_list("person__name", flat=True)) == ["丙"]


def assert_foreign_keys_deferred(tree, people) -> None:
    """A category row written before its person is accepted: the foreign key waits for the commit."""
    category = Category.objects.get(code="left_behind_child")
    missing = bulk.reserve_keys(Person, 1)
    assert missing is not None
    link = {"person_id": missing[0], "category_id": category.pk, "set_on": dt.date(2026, 1, 1)}
    bulk.insert_rows(PersonCategory, [link], keys=False)
    bulk.insert_rows(Person, [{**a_row(tree, people, "丙"), "id": missing[0]}])
    connection.check_constraints()  # checks what was deferred: the person is there now
    assert list(PersonCategory.objects.values_list("person__name", flat=True)) == ["丙"]


@postgresql_only
def test_foreign_keys_are_deferred_again_after_a_failed_pipelined_block_is_rolled_back(tree, people):
    with transaction.atomic():
        with pytest.raises(IntegrityError), transaction.atomic(), bulk.pipelined():
            bulk.insert_rows(Person, [a_row(tree, people, "甲"), a_row(tree, people, "甲")])
        # the savepoint's rollback undid SET CONSTRAINTS ALL IMMEDIATE with the rest
        assert_foreign_keys_deferred(tree, people)


@postgresql_only
def test_foreign_keys_are_deferred_again_after_a_pipelined_block_left_by_an_exception(tree, people):
    with transaction.atomic():
        with pytest.raises(ZeroDivisionError), bulk.pipelined():
            bulk.insert_rows(Person, [a_row(tree, people, "乙")])
            1 / 0  # noqa: B018
        assert_foreign_keys_deferred(tree, people)


def test_pipelined_elsewhere_writes_as_without_it(tree, people):
    with transaction.atomic(), bulk.pipelined():
        keys = bulk.insert_rows(Person, [a_row(tree, people, n) for n in ("乙", "丙")])
        assert Person.objects.filter(pk__in=keys).count() == 2
        with bulk.pipelined():  # nested: the outer pipe goes on
            keys += bulk.insert_rows(Person, [a_row(tree, people, "丁")])
    assert list(Person.objects.filter(pk__in=keys).order_by("pk").values_list("name", flat=True)) == ["乙", "丙", "丁"]


# --- audit rows of bulk rows: JSON text ---------------------------------------------------------


def test_audit_changes_of_bulk_rows_keep_quotes_backslashes_and_control_characters(tree, people):
    row = {**a_row(tree, people, 'A"B\\C'), "school": "一\t小", "guardian_name": "李\n梅", "grade": '五"年级\\'}
    (key,) = bulk.insert_rows(Person, [row])
    record_created_rows(
        Person,
        [row],
        describe=lambda r: str(r["name"]),
        user=people.street_cadre,
        extra={key: {"categories": ["None", '留守"儿童\\']}},
    )
    entry = AuditEntry.objects.get(event="create", object_pk=str(key), content_type__model="person")
    assert entry.changes["name"] == ["None", 'A"B\\C']
    assert (entry.changes["school"], entry.changes["guardian_name"], entry.changes["grade"]) == (
        ["None", "一\t小"],
        ["None", "李\n梅"],
        ["None", '五"年级\\'],
    )
    assert entry.changes["categories"] == ["None", '留守"儿童\\']
    assert entry.object_repr == 'A"B\\C'
    assert Person.objects.get(pk=key).name == 'A"B\\C'


def test_copy_text_of_the_other_types_and_a_refusal_of_an_unknown_one():
    """The COPY text of the value types the models hold beyond text, numbers and dates; a type it
    does not know is refused rather than written as its repr."""
    assert [bulk._text(v) for v in (dt.time(9, 30), b"\x01\xff", Decimal("12.50"), None)] == [
        "09:30:00",
        "\\x01ff",
        "12.50",
        None,
    ]
    with pytest.raises(TypeError, match=r"^core\.bulk cannot write a timedelta value$"):
        bulk._text(dt.timedelta(days=1))


def test_audit_rows_of_a_batch_written_in_a_request_carry_its_address_path_user_and_one_moment(tree, people):
    # username, remote_addr and the timestamp go through their fields' pre_save, the batch's values
    # (on PostgreSQL bulk.insert_select computes them once for the INSERT … SELECT)
    from jinguo.core.context import RequestInfo, reset_request_info, set_request_info

    rows = [a_row(tree, people, name) for name in ("甲", "乙", "丙")]
    keys = bulk.insert_rows(Person, rows)
    token = set_request_info(RequestInfo(ip="10.2.3.4", path="/ledgers/persons/import/", method="POST"))
    try:
        record_created_rows(Person, rows, describe=lambda r: str(r["name"]), user=people.street_cadre)
    finally:
        reset_request_info(token)
    entries = AuditEntry.objects.filter(event="create", content_type__model="person", object_id__in=keys)
    entries = list(entries.order_by("object_id"))
    assert [(e.object_repr, e.remote_addr, e.path, e.username, e.actor_id) for e in entries] == [
        (name, "10.2.3.4", "/ledgers/persons/import/", "street_cadre", people.street_cadre.pk) for name in "甲乙丙"
    ]
    assert len({e.timestamp for e in entries}) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL builds the changes itself")
def test_changes_postgresql_builds_from_the_rows_equal_those_python_builds(tree, people):
    # the values where the two could part: text "None" (no value to auditlog, in a masked field too),
    # empty and missing values, a whole second, quotes, backslashes, control characters, non-ASCII
    from jinguo.core.audit import _created_json

    odd = {"school": "None", "notes": "None", "address": "", "grade": '五"年\\级\x01\t', "guardian_name": "Zoë 李"}
    rows = [
        a_row(tree, people, "甲") | odd,
        a_row(tree, people, "乙") | {"birth_date": None, "residence_years": None, "dropped_out": False, "phone": ""},
    ]
    keys = bulk.insert_rows(Person, rows)
    whole = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)  # str() of it has no fraction of a second
    Person.objects.filter(pk=keys[0]).update(created_at=whole)
    rows[0]["created_at"] = whole
    extra = {keys[1]: {"categories": ["None", "留守儿童、困难儿童"]}}
    record_created_rows(Person, rows, describe=lambda r: str(r["name"]), user=people.street_cadre, extra=extra)
    by_python = [json.loads(text) for text in _created_json(Person, rows, keys, extra)]
    by_postgresql = [
        AuditEntry.objects.get(event="create", content_type__model="person", object_id=key).changes for key in keys
    ]
    assert by_postgresql == by_python
    assert by_python[0]["created_at"] == ["None", "2026-03-04 05:06:07"]
    assert "school" not in by_python[0] and "notes" not in by_python[0] and "birth_date" not in by_python[1]
    assert (by_python[0]["address"], by_python[0]["grade"]) == (["None", ""], ["None", '五"年\\级\x01\t'])
    assert by_python[1]["categories"] == ["None", "留守儿童、困难儿童"]


def test_array_literals_are_written_for_each_kind_of_value():
    assert bulk.array_literal([]) == "{}"
    assert bulk.array_literal([3, 1, 20]) == "{3,1,20}"
    assert bulk.array_literal([dt.date(2015, 3, 2), dt.date(1999, 12, 31)]) == "{2015-03-02,1999-12-31}"
    assert bulk.array_literal(["张晓燕", "ab"]) == '{"张晓燕","ab"}'
    assert bulk.array_literal(['a"b', "c\\d"]) == '{"a\\"b","c\\\\d"}'


@postgresql_only
def test_array_literals_come_back_from_postgresql_as_they_went_in(db):
    texts = ['a"b', "c\\d", "{x}", "NULL", "", " 张 ", "a,b", "\\", '"', "'"]
    dates = [dt.date(2015, 3, 2), dt.date(1, 1, 1)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::varchar[], %s::date[], %s::bigint[]",
            [bulk.array_literal(texts), bulk.array_literal(dates), bulk.array_literal([2**40, -1])],
        )
        assert cursor.fetchone() == (texts, dates, [2**40, -1])
