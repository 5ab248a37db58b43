"""Forms of the case pages. They parse what was typed; every rule lives in the actions."""

from __future__ import annotations

from typing import Any

from django import forms

from jinguo.accounts.permissions import Perm
from jinguo.core.forms import style
from jinguo.orgs.picker import UnitChoiceField
from jinguo.people.models import Gender

from .models import (
    RISK_FACTORS,
    CaseCategory,
    Channel,
    Colour,
    DocumentTemplate,
    FollowUpWay,
    Kind,
    Outcome,
    PartyRole,
    ReferralTo,
    Urgency,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXT = forms.Textarea(attrs={"rows": 4})
SHORT = forms.Textarea(attrs={"rows": 2})
PARTY_ROWS = 3


def _blank(choices: Any, label: str = "—") -> list[tuple[str, str]]:
    return [("", label), *choices]


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class IntakeForm(StyledForm):
    """Fast enough for a phone call: what came in, who, what happened; the rest can wait."""

    unit = UnitChoiceField(
        label="登记单位",
        error_messages={"required": "请选择登记单位", "invalid_choice": "登记单位不存在或不在您的管理范围内"},
    )
    kind = forms.ChoiceField(label="类型", choices=Kind.choices, initial=Kind.PETITION)
    channel = forms.ChoiceField(label="来源渠道", choices=Channel.choices, initial=Channel.PHONE)
    received_at = forms.DateTimeField(
        label="登记时间", required=False, widget=DATETIME, help_text="留空为现在", input_formats=["%Y-%m-%dT%H:%M"]
    )
    category = forms.ChoiceField(label="类别", required=False, help_text="家庭暴力案件自动归入“家庭暴力”类")
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.NORMAL)
    who = forms.ChoiceField(
        label="当事人",
        choices=[("registered", "人员台账中已登记"), ("new", "新登记人员"), ("anonymous", "匿名")],
        initial="registered",
        widget=forms.RadioSelect,
    )
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    new_name = forms.CharField(label="姓名", max_length=50, required=False)
    new_gender = forms.ChoiceField(label="性别", choices=_blank(Gender.choices), required=False)
    new_phone = forms.CharField(label="联系电话", max_length=30, required=False)
    new_id_number = forms.CharField(label="身份证号", max_length=30, required=False)
    narrative = forms.CharField(label="事由(发生了什么)", widget=TEXT, error_messages={"required": "请填写事由"})
    request = forms.CharField(label="诉求", widget=SHORT, required=False)
    risk_factors = forms.MultipleChoiceField(
        label="风险因素(家庭暴力案件)",
        choices=[(k, v[0]) for k, v in RISK_FACTORS.items()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, user: Any, categories: list[CaseCategory], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        assert isinstance(unit, UnitChoiceField)
        selected = self.data.get("unit") if self.is_bound else self.initial.get("unit")
        unit.offer(user, "unit", Perm.EDIT_RECORDS, open_only=True, blank="请选择登记单位", selected=selected)
        self.fields["category"].choices = _blank([(c.code, c.name) for c in categories])  # type: ignore[attr-defined]
        for i in range(PARTY_ROWS):
            n = i + 1
            self.fields[f"party_{i}_name"] = forms.CharField(
                label="姓名",
                max_length=50,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": f"当事人{n}姓名", "aria-label": f"其他当事人{n}姓名"}),
            )
            self.fields[f"party_{i}_role"] = forms.ChoiceField(
                label="身份",
                choices=PartyRole.choices,
                required=False,
                widget=forms.Select(attrs={"aria-label": f"其他当事人{n}身份"}),
            )
            self.fields[f"party_{i}_relation"] = forms.CharField(
                label="与当事人关系",
                max_length=20,
                required=False,
                widget=forms.TextInput(
                    attrs={"placeholder": "与当事人关系,如丈夫", "aria-label": f"其他当事人{n}与当事人关系"}
                ),
            )
            self.fields[f"party_{i}_phone"] = forms.CharField(
                label="电话",
                max_length=30,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": "电话", "aria-label": f"其他当事人{n}电话"}),
            )
        style(self)

    def party_rows(self) -> list[list[Any]]:
        return [
            [self[f"party_{i}_{part}"] for part in ("name", "role", "relation", "phone")] for i in range(PARTY_ROWS)
        ]

    def parties(self) -> list[dict[str, str]]:
        out = []
        for i in range(PARTY_ROWS):
            name = (self.cleaned_data.get(f"party_{i}_name") or "").strip()
            if name:
                out.append(
                    {
                        "name": name,
                        "role": self.cleaned_data.get(f"party_{i}_role") or PartyRole.RESPONDENT,
                        "relation": self.cleaned_data.get(f"party_{i}_relation") or "",
                        "phone": self.cleaned_data.get(f"party_{i}_phone") or "",
                    }
                )
        return out


class CaseEditForm(StyledForm):
    category = forms.ChoiceField(label="类别")
    channel = forms.ChoiceField(label="来源渠道", choices=Channel.choices)
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices)
    narrative = forms.CharField(label="事由", widget=TEXT, error_messages={"required": "请填写事由"})
    request = forms.CharField(label="诉求", widget=SHORT, required=False)
    risk_factors = forms.MultipleChoiceField(
        label="风险因素",
        choices=[(k, v[0]) for k, v in RISK_FACTORS.items()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, categories: list[CaseCategory], violence: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c.code, c.name) for c in categories]  # type: ignore[attr-defined]
        if not violence:
            del self.fields["risk_factors"]


class AcceptForm(StyledForm):
    handler = forms.ChoiceField(label="承办人", error_messages={"required": "请选择承办人"})
    note = forms.CharField(label="说明", required=False, max_length=500)

    def __init__(self, *args: Any, handlers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handler"].choices = _blank(handlers, "请选择承办人")  # type: ignore[attr-defined]


class NoteForm(StyledForm):
    note = forms.CharField(label="说明", widget=SHORT, required=False)


class ReasonForm(StyledForm):
    reason = forms.CharField(label="理由", widget=SHORT, error_messages={"required": "请填写理由"})


class ReferForm(StyledForm):
    to = forms.ChoiceField(label="转介去向", choices=ReferralTo.choices)
    organisation = forms.CharField(label="接收单位", max_length=100, error_messages={"required": "请填写接收单位"})
    referred_on = forms.DateField(label="转介日期", widget=DATE, required=False)
    note = forms.CharField(label="转介说明", widget=SHORT, required=False)


class AnswerForm(StyledForm):
    answer = forms.CharField(label="反馈内容", widget=SHORT, error_messages={"required": "请填写反馈内容"})
    answered_on = forms.DateField(label="反馈日期", widget=DATE, required=False)


class FinishForm(StyledForm):
    outcome = forms.ChoiceField(
        label="办理结果", choices=_blank(Outcome.choices), error_messages={"required": "请选择办理结果"}
    )
    note = forms.CharField(label="办理情况", widget=SHORT, required=False)
    violence_stopped = forms.BooleanField(label="制止了家庭暴力", required=False)


class TransferForm(StyledForm):
    to_unit = forms.ChoiceField(label="转往单位", error_messages={"required": "请选择转往单位"})
    reason = forms.CharField(label="转办理由", widget=SHORT, error_messages={"required": "请填写转办理由"})

    def __init__(self, *args: Any, units: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].choices = _blank(units, "请选择上级或下级单位")  # type: ignore[attr-defined]


class PartyForm(StyledForm):
    # The case page draws these in one row without labels: the placeholders and aria-labels say
    # what goes where.
    name = forms.CharField(
        label="姓名",
        max_length=50,
        error_messages={"required": "请填写姓名"},
        widget=forms.TextInput(attrs={"placeholder": "姓名", "aria-label": "其他当事人姓名"}),
    )
    role = forms.ChoiceField(
        label="身份", choices=PartyRole.choices, widget=forms.Select(attrs={"aria-label": "其他当事人身份"})
    )
    relation = forms.CharField(
        label="与当事人关系",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "关系", "aria-label": "与当事人关系"}),
    )
    phone = forms.CharField(
        label="电话",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "电话", "aria-label": "其他当事人电话"}),
    )


