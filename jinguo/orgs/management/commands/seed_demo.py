from __future__ import annotations

from typing import Any

from auditlog.context import disable_auditlog
from django.core.management.base import BaseCommand
from django.db import transaction

from jinguo.accounts.demo import build_demo_users
from jinguo.accounts.models import User
from jinguo.cases.demo import build_demo_cases
from jinguo.cases.demo import describe as describe_cases
from jinguo.orgs.demo import build_demo_district
from jinguo.orgs.models import Unit
from jinguo.people.demo import build_demo_people, describe


class Command(BaseCommand):
    help = "Load the fictitious demo district 示范区, its accounts and its people (once; a second run changes nothing)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic(), disable_auditlog():
            district, made = build_demo_district()
            users = build_demo_users(district)
            people = build_demo_people(district, actor=User.objects.filter(username="qu_ganbu").first())
            cases = build_demo_cases(district)
        if made or users:
            self.stdout.write(
                self.style.SUCCESS(
                    f"已载入示范区:{Unit.objects.get_descendant_count(district) + 1} 个单位,{users} 个演示账户"
                )
            )
        if people:
            self.stdout.write(self.style.SUCCESS(f"已载入示范区演示人员 {people} 人:{describe(district)}"))
        if cases:
            self.stdout.write(self.style.SUCCESS(f"已载入示范区演示案件 {cases} 件:{describe_cases(district)}"))
        if not (made or users or people or cases):
            self.stdout.write("示范区已存在,未做改动")
