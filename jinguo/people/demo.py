"""Fictitious people of the demo district 示范区 (DOMAIN.md §7-8), for `seed_demo`.

Families, not a list of names: migrant families (新居民) in the communities with 941 流动儿童 between
them, grandparents caring for 494 留守儿童 in the villages while the parents work away, single
mothers and fathers, 低保 households, laid-off women, empty-nest elders. Every child has a guardian
(a person of the same household, the relation, her phone), a school and a grade; some migrant
children have dropped out. Figures of DOMAIN.md §7: exactly 941 流动儿童 and 494 留守儿童.

Every ID number comes from `fake.make_id_number` (valid checksum, belongs to no one); phones are
1380000xxxx / 1390000xxxx. A fixed seed gives the same people on every run and every database.

The rows go in with bulk_create; `Person.fill_derived` sets the columns that `save()` derives
(pinyin, blind indexes, last 4 digits, the unit path) with the same functions, and the encrypted
columns are encrypted by the field itself (`get_prep_value`), in bulk_create as in save().
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from jinguo.orgs.models import Unit, UnitKind

from . import counts
from .categories import ensure_default_categories
from .fake import capacity_per_day, make_id_number
from .models import (
    Category,
    Education,
    Employment,
    Gender,
    Household,
    HouseholdMember,
    Person,
    PersonCategory,
    Relation,
)

SEED = 20261122
TODAY = dt.date(2026, 11, 22)  # the demo's "today": ages and school grades are counted from it
SCHOOL_YEAR = dt.date(2026, 9, 1)

MIGRANT_CHILDREN = 941  # 流动儿童, DOMAIN.md §7
LEFT_BEHIND_CHILDREN = 494  # 留守儿童, DOMAIN.md §7
SINGLE_PARENT_CHILDREN = 120
DIBAO_HOUSEHOLDS = 60
LAID_OFF_WOMEN = 150
HARDSHIP_WOMEN_ALONE = 60  # beside the single mothers and 低保 heads who are 困难妇女 too
EMPTY_NEST_HOUSEHOLDS = 100
FORMER_LEFT_BEHIND = 24  # migrant children who were 留守 in their home village before (history)

# --- names ----------------------------------------------------------------------------------------

# Surname: weight (roughly their frequency); 曾 (zeng) and 单 (shan) are read as surnames by
# people.pinyin, so `zxy` finds 曾晓燕 and `sl` finds 单丽.
SURNAMES: dict[str, int] = {
    "王": 90, "李": 90, "张": 85, "刘": 65, "陈": 65, "杨": 40, "黄": 30, "赵": 30, "吴": 30, "周": 30,
    "徐": 22, "孙": 20, "马": 18, "朱": 18, "胡": 17, "郭": 16, "何": 15, "高": 14, "林": 14, "罗": 13,
    "郑": 13, "梁": 12, "谢": 10, "宋": 10, "唐": 10, "许": 9, "韩": 9, "冯": 9, "邓": 9, "曹": 8,
    "彭": 8, "曾": 12, "肖": 8, "田": 7, "董": 7, "袁": 7, "潘": 7, "于": 6, "蒋": 6, "蔡": 6,
    "余": 6, "杜": 6, "叶": 6, "程": 5, "苏": 5, "魏": 5, "吕": 5, "丁": 5, "任": 5, "沈": 5,
    "姚": 4, "卢": 4, "姜": 4, "崔": 4, "钟": 4, "谭": 4, "陆": 4, "汪": 4, "范": 4, "金": 4,
    "石": 4, "廖": 3, "贾": 3, "夏": 3, "韦": 3, "方": 3, "白": 3, "邹": 3, "孟": 3, "熊": 3,
    "秦": 3, "邱": 3, "江": 3, "尹": 3, "薛": 3, "段": 3, "雷": 3, "侯": 3, "龙": 3, "史": 3,
    "陶": 2, "黎": 2, "贺": 2, "顾": 2, "毛": 2, "郝": 2, "龚": 2, "邵": 2, "万": 2, "钱": 2,
    "严": 2, "覃": 2, "戴": 2, "莫": 2, "孔": 2, "汤": 2, "单": 10, "查": 2, "翟": 2, "解": 1,
    "仇": 1, "欧阳": 2, "诸葛": 1, "上官": 1,
}  # fmt: skip

# Given names by generation: born before 1960, 1960-1984, 1985-2004, 2005 and later.
FEMALE_NAMES: tuple[tuple[str, ...], ...] = (
    ("秀英", "桂英", "秀兰", "玉兰", "桂兰", "凤英", "淑珍", "玉珍", "素芬", "秀珍", "金凤", "桂芳", "玉梅",
     "春花", "月娥", "彩霞", "冬梅", "杏花", "银花", "素英"),
    ("丽", "敏", "静", "燕", "艳", "娟", "霞", "芳", "红", "梅", "丽娟", "美华", "淑芬", "晓燕", "小燕",
     "海燕", "春梅", "丽华", "玉洁", "雪梅", "慧敏", "秀云", "晓红", "丽萍", "建英", "爱华", "卫红", "亚琴"),
    ("婷", "婷婷", "雪", "丹", "倩", "颖", "琳", "佳", "晶", "璐", "思思", "梦瑶", "佳琪", "雨婷", "欣",
     "晓雪", "诗琪", "晓燕", "丽丽", "艳红", "琴", "蕾", "莹", "慧"),
    ("欣怡", "子涵", "梓涵", "雨桐", "诗涵", "可馨", "一诺", "思雨", "佳怡", "紫萱", "若汐", "语桐", "梦琪",
     "雨萱", "芷若", "依诺", "安琪", "小燕", "晓燕", "沐晴", "欣妍", "悦", "心怡", "雅琪", "梓萱"),
)  # fmt: skip
MALE_NAMES: tuple[tuple[str, ...], ...] = (
    ("建国", "国强", "建华", "志强", "德明", "国庆", "福生", "根生", "长顺", "永福", "金宝", "水根", "有才",
     "炳坤", "阿毛", "德胜"),
    ("伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "斌", "鹏", "海", "建军", "志刚", "海涛", "晓东",
     "卫东", "红兵", "建平", "国平", "小龙"),
    ("浩", "宇", "帅", "鑫", "阳", "晨", "凯", "俊", "磊磊", "晓峰", "文杰", "志远", "家伟", "天宇", "子健"),
    ("浩然", "子轩", "宇轩", "俊杰", "博文", "梓睿", "一鸣", "天佑", "家豪", "皓轩", "子墨", "铭泽", "宇航",
     "思远", "明轩", "睿", "承泽", "奕辰", "嘉懿", "沐阳"),
)  # fmt: skip

ROADS = ("人民路", "解放路", "建设路", "文化路", "中山路", "和平路", "新华路", "朝阳路", "湖滨路", "学院路")
PROVINCES_AWAY = ("杭州", "宁波", "上海", "苏州", "深圳", "广州", "义乌", "温州")
HOME_PROVINCES = ("安徽", "江西", "河南", "四川", "贵州", "湖南", "湖北", "云南", "甘肃", "重庆")
MINORITIES = ("畲族", "回族", "土家族", "苗族", "布依族", "彝族")

GRADES = {
    3: "幼儿园小班", 4: "幼儿园中班", 5: "幼儿园大班", 6: "一年级", 7: "二年级", 8: "三年级", 9: "四年级",
    10: "五年级", 11: "六年级", 12: "七年级", 13: "八年级", 14: "九年级", 15: "高一", 16: "高二", 17: "高三",
}  # fmt: skip


# --- derived columns ------------------------------------------------------------------------------


# --- the plan -------------------------------------------------------------------------------------


class IdNumbers:
    """Hands out fictitious ID numbers without repeating one: `capacity_per_day()` per birth date and
    gender; a day that is full moves the birth to the next day (the ID number carries it)."""

    def __init__(self, *, first_seq: int = 0, seqs: int | None = None) -> None:
        self.first_seq = first_seq
        self.seqs = seqs if seqs is not None else capacity_per_day() - first_seq
        self.used: Counter[tuple[dt.date, bool]] = Counter()

    def take(self, born: dt.date, *, female: bool) -> tuple[dt.date, str]:
        while self.used[born, female] >= self.seqs:
            born += dt.timedelta(days=1)
        seq = self.first_seq + self.used[born, female]
        self.used[born, female] += 1
        return born, make_id_number(born, seq, female=female)


@dataclass
class Place:
    unit: Unit
    street: Unit  # the street or town above it
    urban: bool


@dataclass
class Family:
    place: Place
    address: str
    head: Person
    members: list[tuple[Person, str]] = field(default_factory=list)  # (person, Relation) beside the head


@dataclass
class Plan:
    adults: list[Person] = field(default_factory=list)  # saved first: the guardians are among them
    children: list[Person] = field(default_factory=list)
    families: list[Family] = field(default_factory=list)
    # (person, category code, set on, ended on, end reason)
    categories: list[tuple[Person, str, dt.date, dt.date | None, str]] = field(default_factory=list)

    @property
    def persons(self) -> list[Person]:
        return self.adults + self.children

    def count(self, code: str) -> int:
        return sum(1 for _, c, _, ended, _ in self.categories if c == code and ended is None)


class Planner:
    def __init__(self, district: Unit, *, seed: int = SEED) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - fictitious demo data, not a secret
        self.ids = IdNumbers()
        self.phones = 0
        self.plan = Plan()
        streets = list(Unit.objects.get_children(district).filter(kind__in=[UnitKind.STREET, UnitKind.TOWN]))
        self.communities: list[Place] = []
        self.villages: list[Place] = []
        for street in streets:
            for unit in Unit.objects.get_children(street):
                if unit.kind == UnitKind.COMMUNITY:
                    self.communities.append(Place(unit, street, True))
                elif unit.kind == UnitKind.VILLAGE:
                    self.villages.append(Place(unit, street, False))
        if not self.communities or not self.villages:
            raise ValueError("the demo district needs communities and villages")
        self.surnames = list(SURNAMES)
        self.surname_weights = list(SURNAMES.values())

    # --- small things

    def place(self, urban_share: float) -> Place:
        pool = self.communities if self.rng.random() < urban_share else self.villages
        return self.rng.choice(pool)

    def surname(self) -> str:
        return self.rng.choices(self.surnames, self.surname_weights)[0]

    def given(self, born: dt.date, *, female: bool) -> str:
        names = FEMALE_NAMES if female else MALE_NAMES
        generation = 0 if born.year < 1960 else 1 if born.year < 1985 else 2 if born.year < 2005 else 3
        return self.rng.choice(names[generation])

    def born(self, low: int, high: int) -> dt.date:
        """A birth date of someone aged `low` to `high` (inclusive) on TODAY."""
        latest = _years_before(TODAY, low)
        earliest = _years_before(TODAY, high + 1) + dt.timedelta(days=1)
        return earliest + dt.timedelta(days=self.rng.randrange((latest - earliest).days + 1))

    def phone(self) -> str:
        n = self.phones
        self.phones += 1
        return f"1{38 + n // 10000}0000{n % 10000:04d}"

    def address(self, place: Place) -> str:
        r = self.rng
        if place.urban:
            return (
                f"示范区{place.street.name}{place.unit.name.removesuffix('社区')}{r.choice(ROADS)}"
                f"{r.randint(1, 300)}号{r.randint(1, 30)}幢{r.randint(1, 4)}单元{r.randint(1, 18)}0{r.randint(1, 4)}室"
            )
        return f"示范区{place.street.name}{place.unit.name}{r.randint(1, 12)}组{r.randint(1, 120)}号"

    def ethnicity(self, share: float = 0.03) -> str:
        return self.rng.choice(MINORITIES) if self.rng.random() < share else "汉族"

    def set_on(self, earliest: dt.date) -> dt.date:
        start = max(earliest, dt.date(2019, 1, 1))
        end = dt.date(2026, 10, 31)
        return start + dt.timedelta(days=self.rng.randrange(max((end - start).days, 1)))

    # --- persons

    def person(
        self,
        place: Place,
        address: str,
        *,
        surname: str | None = None,
        female: bool,
        ages: tuple[int, int],
        phone: bool = True,
        **extra: Any,
    ) -> Person:
        born, id_number = self.ids.take(self.born(*ages), female=female)
        name = (surname or self.surname()) + self.given(born, female=female)
        person = Person(
            unit=place.unit,
            name=name,
            gender=Gender.FEMALE if female else Gender.MALE,
            birth_date=born,
            id_number=id_number,
            phone=self.phone() if phone else "",
            address=address,
            ethnicity=extra.pop("ethnicity", None) or self.ethnicity(),
            **extra,
        )
        person.fill_derived()
        return person

    def adult(self, place: Place, address: str, *, female: bool, ages: tuple[int, int], **extra: Any) -> Person:
        born_year = TODAY.year - (ages[0] + ages[1]) // 2
        extra.setdefault("education", self._education(born_year))
        person = self.person(place, address, female=female, ages=ages, **extra)
        self.plan.adults.append(person)
        return person

    def _education(self, born_year: int) -> str:
        r = self.rng.random()
        if born_year < 1960:
            return Education.NONE if r < 0.35 else Education.PRIMARY if r < 0.8 else Education.JUNIOR
        if born_year < 1985:
            return Education.PRIMARY if r < 0.2 else Education.JUNIOR if r < 0.65 else Education.SENIOR
        return Education.JUNIOR if r < 0.3 else Education.SENIOR if r < 0.65 else Education.COLLEGE

    def child(
        self,
        family: Family,
        guardian: Person,
        relation: str,
        *,
        surname: str,
        ages: tuple[int, int] = (1, 17),
        residence_years: int | None = None,
        dropout_share: float = 0.0,
    ) -> Person:
        female = self.rng.random() < 0.48
        child = self.person(
            family.place,
            family.address,
            surname=surname,
            female=female,
            ages=ages,
            phone=False,
            guardian=guardian,
            guardian_relation=relation,
            guardian_phone=guardian.phone,
            ethnicity=guardian.ethnicity,
        )
        age = _age(child.birth_date, SCHOOL_YEAR)
        if age >= 3:
            child.school = self.school(family.place, age)
            child.grade = GRADES[min(age, 17)]
            child.education = Education.NONE if age < 6 else Education.PRIMARY if age < 12 else Education.JUNIOR
            child.employment = Employment.PRESCHOOL if age < 6 else Employment.STUDENT
        else:
            child.employment = Employment.PRESCHOOL
        if age >= 13 and self.rng.random() < dropout_share:
            child.dropped_out = True
            child.employment = Employment.OTHER
            child.notes = "已辍学,学校与社区正在劝返"
        if residence_years is not None:
            child.residence_years = max(1, min(residence_years, _age(child.birth_date, TODAY) or 1))
        family.members.append((child, Relation.CHILD if relation in ("mother", "father") else Relation.GRANDCHILD))
        self.plan.children.append(child)
        return child

    def school(self, place: Place, age: int) -> str:
        town = place.street.name
        if age < 6:
            return f"{place.unit.name.removesuffix('社区').removesuffix('村')}幼儿园"
        if age < 12:
            return f"{town.removesuffix('街道')}小学" if place.urban else f"{town}中心小学"
        if age < 15:
            return self.rng.choice(("示范区第一中学", "示范区第二中学")) if place.urban else f"{town}初级中学"
        return self.rng.choice(("示范区高级中学", "示范区职业高级中学"))

    def category(self, person: Person, code: str, *, earliest: dt.date | None = None) -> None:
        set_on = self.set_on(max(person.birth_date or TODAY, earliest or dt.date.min))
        self.plan.categories.append((person, code, set_on, None, ""))

    def family(self, place: Place, head: Person, address: str) -> Family:
        family = Family(place=place, address=address, head=head)
        self.plan.families.append(family)
        return family

    # --- the registers

    def migrant_families(self) -> None:
        """新居民 families in the communities (some in villages), 941 流动儿童 between them."""
        made = 0
        former = 0
        while made < MIGRANT_CHILDREN:
            place = self.place(0.85)
            address = self.address(place)
            years = self.rng.randint(1, 12)
            surname = self.surname()
            ethnicity = self.ethnicity(0.08)
            father = self.adult(
                place,
                address,
                female=False,
                ages=(28, 48),
                surname=surname,
                employment=self.rng.choice([Employment.EMPLOYED, Employment.SELF, Employment.EMPLOYED]),
                residence_years=years,
                ethnicity=ethnicity,
            )
            mother = self.adult(
                place,
                address,
                female=True,
                ages=(26, 45),
                employment=self.rng.choice([Employment.EMPLOYED, Employment.SELF, Employment.UNEMPLOYED]),
                residence_years=years,
                ethnicity=ethnicity,
            )
            family = self.family(place, father, address)
            family.members.append((mother, Relation.SPOUSE))
            for parent in (father, mother):
                self.category(parent, "new_resident")
            n = min(self.rng.choice((1, 1, 1, 2, 2, 3)), MIGRANT_CHILDREN - made)
            for _ in range(n):
                guardian, relation = (mother, "mother") if self.rng.random() < 0.6 else (father, "father")
                child = self.child(
                    family, guardian, relation, surname=surname, residence_years=years, dropout_share=0.06
                )
                came = TODAY - dt.timedelta(days=365 * years)
                self.category(child, "migrant_child", earliest=came)
                if former < FORMER_LEFT_BEHIND and _age(child.birth_date, TODAY) >= 8 and years <= 4:
                    # Left behind in the home village before the parents brought her here: the
                    # register keeps that history, closed on the day she came.
                    self.plan.categories.append(
                        (child, "left_behind_child", came - dt.timedelta(days=900), came, "随父母到城区居住")
                    )
                    former += 1
                made += 1

    def left_behind_families(self) -> None:
        """Grandparents caring for 494 留守儿童 in the villages (some in communities); the parents
        work away and are registered at home with a note."""
        made = 0
        while made < LEFT_BEHIND_CHILDREN:
            place = self.place(0.2)
            address = self.address(place)
            surname = self.surname()
            grandfather = None
            grandmother = self.adult(
                place, address, female=True, ages=(55, 78), employment=Employment.FARMING, phone=True
            )
            if self.rng.random() < 0.6:
                grandfather = self.adult(
                    place, address, female=False, ages=(58, 80), surname=surname, employment=Employment.FARMING
                )
            head = grandfather or grandmother
            family = self.family(place, head, address)
            if grandfather is not None:
                family.members.append((grandmother, Relation.SPOUSE))
            away = self.rng.choice(PROVINCES_AWAY)
            father = self.adult(
                place,
                address,
                female=False,
                ages=(27, 45),
                surname=surname,
                employment=Employment.EMPLOYED,
                notes=f"在{away}务工",
            )
            family.members.append((father, Relation.CHILD))
            if self.rng.random() < 0.8:
                mother = self.adult(
                    place, address, female=True, ages=(25, 43), employment=Employment.EMPLOYED, notes=f"在{away}务工"
                )
                family.members.append((mother, Relation.OTHER))  # the head's daughter-in-law
            n = min(self.rng.choice((1, 1, 2, 2, 3)), LEFT_BEHIND_CHILDREN - made)
            for _ in range(n):
                child = self.child(family, grandmother, "grandparent", surname=surname, ages=(2, 16))
                self.category(child, "left_behind_child")
                if self.rng.random() < 0.08:
                    self.category(child, "hardship_child")
                made += 1
            if self.rng.random() < 0.1:
                self.category(grandmother, "dibao")

    def single_parent_families(self) -> None:
        made = 0
        while made < SINGLE_PARENT_CHILDREN:
            place = self.place(0.6)
            address = self.address(place)
            female = self.rng.random() < 0.8
            parent = self.adult(
                place,
                address,
                female=female,
                ages=(28, 50),
                employment=self.rng.choice([Employment.EMPLOYED, Employment.UNEMPLOYED, Employment.SELF]),
            )
            family = self.family(place, parent, address)
            self.category(parent, "single_parent_family")
            hardship = self.rng.random() < 0.35
            if female and hardship:
                self.category(parent, "hardship_woman")
            # A single mother's children mostly carry their father's surname.
            own = _surname_of(parent.name)
            surname = own if not female or self.rng.random() < 0.3 else self.surname()
            n = min(self.rng.choice((1, 1, 2)), SINGLE_PARENT_CHILDREN - made)
            for _ in range(n):
                child = self.child(family, parent, "mother" if female else "father", surname=surname, ages=(1, 17))
                self.category(child, "single_parent_child")
                if hardship:
                    self.category(child, "hardship_child")
                made += 1

    def dibao_households(self) -> None:
        for _ in range(DIBAO_HOUSEHOLDS):
            place = self.place(0.4)
            address = self.address(place)
            female = self.rng.random() < 0.65
            head = self.adult(
                place,
                address,
                female=female,
                ages=(35, 70),
                employment=self.rng.choice([Employment.UNEMPLOYED, Employment.FARMING, Employment.OTHER]),
            )
            family = self.family(place, head, address)
            self.category(head, "dibao")
            if female:
                self.category(head, "hardship_woman")
            if self.rng.random() < 0.25:
                self.category(head, "disabled")
            if _age(head.birth_date, TODAY) < 55 and self.rng.random() < 0.7:
                relation = "mother" if female else "father"
                for _ in range(self.rng.choice((1, 2))):
                    child = self.child(family, head, relation, surname=_surname_of(head.name), ages=(3, 17))
                    self.category(child, "hardship_child")

    def laid_off_women(self) -> None:
        for _ in range(LAID_OFF_WOMEN):
            place = self.place(0.75)
            address = self.address(place)
            woman = self.adult(place, address, female=True, ages=(35, 55), employment=Employment.UNEMPLOYED)
            self.category(woman, "laid_off")
            family = self.family(place, woman, address)
            if self.rng.random() < 0.7:
                husband = self.adult(place, address, female=False, ages=(37, 60), employment=Employment.EMPLOYED)
                family.members.append((husband, Relation.SPOUSE))
            if self.rng.random() < 0.15:
                self.category(woman, "hardship_woman")

    def hardship_women(self) -> None:
        for _ in range(HARDSHIP_WOMEN_ALONE):
            place = self.place(0.5)
            address = self.address(place)
            woman = self.adult(
                place,
                address,
                female=True,
                ages=(30, 65),
                employment=self.rng.choice([Employment.UNEMPLOYED, Employment.FARMING, Employment.OTHER]),
                notes=self.rng.choice(("本人患病,需长期治疗", "丈夫病故,独自赡养老人", "家庭遭遇意外,收入中断")),
            )
            self.family(place, woman, address)
            self.category(woman, "hardship_woman")
            if self.rng.random() < 0.3:
                self.category(woman, "disabled")

    def empty_nest(self) -> None:
        for _ in range(EMPTY_NEST_HOUSEHOLDS):
            place = self.place(0.5)
            address = self.address(place)
            female = self.rng.random() < 0.6
            first = self.adult(
                place,
                address,
                female=female,
                ages=(62, 92),
                employment=Employment.RETIRED,
                phone=self.rng.random() < 0.8,
            )
            family = self.family(place, first, address)
            self.category(first, "empty_nest_elder")
            if self.rng.random() < 0.55:
                spouse = self.adult(
                    place, address, female=not female, ages=(62, 92), employment=Employment.RETIRED, phone=False
                )
                family.members.append((spouse, Relation.SPOUSE))
                self.category(spouse, "empty_nest_elder")

    def build(self) -> Plan:
        self.migrant_families()
        self.left_behind_families()
        self.single_parent_families()
        self.dibao_households()
        self.laid_off_women()
        self.hardship_women()
        self.empty_nest()
        return self.plan


def _surname_of(name: str) -> str:
    return name[:2] if name[:2] in SURNAMES else name[:1]


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age(born: dt.date | None, on: dt.date) -> int:
    if born is None:
        return 0
    return on.year - born.year - int((on.month, on.day) < (born.month, born.day))


# --- writing --------------------------------------------------------------------------------------


def _bulk(model: Any, rows: Sequence[Any]) -> list[Any]:
    return model.objects.bulk_create(rows, batch_size=500)


def plan_demo_people(district: Unit) -> Plan:
    return Planner(district).build()


def write_plan(plan: Plan, *, actor: Any = None) -> None:
    """Write the planned rows: adults, then the children (their guardians have ids by then),
    households and members, categories with their history."""
    creator = actor if getattr(actor, "pk", None) else None
    for person in plan.persons:
        person.created_by = creator
    _bulk(Person, plan.adults)
    _bulk(Person, plan.children)  # bulk_create takes each guardian's new id from the saved object
    households = [
        Household(unit=f.place.unit, unit_path=f.place.unit.path, address=f.address, head=f.head) for f in plan.families
    ]
    _bulk(Household, households)
    members = [
        HouseholdMember(household=h, person=person, relation=relation)
        for h, f in zip(households, plan.families, strict=True)
        for person, relation in [(f.head, Relation.HEAD), *f.members]
    ]
    _bulk(HouseholdMember, members)
    ensure_default_categories()
    codes = {c.code: c for c in Category.objects.filter(unit__isnull=True)}
    _bulk(
        PersonCategory,
        [
            PersonCategory(
                person=person,
                category=codes[code],
                set_on=set_on,
                set_by=creator,
                ended_on=ended_on,
                ended_by=creator if ended_on else None,
                end_reason=reason,
            )
            for person, code, set_on, ended_on, reason in plan.categories
        ],
    )
    counts.recount({p.unit_id for p in plan.persons})


def already_there(plan: Plan) -> bool:
    """Whether the demo people are in the database (any of their ID numbers is registered)."""
    hashes = [p.id_hash for p in plan.persons if p.id_hash]
    return any(Person.objects.filter(id_hash__in=hashes[i : i + 500]).exists() for i in range(0, len(hashes), 500))


def build_demo_people(district: Unit, *, actor: Any = None) -> int:
    """Add the demo people of 示范区 once; returns how many persons were added (0: already there).
    Call inside a transaction (seed_demo does)."""
    plan = plan_demo_people(district)
    if already_there(plan):
        return 0
    write_plan(plan, actor=actor)
    return len(plan.persons)


def describe(district: Unit) -> str:
    """One line for seed_demo: how many persons are in each category in the district."""
    from django.db.models import Count

    from jinguo.core.tree import under

    rows = (
        PersonCategory.objects.filter(ended_on__isnull=True)
        .filter(under("person__unit_path", district.path))
        .values("category__name")
        .annotate(n=Count("id"))
        .order_by("category__sort")
    )
    return "、".join(f"{r['category__name']} {r['n']}" for r in rows)
