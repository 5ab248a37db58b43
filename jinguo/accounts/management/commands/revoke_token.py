from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jinguo.accounts.actions import do_revoke_tokens
from jinguo.accounts.models import User


class Command(BaseCommand):
    help = "Revoke the API tokens of USERNAME: all of them, or the one whose prefix is given."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--prefix", default="", help="the token's first characters (see the audit log)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"用户 {options['username']} 不存在")
        count = do_revoke_tokens(user=user, prefix=options["prefix"])
        self.stdout.write(f"已吊销 {count} 个令牌")
