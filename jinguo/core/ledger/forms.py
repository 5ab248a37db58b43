"""The upload form of the import wizard."""

from __future__ import annotations

from typing import Any

from django import forms

from jinguo.orgs.picker import UnitChoiceField

from .registry import Register


class UploadForm(forms.Form):
    file = forms.FileField(
        label="台账文件",
        help_text="支持 .xlsx、.xls、.csv(UTF-8 或 GBK);表头可以在标题行下面,可以是合并单元格",
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.xls,.csv"}),
    )
    unit = UnitChoiceField(
        label="默认所属单位",
        required=False,
        help_text="“所属单位”一列为空(或表格没有这一列)时,新登记的人员归入这个单位",
        error_messages={"invalid_choice": "默认所属单位不存在或不在您的管理范围内"},
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args: Any, user: Any, register: Register, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        assert isinstance(unit, UnitChoiceField)
        unit.offer(user, "unit", register.import_perm, open_only=True, blank="(不指定)", selected=self.data.get("unit"))
