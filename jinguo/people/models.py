"""The registry of people and households (DOMAIN.md §7-8): one person, one record."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from jinguo.core.crypto import EncryptedTextField, blind_index
from jinguo.core.models import DictionaryEntry, ScopedModel, ScopedQuerySet, user_stamp

from . import pinyin

ID_PURPOSE = "person.id_number"
PHONE_PURPOSE = "person.phone"


class Gender(models.TextChoices):
    FEMALE = "F", "女"
    MALE = "M", "男"


class Education(models.TextChoices):
    NONE = "none", "未上学"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    SENIOR = "senior", "高中/中专"
    COLLEGE = "college", "大专"
    BACHELOR = "bachelor", "本科"
    POSTGRAD = "postgrad", "研究生"


class Employment(models.TextChoices):
    EMPLOYED = "employed", "在业"
    FARMING = "farming", "务农"
    SELF = "self", "个体经营"
    UNEMPLOYED = "unemployed", "失业/下岗"
    RETIRED = "retired", "退休"
    STUDENT = "student", "在校学生"
    PRESCHOOL = "preschool", "学龄前"
    OTHER = "other", "其他"


class Relation(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    PARENT = "parent", "父母"
    GRANDCHILD = "grandchild", "孙子女"
    GRANDPARENT = "grandparent", "祖父母/外祖父母"
    SIBLING = "sibling", "兄弟姐妹"
    OTHER = "other", "其他"


class GuardianRelation(models.TextChoices):
    MOTHER = "mother", "母亲"
    FATHER = "father", "父亲"
    GRANDPARENT = "grandparent", "祖父母/外祖父母"
    RELATIVE = "relative", "其他亲属"
    OTHER = "other", "其他"


CHILD_AGE = 18


class Category(DictionaryEntry):
    """A category of the dictionary (留守儿童, 困难妇女 …); a district may add its own."""

    for_children = models.BooleanField("儿童类别", default=False)

    class Meta(DictionaryEntry.Meta):
        verbose_name = "人员类别"
        verbose_name_plural = "人员类别"
        constraints = [models.UniqueConstraint(fields=["code"], name="category_code_unique")]


class CategoryDictionary:
    """Category.objects.available_to(unit) for many units, from one query: code -> category."""

    def __init__(self) -> None:
        self.entries = list(Category.objects.filter(is_active=True).select_related("unit"))
        self.by_unit: dict[int, dict[str, Category]] = {}

    def for_unit(self, unit: Any) -> dict[str, Category]:
        if unit.pk not in self.by_unit:
            self.by_unit[unit.pk] = {
                c.code: c for c in self.entries if c.unit is None or unit.path.startswith(c.unit.path)
            }
        return self.by_unit[unit.pk]


SEALED = re.compile(r"(id|phone):([0-9a-f]{40})")


def sealed_term(term: str) -> str | None:
    """A whole ID number or phone number as a search key that names it without showing it (its
    blind index), for the address bar, the browser history and the server's logs; None for a
    term that is neither."""
    from jinguo.core.excel import normalise

    compact = str(normalise(term)).strip().replace(" ", "")
    if len(compact) in (15, 18) and compact[:-1].isdigit():
        return f"id:{blind_index(compact, purpose=ID_PURPOSE)}"
    if compact.isdigit() and len(compact) >= 7:
        return f"phone:{blind_index(compact, purpose=PHONE_PURPOSE)}"
    return None


class PersonQuerySet(ScopedQuerySet):
    def search(self, term: str) -> PersonQuerySet:
        """Name (exact or prefix), pinyin initials, a whole ID number, the last 4 digits of the ID
        plus a name ('1234 张'), or a phone number; or a search key of `sealed_term`."""
        from jinguo.core.excel import normalise

        term = str(normalise(term)).strip()
        if not term:
            return self
        sealed = SEALED.fullmatch(term)
        if sealed:
            field = "id_hash" if sealed.group(1) == "id" else "phone_hash"
            return self.filter(**{field: sealed.group(2)})
        parts = term.split()
        if len(parts) == 2 and any(p.isdigit() or p[:-1].isdigit() for p in parts):
            digits, name = (parts[0], parts[1]) if parts[0][:-1].isdigit() else (parts[1], parts[0])
            if len(digits) == 4:
                return self.filter(id_last4=digits.upper(), name__startswith=name)
        compact = term.replace(" ", "")
        if len(compact) in (15, 18) and compact[:-1].isdigit():
            return self.filter(id_hash=blind_index(compact, purpose=ID_PURPOSE))
        if compact.isdigit() and len(compact) >= 7:
            return self.filter(phone_hash=blind_index(compact, purpose=PHONE_PURPOSE))
        if compact.isascii() and compact.isalpha():
            return self.filter(name_initials__startswith=compact.lower())
        return self.filter(name__startswith=compact)

    def in_category(self, code: str) -> PersonQuerySet:
        """Persons with an open record in the category: a semi-join, no DISTINCT (docs/performance.md)."""
        category = Category.objects.filter(code=code).values("pk")[:1]
        members = PersonCategory.objects.filter(category_id=models.Subquery(category), ended_on__isnull=True)
        return self.filter(pk__in=members.values("person_id"))

    def aged(self, low: int | None, high: int | None, *, today: dt.date | None = None) -> PersonQuerySet:
        """Age in whole years between low and high (inclusive); None leaves that side open."""
        today = today or timezone.localdate()
        qs = self
        if low is not None:
            qs = qs.filter(birth_date__lte=_years_before(today, low))
        if high is not None:
            qs = qs.filter(birth_date__gt=_years_before(today, high + 1))
        return qs


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def derived_columns(name: str, id_number: str | None, phone: str | None, unit_path: str) -> dict[str, Any]:
    """The columns of a person derived from the others (Person.fill_derived), by attribute name."""
    name = name.strip()
    initials, syllables = pinyin.readings(name)
    return {
        "name": name,
        "name_initials": initials,
        "name_pinyin": syllables,
        "id_hash": blind_index(id_number, purpose=ID_PURPOSE),
        "id_last4": (id_number or "")[-4:].upper(),
        "phone_hash": blind_index(phone, purpose=PHONE_PURPOSE),
        "unit_path": unit_path,
    }


class Person(ScopedModel):
    name = models.CharField("姓名", max_length=50)
    name_initials = models.CharField("拼音首字母", max_length=50, editable=False)
    name_pinyin = models.CharField("拼音", max_length=200, editable=False, blank=True)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    id_number = EncryptedTextField("身份证号", null=True, blank=True)
    id_hash = models.CharField(max_length=40, null=True, blank=True, editable=False)
    id_last4 = models.CharField(max_length=4, blank=True, editable=False)
    phone = EncryptedTextField("联系电话", blank=True, default="")
    phone_hash = models.CharField(max_length=40, null=True, blank=True, editable=False)
    address = EncryptedTextField("住址", blank=True, default="")
    ethnicity = models.CharField("民族", max_length=20, blank=True, default="汉族")
    education = models.CharField("文化程度", max_length=20, choices=Education.choices, blank=True)
    employment = models.CharField("就业状况", max_length=20, choices=Employment.choices, blank=True)
    notes = EncryptedTextField("备注", blank=True, default="")
    # children
    guardian = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="wards", verbose_name="监护人"
    )
    # A guardian who is not registered herself (the name as a ledger gives it); `guardian` wins when set.
    guardian_name = models.CharField("监护人姓名", max_length=50, blank=True, default="")
    guardian_relation = models.CharField("与监护人关系", max_length=20, choices=GuardianRelation.choices, blank=True)
    guardian_phone = EncryptedTextField("监护人电话", blank=True, default="")
    school = models.CharField("学校", max_length=100, blank=True)
    grade = models.CharField("年级", max_length=20, blank=True)
    dropped_out = models.BooleanField("已辍学", default=False)
    residence_years = models.PositiveSmallIntegerField("居住年限", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    created_by = user_stamp()  # no constraint, no index (core.models.user_stamp)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # ScopedModel's, without its two indexes (plain and pattern ops): (unit_path, name) serves the
    # subtree range; every index is written for each of an import's 100,000 rows
    unit_path = models.CharField(max_length=255, editable=False)

    objects = PersonQuerySet.as_manager()  # type: ignore[misc]  # a subclass of the scoped queryset

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        # Declared here rather than with db_index/unique, which on PostgreSQL give every CharField a
        # second, varchar_pattern_ops twin. A pattern-ops btree answers equality and prefixes
        # (LIKE 'x%') whatever the collation; SQLite ignores opclasses. docs/performance.md.
        indexes = [
            # the subtree range (core.tree.under) and the list's order; no index on unit_path alone
            models.Index(fields=["unit_path", "name"]),
            # a name, exact or by prefix, and the ledger's look-up by name, birth date and unit
            models.Index(
                fields=["name", "birth_date", "unit"],
                name="person_name_born_unit",
                opclasses=["varchar_pattern_ops", "date_ops", "int8_ops"],
            ),
            models.Index(fields=["name_initials"], name="person_initials_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(
                fields=["id_last4", "name"],
                name="person_last4_name",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["phone_hash"], name="person_phone_hash"),
        ]
        constraints = [models.UniqueConstraint(fields=["id_hash"], name="person_id_hash_unique")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.fill_derived()
        super().save(*args, **kwargs)

    def fill_derived(self) -> Person:
        """Set the columns derived from the others: the stripped name, its pinyin initials and
        syllables, the blind indexes of the ID number and the phone, the ID's last 4 characters and
        the unit's path. save() calls it; bulk writers (ledger import, demo, benchmarks) call it
        before bulk_create so that they write the rows save() would."""
        for attname, value in derived_columns(self.name, self.id_number, self.phone, self.unit.path).items():
            setattr(self, attname, value)
        return self

    def age(self, today: dt.date | None = None) -> int | None:
        if self.birth_date is None:
            return None
        today = today or timezone.localdate()
        before_birthday = (today.month, today.day) < (self.birth_date.month, self.birth_date.day)
        return today.year - self.birth_date.year - int(before_birthday)

    @property
    def is_child(self) -> bool:
        age = self.age()
        return age is not None and age < CHILD_AGE


class PersonCategory(models.Model):
    """A person's place in a category, with its history: set on a date by someone, left later."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="categories")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+", verbose_name="类别")
    set_on = models.DateField("认定日期")
    set_by = user_stamp()  # who set and ended it: no constraint, no index (core.models.user_stamp)
    ended_on = models.DateField("退出日期", null=True, blank=True)
    ended_by = user_stamp()
    end_reason = models.CharField("退出原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "人员类别记录"
        verbose_name_plural = "人员类别记录"
        ordering = ["-set_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "category"], condition=Q(ended_on__isnull=True), name="one_open_category_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.category}"


class RegistryCount(ScopedModel):
    """How many persons a unit holds: in all (`key` "") and in each open category (`key` the
    category's code). Summed over a subtree it answers the counts of the person list without
    counting millions of rows (docs/performance.md). Kept by people.counts from people.actions;
    `manage.py recount_people` rebuilds it from the records."""

    derived = True  # not a record of its own: a unit holding only these rows is empty
    key = models.CharField(max_length=40, blank=True)
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = "人员计数"
        verbose_name_plural = "人员计数"
        constraints = [models.UniqueConstraint(fields=["unit", "key"], name="one_count_per_unit_and_key")]

    def __str__(self) -> str:
        return f"{self.unit_id}:{self.key or '*'}={self.count}"


class Household(ScopedModel):
    address = EncryptedTextField("住址", blank=True, default="")
    head = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="户主"
    )
    notes = models.TextField("备注", blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "家庭"
        verbose_name_plural = "家庭"

    def __str__(self) -> str:
        return f"{self.head.name}家" if self.head else f"家庭 #{self.pk}"


class HouseholdMember(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="households")
    relation = models.CharField("与户主关系", max_length=20, choices=Relation.choices)

    class Meta:
        verbose_name = "家庭成员"
        verbose_name_plural = "家庭成员"
        constraints = [models.UniqueConstraint(fields=["household", "person"], name="one_membership_per_household")]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_relation_display()})"
