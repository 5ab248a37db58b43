"""Rebuild the person list's counts per unit from the records, or check them (--check)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jinguo.people import counts


class Command(BaseCommand):
    help = "重新统计各单位的人员数与各类别人数(人员台账列表使用的计数);--check 只核对不修改"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true", help="只核对,发现不一致时以非零状态退出")

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        if check:
            wrong = counts.drift()
            for (unit_id, key), (kept, counted) in sorted(wrong.items()):
                self.stdout.write(f"unit {unit_id} {key or '*'}: kept {kept}, counted {counted}")
            if wrong:
                raise CommandError(f"{len(wrong)} counts differ from the records; run recount_people to rebuild them")
            self.stdout.write("counts agree with the records")
            return
        units = counts.recount_all()
        self.stdout.write(f"recounted the persons of {units} units")
