from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    division_code: str | None
    federation_established: bool
    federation_since: dt.date | None
    address: str
    phone: str
    is_closed: bool
    depth: int
    parent_id: int | None = None
    children_count: int = Field(alias="numchild")


class UnitIn(Schema):
    parent_id: int
    name: str
    kind: str
    division_code: str | None = None
    federation_established: bool = False
    federation_since: dt.date | None = None
    address: str = ""
    phone: str = ""
    notes: str = ""


class UnitPatch(Schema):
    name: str | None = None
    kind: str | None = None
    division_code: str | None = None
    federation_established: bool | None = None
    federation_since: dt.date | None = None
    address: str | None = None
    phone: str | None = None
    notes: str | None = None


class MoveIn(Schema):
    new_parent_id: int


class KindCoverageOut(Schema):
    kind: str
    label: str
    total: int
    established: int
    share: str


class CoverageOut(Schema):
    unit_id: int
    total: int
    established: int
    share: str
    sentence: str
    kinds: list[KindCoverageOut]
