from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jinguo.accounts.actions import do_issue_token
from jinguo.accounts.models import User


class Command(BaseCommand):
    help = "Print a new personal API token for USERNAME (shown once; only its hash is stored)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="what the token is for")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"用户 {options['username']} 不存在或已停用")
        token, _ = do_issue_token(user=user, name=options["name"])
        self.stdout.write(token)