class FollowUpForm(StyledForm):
    done_on = forms.DateField(label="回访日期", widget=DATE, required=False)
    way = forms.ChoiceField(
        label="回访方式", choices=_blank(FollowUpWay.choices), error_messages={"required": "请选择回访方式"}
    )
    result = forms.CharField(label="回访情况", widget=SHORT, error_messages={"required": "请填写回访情况"})
    satisfied = forms.ChoiceField(
        label="当事人是否满意", choices=[("", "未表态"), ("yes", "满意"), ("no", "不满意")], required=False
    )
    next_due = forms.DateField(label="下次回访日期(可不填)", widget=DATE, required=False)

    def satisfaction(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("satisfied") or "")


class ScheduleForm(StyledForm):
    due_on = forms.DateField(label="计划回访日期", widget=DATE, error_messages={"required": "请填写计划回访日期"})


class SessionForm(StyledForm):
    held_on = forms.DateField(label="调解日期", widget=DATE, error_messages={"required": "请填写调解日期"})
    place = forms.CharField(label="地点", max_length=100, error_messages={"required": "请填写调解地点"})
    parties_present = forms.CharField(label="到场当事人", widget=SHORT, required=False)
    outcome = forms.CharField(label="调解情况", widget=SHORT, required=False)


class AgreementForm(StyledForm):
    reached = forms.ChoiceField(label="是否达成协议", choices=[("yes", "达成协议"), ("no", "未达成协议")])
    terms = forms.CharField(label="协议内容", widget=TEXT, required=False)
    agreed_on = forms.DateField(label="协议日期", widget=DATE, required=False)


