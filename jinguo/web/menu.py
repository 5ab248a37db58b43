"""The side menu: one entry per module, shown to those who hold its permission. Later modules
add their entries here as they land."""

from __future__ import annotations

from dataclasses import dataclass

from jinguo.accounts.permissions import Perm


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    perm: Perm | None
    section: str


MENU: tuple[MenuItem, ...] = (
    MenuItem("工作台", "web:home", None, "home"),
    MenuItem("组织网络", "orgs:tree", Perm.VIEW_UNITS, "orgs"),
    MenuItem("人员台账", "people:list", Perm.VIEW_RECORDS, "people"),
    MenuItem("维权案件", "cases:list", Perm.VIEW_RECORDS, "cases"),
    MenuItem("回访", "cases:follow_ups", Perm.VIEW_RECORDS, "follow_ups"),
    MenuItem("重点家庭", "cases:families", Perm.VIEW_RECORDS, "families"),
    MenuItem("维权月报", "cases:report", Perm.VIEW_RECORDS, "case_report"),
    MenuItem("维权设置", "cases:settings", Perm.EDIT_RECORDS, "case_settings"),
    MenuItem("用户管理", "accounts:user_list", Perm.MANAGE_USERS, "users"),
    MenuItem("安全管理", "accounts:security", Perm.MANAGE_SECURITY, "security"),
    MenuItem("审计日志", "core:audit", Perm.VIEW_AUDIT, "audit"),
)
