"""The demo district and its accounts: loaded once, printed for whoever demonstrates the platform."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from jinguo.accounts.demo import DEMO_USERS
from jinguo.accounts.models import Membership, User
from jinguo.core.models import AuditEntry
from jinguo.orgs.models import Unit

pytestmark = pytest.mark.django_db


def run(command: str) -> str:
    out = io.StringIO()
    call_command(command, stdout=out)
    return out.getvalue()


def snapshot() -> tuple[list, list, list]:
    return (
        list(Unit.objects.order_by("pk").values_list("pk", "path", "name", "updated_at")),
        list(User.objects.order_by("pk").values_list("pk", "username", "password")),
        list(Membership.objects.order_by("pk").values_list("pk", "user__username", "unit__name", "role")),
    )


def test_seed_demo_builds_the_district_and_a_second_run_changes_nothing():
    assert run("seed_demo").splitlines()[0] == "已载入示范区:75 个单位,8 个演示账户"  # then the people (people app)
    assert Unit.objects.count() == 75
    assert User.objects.count() == 8
    assert Membership.objects.count() == 8
    before = snapshot()

    assert run("seed_demo") == "示范区已存在,未做改动\n"
    assert snapshot() == before
    assert AuditEntry.objects.count() == 0


def test_demo_accounts_have_their_roles_and_units():
    run("seed_demo")
    rows = sorted(Membership.objects.values_list("user__username", "unit__name", "role", "can_manage_users"))
    assert rows == [
        ("audit_admin", "示范区", "audit_admin", False),
        ("jd1_ganbu", "城东街道", "cadre", True),
        ("jd2_ganbu", "城西街道", "cadre", True),
        ("qu_ganbu", "示范区", "cadre", True),
        ("qu_lingdao", "示范区", "leader", True),
        ("sec_admin", "示范区", "security_admin", False),
        ("sq1_ganbu", "东湖社区", "cadre", False),
        ("sys_admin", "示范区", "sys_admin", False),
    ]


def test_demo_cadre_logs_in_with_the_published_password_and_an_admin_must_bind_a_device():
    run("seed_demo")
    cadre = Client()
    assert cadre.post("/accounts/login/", {"username": "jd1_ganbu", "password": "Jinguo@2026"})["Location"] == "/"
    assert cadre.get("/").status_code == 200
    admin = Client()
    admin.post("/accounts/login/", {"username": "sec_admin", "password": "Jinguo@2026"})
    assert admin.get("/")["Location"] == "/accounts/otp/?next=%2F"


def test_demo_logins_prints_every_demo_account(db):
    assert run("demo_logins").splitlines() == [
        "",
        "巾帼通演示账户(密码均为 Jinguo@2026),打开 http://127.0.0.1:8000 登录:",
        "  qu_ganbu     干部 · 示范区(王秀兰)",
        "  qu_lingdao   领导 · 示范区(李淑芬)",
        "  jd1_ganbu    干部 · 示范区 / 城东街道(张晓燕)",
        "  jd2_ganbu    干部 · 示范区 / 城西街道(刘美华)",
        "  sq1_ganbu    干部 · 示范区 / 城东街道 / 东湖社区(陈丽娟)",
        "  sys_admin    系统管理员 · 示范区(系统管理员),首次登录需绑定动态口令",
        "  sec_admin    安全管理员 · 示范区(安全管理员),首次登录需绑定动态口令",
        "  audit_admin  审计管理员 · 示范区(审计管理员),首次登录需绑定动态口令",
        "",
    ]
    assert len(DEMO_USERS) == 8
