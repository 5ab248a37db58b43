"""Fictitious ID numbers for the demo district, the tests and the benchmarks.

They pass every check (region, birth date, checksum) yet belong to no one: the sequence numbers
996-999 are reserved for people aged 100 or more (GB 11643-1999), and we only give them to people
younger than that.
"""

from __future__ import annotations

import datetime as dt

from stdnum.cn import ric

# Real county codes whose validity does not depend on the year of birth (python-stdnum's table).
AREAS = ("330122", "330127", "110101", "110102", "110105", "110106", "110108", "310101", "310104", "310105")
FEMALE_SEQS = ("996", "998")
MALE_SEQS = ("997", "999")


def make_id_number(birth: dt.date, seq: int, *, female: bool = True) -> str:
    """The `seq`-th fictitious number for a person born on `birth` (16 per day and gender)."""
    seqs = FEMALE_SEQS if female else MALE_SEQS
    area = AREAS[(seq // len(seqs)) % len(AREAS)]
    body = f"{area}{birth:%Y%m%d}{seqs[seq % len(seqs)]}"
    return body + ric.calc_check_digit(body + "0")


def capacity_per_day() -> int:
    return len(AREAS) * len(FEMALE_SEQS)
