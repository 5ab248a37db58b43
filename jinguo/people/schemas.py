from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from jinguo.core.crypto import mask_address, mask_id_number, mask_phone, mask_text


class PersonOut(Schema):
    """A person as the list and the detail give her: sensitive values masked."""

    id: int
    name: str
    gender: str
    gender_label: str = Field(alias="get_gender_display")
    birth_date: dt.date | None
    age: int | None
    id_number: str
    phone: str
    unit_id: int
    unit_name: str
    categories: list[str]

    @staticmethod
    def resolve_age(obj: Any) -> int | None:
        return obj.age()

    @staticmethod
    def resolve_id_number(obj: Any) -> str:
        return mask_id_number(obj.id_number)

    @staticmethod
    def resolve_phone(obj: Any) -> str:
        return mask_phone(obj.phone)

    @staticmethod
    def resolve_unit_name(obj: Any) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_categories(obj: Any) -> list[str]:
        return [r.category.code for r in obj.open_categories]


class CategoryRecordOut(Schema):
    code: str
    name: str
    set_on: dt.date
    ended_on: dt.date | None
    end_reason: str


class PersonDetailOut(PersonOut):
    address: str
    ethnicity: str
    education: str
    employment: str
    notes: str
    guardian_id: int | None
    guardian_name: str
    guardian_relation: str
    guardian_phone: str
    school: str
    grade: str
    dropped_out: bool
    residence_years: int | None
    category_history: list[CategoryRecordOut]
    household_ids: list[int]

    @staticmethod
    def resolve_address(obj: Any) -> str:
        return mask_address(obj.address)

    @staticmethod
    def resolve_notes(obj: Any) -> str:
        return mask_text(obj.notes)

    @staticmethod
    def resolve_guardian_phone(obj: Any) -> str:
        return mask_phone(obj.guardian_phone)

    @staticmethod
    def resolve_category_history(obj: Any) -> list[dict[str, Any]]:
        return [
            {
                "code": r.category.code,
                "name": r.category.name,
                "set_on": r.set_on,
                "ended_on": r.ended_on,
                "end_reason": r.end_reason,
            }
            for r in obj.category_rows
        ]

    @staticmethod
    def resolve_household_ids(obj: Any) -> list[int]:
        return obj.household_ids


class PersonIn(Schema):
    unit_id: int
    name: str
    gender: str | None = None
    birth_date: dt.date | None = None
    id_number: str | None = None
    phone: str = ""
    address: str = ""
    ethnicity: str = "汉族"
    education: str = ""
    employment: str = ""
    notes: str = ""
    guardian_id: int | None = None
    guardian_name: str = ""
    guardian_relation: str = ""
    guardian_phone: str = ""
    school: str = ""
    grade: str = ""
    dropped_out: bool = False
    residence_years: int | None = Field(None, ge=0, le=120)
    categories: list[str] = []


class PersonPatch(Schema):
    unit_id: int | None = None
    name: str | None = None
    gender: str | None = None
    birth_date: dt.date | None = None
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None
    ethnicity: str | None = None
    education: str | None = None
    employment: str | None = None
    notes: str | None = None
    guardian_id: int | None = None
    guardian_name: str | None = None
    guardian_relation: str | None = None
    guardian_phone: str | None = None
    school: str | None = None
    grade: str | None = None
    dropped_out: bool | None = None
    residence_years: int | None = Field(None, ge=0, le=120)


class RevealIn(Schema):
    field: str


class RevealOut(Schema):
    field: str
    value: str


class DuplicateOut(Schema):
    detail: str
    field: str
    existing_id: int | None = None
