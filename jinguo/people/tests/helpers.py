"""A small registry of persons on the shared test tree, and readers for what the pages hand back.

东一社区  张晓燕 (F, 1990, ID, phone, address, 困难妇女) — guardian of 曾晓燕
          曾晓燕 (F, 2015, ID, 留守儿童), her household with 张晓燕
东二社区  单丽   (F, 1985, no ID, phone, 困难妇女, 下岗失业)
          张伟   (M, 2001, no ID)
西一社区  李明   (M, 1952, ID, 空巢老人)
西二社区  王芳芳 (F, 2016, ID, 流动儿童; 单亲家庭儿童 ended)
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.messages import get_messages
from django.http import HttpResponse

from jinguo.core.models import AuditEntry
from jinguo.people import actions
from jinguo.people.fake import make_id_number
from jinguo.people.models import Household, HouseholdMember, Person, PersonCategory

ZHANG_ID = make_id_number(dt.date(1990, 3, 15), 0)  # 330122199003159967
ZENG_ID = make_id_number(dt.date(2015, 6, 1), 1)  # 330122201506019982
LI_ID = make_id_number(dt.date(1952, 11, 30), 0, female=False)  # 330122195211309976
WANG_ID = make_id_number(dt.date(2016, 9, 9), 2)  # 330127201609099964
FREE_ID = make_id_number(dt.date(1985, 1, 2), 3)  # 330127198501029986, nobody's yet
ZHANG_PHONE = "13812345678"
SHAN_PHONE = "13987654321"
ZHANG_ADDRESS = "浙江省杭州市示范区东一社区幸福路8号"


@dataclass
class Registry:
    zhang: Person
    zeng: Person
    shan: Person
    wei: Person
    li: Person
    wang: Person
    household: Household


def build_registry(tree: Any, actor: Any) -> Registry:
    create = actions.do_create_person
    zhang = create(
        actor=actor,
        unit=tree.east1,
        name="张晓燕",
        id_number=ZHANG_ID,
        phone=ZHANG_PHONE,
        address=ZHANG_ADDRESS,
        notes="家中有重病老人",
        employment="unemployed",
        categories=["hardship_woman"],
    )
    zeng = create(
        actor=actor,
        unit=tree.east1,
        name="曾晓燕",
        id_number=ZENG_ID,
        guardian=zhang,
        guardian_relation="mother",
        guardian_phone=ZHANG_PHONE,
        school="东一小学",
        grade="五年级",
        categories=["left_behind_child"],
    )
    shan = create(
        actor=actor,
        unit=tree.east2,
        name="单丽",
        gender="F",
        birth_date=dt.date(1985, 1, 2),
        phone=SHAN_PHONE,
        categories=["hardship_woman", "laid_off"],
    )
    wei = create(actor=actor, unit=tree.east2, name="张伟", gender="M", birth_date=dt.date(2001, 5, 5))
    li = create(actor=actor, unit=tree.west1, name="李明", id_number=LI_ID, categories=["empty_nest_elder"])
    wang = create(
        actor=actor,
        unit=tree.west2,
        name="王芳芳",
        id_number=WANG_ID,
        categories=["migrant_child", "single_parent_child"],
    )
    actions.do_end_category(actor=actor, person=wang, code="single_parent_child", reason="父母复婚")
    household = actions.do_create_household(
        actor=actor, unit=tree.east1, head=zhang, address=ZHANG_ADDRESS, members=[(zeng, "child")]
    )
    return Registry(zhang, zeng, shan, wei, li, wang, household)


def person_snapshot() -> list[list[Any]]:
    """Every person, category row, household and membership, to prove that a denial changed nothing."""
    persons = [
        (p.pk, p.name, p.gender, p.birth_date, p.id_number, p.phone, p.address, p.notes, p.unit_id, p.guardian_id)
        for p in Person.objects.order_by("pk")
    ]
    cats = list(PersonCategory.objects.order_by("pk").values_list("pk", "person_id", "category_id", "ended_on"))
    households = list(Household.objects.order_by("pk").values_list("pk", "unit_id", "head_id"))
    members = list(HouseholdMember.objects.order_by("pk").values_list("pk", "household_id", "person_id", "relation"))
    return [persons, cats, households, members]


def search(pattern: str, page: HttpResponse | str) -> str:
    """The first group of `pattern` in the page (which must be there)."""
    found = re.search(pattern, _body(page), re.S)
    assert found is not None, pattern
    return found.group(1)


def audit_rows(event: str, **filters: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(event=event, **filters).order_by("pk"))


def model_of(entry: AuditEntry) -> str:
    return entry.content_type.model if entry.content_type else ""


def flash(response: HttpResponse) -> list[tuple[str, str]]:
    storage: Any = get_messages(response.wsgi_request)  # type: ignore[attr-defined]
    return [(m.level_tag, str(m)) for m in storage._queued_messages]


def _body(page: HttpResponse | str) -> str:
    return page if isinstance(page, str) else page.content.decode()


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def field_errors(page: HttpResponse | str) -> list[str]:
    return re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', _body(page))


def list_rows(page: HttpResponse | str) -> list[tuple[str, ...]]:
    """The person list's rows: (name, gender, age, ID, phone, unit, categories)."""
    found = re.search(r'id="person-table">(.*?)</table>', _body(page), re.S)
    assert found is not None
    body = found.group(1).split("</thead>", 1)[1]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if len(cells) == 7:
            rows.append(tuple(cells))
    return rows


def list_names(page: HttpResponse | str) -> list[str]:
    return [r[0] for r in list_rows(page)]


def person_count(page: HttpResponse | str) -> str:
    found = re.search(r'<p class="mb-2" id="person-count">(.*?)</p>', _body(page), re.S)
    assert found is not None
    return text(found.group(1))


def category_counts(page: HttpResponse | str) -> dict[str, int]:
    return {
        name: int(n)
        for name, n in re.findall(r'data-category="[^"]+">(.*?) <span class="count">(\d+)</span>', _body(page))
    }


def facts(page: HttpResponse | str) -> dict[str, str]:
    """The person page's 基本信息 as label → text (reveal buttons included as text)."""
    found = re.search(r'<dl class="row mb-0" id="person-facts">(.*?)</dl>', _body(page), re.S)
    assert found is not None
    pairs = re.findall(r'<dt class="col-4">(.*?)</dt>\s*<dd class="col-8[^"]*"[^>]*>(.*?)</dd>', found.group(1), re.S)
    return {k: text(v) for k, v in pairs}