class MediatorsForm(StyledForm):
    users = forms.MultipleChoiceField(label="调解员(干部)", required=False, widget=forms.CheckboxSelectMultiple)
    persons = forms.CharField(required=False, widget=forms.HiddenInput)  # ids of volunteers, comma-separated

    def __init__(self, *args: Any, users: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["users"].choices = users  # type: ignore[attr-defined]


class TimeLimitForm(StyledForm):
    """`readonly`: shown to one who may not set them (the inputs disabled)."""

    def __init__(self, *args: Any, table: list[dict[str, Any]], readonly: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in table:
            name = f"{row['kind']}__{row['step']}"
            self.fields[name] = forms.IntegerField(
                label=f"{row['kind_label']} · {row['step_label']}",
                min_value=1,
                max_value=365,
                required=False,
                initial=row["days"] if row["own"] else None,
                widget=forms.NumberInput(attrs={"placeholder": str(row["days"])}),
                error_messages={"min_value": "时限应在1到365天之间", "max_value": "时限应在1到365天之间"},
                disabled=readonly,
            )
        style(self)


class TemplateUploadForm(StyledForm):
    purpose = forms.ChoiceField(label="模板用途", choices=DocumentTemplate.Purpose.choices)
    file = forms.FileField(label="Word 模板(.docx)", widget=forms.ClearableFileInput(attrs={"accept": ".docx"}))


class FamilyForm(StyledForm):
    colour = forms.ChoiceField(label="类别", choices=_blank(Colour.choices), error_messages={"required": "请选择类别"})
    reason = forms.CharField(label="列入原因", widget=SHORT, error_messages={"required": "请填写列入原因"})
    responsible = forms.ChoiceField(label="责任人", error_messages={"required": "请选择责任人"})
    visit_interval_days = forms.IntegerField(
        label="走访间隔(天)",
        min_value=1,
        max_value=365,
        error_messages={
            "required": "请填写走访间隔",
            "min_value": "走访间隔应在1到365天之间",
            "max_value": "走访间隔应在1到365天之间",
        },
    )
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, responsibles: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"].choices = _blank(responsibles, "请选择责任人")  # type: ignore[attr-defined]


class VisitForm(StyledForm):
    visited_on = forms.DateField(label="走访日期", widget=DATE, error_messages={"required": "请填写走访日期"})
    companions = forms.CharField(label="同行人员", max_length=100, required=False)
    found = forms.CharField(label="走访情况", widget=SHORT, error_messages={"required": "请填写走访情况"})
    next_step = forms.CharField(label="下一步措施", widget=SHORT, required=False)


class LiftForm(StyledForm):
    reason = forms.CharField(label="撤销原因", widget=SHORT, error_messages={"required": "请填写撤销原因"})
    lifted_on = forms.DateField(label="撤销日期", widget=DATE, required=False)
