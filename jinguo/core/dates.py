"""Dates as Chinese text writes them: 2026年3月8日 (no leading zeros)."""

from __future__ import annotations

import datetime as dt


def cn_date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""
