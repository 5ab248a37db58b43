"""Forms of the person registry. They only parse what was typed; every rule lives in actions."""

from __future__ import annotations

import unicodedata
from typing import Any, cast

from django import forms

from jinguo.accounts.permissions import Perm
from jinguo.core.crypto import mask_address, mask_id_number, mask_phone
from jinguo.core.forms import style
from jinguo.orgs.models import Unit
from jinguo.orgs.picker import UnitChoiceField

from .actions import SENSITIVE_FIELDS
from .models import Education, Employment, Gender, GuardianRelation, Relation

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PLACEHOLDER_MASKS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "address": mask_address,
    "guardian_phone": mask_phone,
}
CHILD_FIELDS = (
    "guardian",
    "guardian_name",
    "guardian_relation",
    "guardian_phone",
    "school",
    "grade",
    "dropped_out",
    "residence_years",
)


def _blank(choices: Any, label: str = "—") -> list[tuple[str, str]]:
    return [("", label), *choices]


def _choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    cast(forms.ChoiceField, form.fields[name]).choices = choices


class PersonForm(forms.Form):
    unit = UnitChoiceField(
        label="所属单位(社区/村)",
        error_messages={"required": "请选择所属单位", "invalid_choice": "所属单位不存在或不在您的管理范围内"},
    )
    name = forms.CharField(label="姓名", max_length=50, error_messages={"required": "请填写姓名"})
    id_number = forms.CharField(
        label="身份证号", max_length=30, required=False, help_text="填写后出生日期和性别以身份证号为准"
    )
    gender = forms.ChoiceField(label="性别", choices=_blank(Gender.choices), required=False)
    birth_date = forms.DateField(label="出生日期", required=False, widget=DATE)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    address = forms.CharField(label="住址", max_length=200, required=False)
    ethnicity = forms.CharField(label="民族", max_length=20, required=False, initial="汉族")
    education = forms.ChoiceField(label="文化程度", choices=_blank(Education.choices), required=False)
    employment = forms.ChoiceField(label="就业状况", choices=_blank(Employment.choices), required=False)
    notes = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    categories = forms.MultipleChoiceField(
        label="人员类别", required=False, widget=forms.CheckboxSelectMultiple, choices=[]
    )
    # children
    guardian = forms.IntegerField(label="监护人", required=False, widget=forms.HiddenInput)
    guardian_name = forms.CharField(
        label="监护人姓名(未登记为人员时)", max_length=50, required=False, help_text="已选择登记在册的监护人时不必填写"
    )
    guardian_relation = forms.ChoiceField(
        label="与监护人关系", choices=_blank(GuardianRelation.choices), required=False
    )
    guardian_phone = forms.CharField(label="监护人电话", max_length=30, required=False)
    school = forms.CharField(label="学校", max_length=100, required=False)
    grade = forms.CharField(label="年级", max_length=20, required=False)
    dropped_out = forms.BooleanField(label="已辍学", required=False)
    residence_years = forms.IntegerField(
        label="居住年限(年)",
        required=False,
        min_value=0,
        max_value=120,
        help_text="新居民(流动)家庭在本地居住的年数",
        error_messages={"min_value": "居住年限不能为负数", "max_value": "居住年限不能超过120年"},
    )
    clear = forms.MultipleChoiceField(label="清空以下信息", required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(
        self,
        *args: Any,
        user: Any,
        categories: list[Any] | None = None,
        person: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        unit = cast(UnitChoiceField, self.fields["unit"])
        selected = self.data.get("unit") if self.is_bound else self.initial.get("unit")
        unit.offer(user, "unit", Perm.EDIT_RECORDS, open_only=True, blank="请选择所属单位", selected=selected)
        if person is not None and not unit.queryset.filter(pk=person.unit_id).exists():
            # her unit was closed since: she may stay there (the unit is hers), not be moved into it
            unit.queryset = Unit.objects.filter(pk=person.unit_id) | unit.queryset
            unit.choices = [*cast(list[tuple[str, str]], unit.choices), (str(person.unit_id), person.unit.name)]
        self.fields["id_number"].error_messages["max_length"] = "身份证号应为18位"
        if person is None:
            _choices(self, "categories", [(c.code, c.name) for c in categories or []])
            del self.fields["clear"]
        else:
            del self.fields["categories"]
            # An edit form never shows a whole sensitive value: blank keeps it, a new value replaces it.
            held = [(k, v) for k, v in SENSITIVE_FIELDS.items() if getattr(person, k)]
            _choices(self, "clear", held)
            if not held:
                del self.fields["clear"]
            for key in SENSITIVE_FIELDS:
                value = getattr(person, key)
                self.fields[key].help_text = "留空则保持不变" if value else ""
                if value and key in PLACEHOLDER_MASKS:
                    self.fields[key].widget.attrs["placeholder"] = PLACEHOLDER_MASKS[key](value)
        style(self)

    @classmethod
    def for_person(cls, person: Any, data: Any = None, **kwargs: Any) -> PersonForm:
        initial = {
            key: getattr(person, key)
            for key in (
                "name",
                "gender",
                "birth_date",
                "ethnicity",
                "education",
                "employment",
                "guardian_name",
                "guardian_relation",
                "school",
                "grade",
                "dropped_out",
                "residence_years",
            )
        }
        initial["unit"] = str(person.unit_id)
        initial["guardian"] = person.guardian_id
        return cls(data=data, initial=initial, person=person, **kwargs)

    def clean_id_number(self) -> str:
        # full-width digits and X from a Chinese keyboard
        return unicodedata.normalize("NFKC", self.cleaned_data["id_number"]).strip().replace(" ", "").upper()

    def clean_phone(self) -> str:
        return unicodedata.normalize("NFKC", self.cleaned_data["phone"]).strip()

    def clean_guardian_phone(self) -> str:
        return unicodedata.normalize("NFKC", self.cleaned_data["guardian_phone"]).strip()

    def changes(self, *, is_child: bool) -> dict[str, Any]:
        """What to hand to the action: on an edit, the sensitive fields only when typed or cleared,
        birth date and gender only when changed (a new ID number sets them)."""
        data = dict(self.cleaned_data)
        data.pop("unit", None)
        data.pop("categories", None)
        cleared = set(data.pop("clear", None) or [])
        if not is_child:
            for key in CHILD_FIELDS:
                data.pop(key, None)
        if self.person is None:
            for key in ("id_number", "gender", "birth_date"):
                if not data.get(key):
                    data.pop(key, None)
            return data
        for key in SENSITIVE_FIELDS:
            if key not in data:
                continue
            if key in cleared:
                data[key] = None if key == "id_number" else ""
            elif not data[key]:
                del data[key]
        for key in ("gender", "birth_date"):
            if key not in self.changed_data or not data.get(key):
                data.pop(key, None)
        return data


class CategoryForm(forms.Form):
    code = forms.ChoiceField(label="类别", error_messages={"required": "请选择类别"})
    set_on = forms.DateField(label="认定日期", required=False, widget=DATE)

    def __init__(self, *args: Any, categories: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "code", _blank([(c.code, c.name) for c in categories], "请选择类别"))
        self.fields["code"].widget.attrs.update({"class": "form-select form-select-sm w-auto", "aria-label": "类别"})
        style(self)


class EndCategoryForm(forms.Form):
    reason = forms.CharField(label="退出原因", max_length=200, error_messages={"required": "请填写退出原因"})
    ended_on = forms.DateField(label="退出日期", required=False, widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class HouseholdForm(forms.Form):
    address = forms.CharField(label="家庭住址", max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class MemberForm(forms.Form):
    person = forms.IntegerField(label="成员", error_messages={"required": "请先搜索并选择一位人员"})
    relation = forms.ChoiceField(
        label="与户主关系",
        choices=_blank([c for c in Relation.choices if c[0] != Relation.HEAD], "请选择"),
        error_messages={"required": "请选择与户主关系"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)
