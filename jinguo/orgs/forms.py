from __future__ import annotations

from typing import Any

from django import forms

from .models import Unit, UnitKind


class UnitForm(forms.Form):
    name = forms.CharField(label="单位名称", max_length=100)
    kind = forms.ChoiceField(label="单位类型", choices=UnitKind.choices)
    division_code = forms.CharField(
        label="区划代码", max_length=12, required=False, help_text="12位统计用区划代码,可不填"
    )
    federation_established = forms.BooleanField(label="已建立妇联组织", required=False)
    federation_since = forms.DateField(label="建立时间", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    address = forms.CharField(label="地址", max_length=200, required=False)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    notes = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-check-input" if name == "federation_established" else "form-control"
            if name == "kind":
                css = "form-select"
            field.widget.attrs.setdefault("class", css)

    @classmethod
    def for_unit(cls, unit: Unit, data: Any = None) -> UnitForm:
        initial = {k: getattr(unit, k) for k in cls.base_fields}
        initial["division_code"] = unit.division_code or ""
        return cls(data=data, initial=initial)


class MoveForm(forms.Form):
    new_parent = forms.IntegerField(label="新的上级单位", widget=forms.HiddenInput)


class CloseForm(forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=200, widget=forms.TextInput(attrs={"class": "form-control"}))


class ImportForm(forms.Form):
    file = forms.FileField(
        label="组织名单文件",
        help_text="支持 .xlsx、.xls、.csv;须有“单位名称”“单位类型”“上级单位”三列,可另有“区划代码”“是否建立妇联”",
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.xls,.csv"}),
    )
