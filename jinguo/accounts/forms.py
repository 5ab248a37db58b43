from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from .permissions import Role

LOGIN_FAILED = "用户名或密码错误。连续失败5次,账户将被锁定30分钟。"


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": LOGIN_FAILED,
        "inactive": LOGIN_FAILED,
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"
        for f in self.fields.values():
            f.widget.attrs["class"] = "form-control"


class TokenForm(forms.Form):
    token = forms.CharField(
        label="动态口令",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"class": "form-control", "inputmode": "numeric", "autocomplete": "one-time-code"}
        ),
        error_messages={"min_length": "动态口令为6位数字", "required": "请输入动态口令"},
    )


def _styled(form: forms.Form) -> None:
    for f in form.fields.values():
        if isinstance(f.widget, forms.CheckboxInput):
            f.widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(f.widget, forms.Select):
            f.widget.attrs.setdefault("class", "form-select")
        else:
            f.widget.attrs.setdefault("class", "form-control")


RULES_TEXT = "至少8位,包含大写字母、小写字母、数字、符号中的至少3类"


class GrantForm(forms.Form):
    unit = forms.TypedChoiceField(label="单位", coerce=int)
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    can_manage_users = forms.BooleanField(label="可管理本级及下级用户", required=False)

    def __init__(self, *args: Any, units: list[Any], roles: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["unit"]).choices = [(u.pk, u.name) for u in units]
        if roles is not None:
            # Only the roles she may give are offered; any other posted role is refused by the action.
            self.fields["role"].widget.choices = [(r, Role(r).label) for r in roles]
        _styled(self)


class UserCreateForm(GrantForm):
    username = forms.CharField(label="用户名", max_length=150)
    full_name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput(render_value=True), help_text=RULES_TEXT)
    unit = forms.TypedChoiceField(label="所属单位", coerce=int)

    field_order = ["username", "full_name", "phone", "password", "unit", "role", "can_manage_users"]


class OwnPasswordForm(forms.Form):
    old_password = forms.CharField(label="当前密码", widget=forms.PasswordInput)
    password = forms.CharField(label="新密码", widget=forms.PasswordInput, help_text=RULES_TEXT)
    password2 = forms.CharField(label="再次输入新密码", widget=forms.PasswordInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", "两次输入的新密码不一致")
        return data


class SetPasswordForm(forms.Form):
    password = forms.CharField(label="新密码", widget=forms.PasswordInput, help_text=RULES_TEXT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)
