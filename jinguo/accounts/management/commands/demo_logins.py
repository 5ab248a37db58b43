from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jinguo.accounts.demo import DEMO_PASSWORD, DEMO_USERS
from jinguo.accounts.permissions import ADMIN_ROLES, Role


class Command(BaseCommand):
    help = "Print the demo logins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="where the server listens")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"\n巾帼通演示账户(密码均为 {DEMO_PASSWORD}),打开 {options['url']} 登录:")
        for username, full_name, trail, role, _ in DEMO_USERS:
            where = " / ".join(("示范区", *trail))
            note = ",首次登录需绑定动态口令" if role in ADMIN_ROLES else ""
            self.stdout.write(f"  {username:<12} {Role(role).label} · {where}({full_name}){note}")
        self.stdout.write("")
