"""The upload form of the import wizard."""

from __future__ import annotations

from typing import Any

from django import forms

from jinguo.orgs.models import Unit

from .registry import Register

MAX_UNIT_CHOICES = 1000


class UploadForm(forms.Form):
    file = forms.FileField(
        label="台账文件",
        help_text="支持 .xlsx、.xls、.csv(UTF-8 或 GBK);表头可以在标题行下面,可以是合并单元格",
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.xls,.csv"}),
    )
    unit = forms.TypedChoiceField(
        label="默认所属单位",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="“所属单位”一列为空(或表格没有这一列)时,新登记的人员归入这个单位",
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args: Any, user: Any, register: Register, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.for_user(user, perm=register.import_perm).open().order_by("path")
        top = min((u.depth for u in units[:1]), default=1)
        choices: list[tuple[Any, str]] = [("", "(不指定)")]
        for unit in units.only("id", "name", "depth", "path")[:MAX_UNIT_CHOICES]:
            choices.append((unit.pk, "\u3000" * max(unit.depth - top, 0) + unit.name))
        field = self.fields["unit"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = choices
