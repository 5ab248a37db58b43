"""Demo accounts of 示范区, all with the password below; admins set up TOTP at first login."""

from __future__ import annotations

from .models import Membership, User
from .permissions import Role

DEMO_PASSWORD = "Jinguo@2026"  # noqa: S105 - a published demo password, for the demo district only

# username, full name, unit (None: the district; else a path of names below it), role, manages users
DEMO_USERS: list[tuple[str, str, tuple[str, ...], str, bool]] = [
    ("qu_ganbu", "王秀兰", (), Role.CADRE, True),
    ("qu_lingdao", "李淑芬", (), Role.LEADER, True),
    ("jd1_ganbu", "张晓燕", ("城东街道",), Role.CADRE, True),
    ("jd2_ganbu", "刘美华", ("城西街道",), Role.CADRE, True),
    ("sq1_ganbu", "陈丽娟", ("城东街道", "东湖社区"), Role.CADRE, False),
    ("sys_admin", "系统管理员", (), Role.SYS_ADMIN, False),
    ("sec_admin", "安全管理员", (), Role.SECURITY_ADMIN, False),
    ("audit_admin", "审计管理员", (), Role.AUDIT_ADMIN, False),
]


def build_demo_users(district) -> int:
    created = 0
    for username, full_name, trail, role, manages in DEMO_USERS:
        unit = district
        for name in trail:
            unit = type(unit).objects.get_children(unit).get(name=name)
        user, made = User.objects.get_or_create(username=username, defaults={"full_name": full_name})
        if made:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            created += 1
        Membership.objects.get_or_create(user=user, unit=unit, defaults={"role": role, "can_manage_users": manages})
    return created
