"""What every benchmark script shares: Django set up on one database, timing, facts about the machine.

A benchmark process works on one database only (Django's settings are read once per process), so a
script that compares SQLite and PostgreSQL runs itself once per database in a child process.

The databases are the benchmark's own, never the ones the test suites use:

    sqlite    sqlite:////<repo>/var/bench.sqlite3          (override: BENCH_SQLITE_URL)
    postgres  postgres://postgres@127.0.0.1:5432/jinguo_bench   (override: BENCH_POSTGRES_URL)
"""

from __future__ import annotations

import math
import os
import platform
import sqlite3
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent

DATABASE_URLS: dict[str, str] = {
    "sqlite": os.environ.get("BENCH_SQLITE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"),
    "postgres": os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/jinguo_bench"),
}


def _check_url(url: str) -> None:
    """Refuse the databases of the test suites (`test`, `test_*`): a stray URL must not touch them."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme.startswith("postgres") and (name == "test" or name.startswith("test_")):
        raise SystemExit(f"refusing database {name!r}: the test suites use it; benchmark in jinguo_bench")


def ensure_database(url: str) -> None:
    """Create the benchmark database if it does not exist yet (PostgreSQL), or its folder (SQLite)."""
    _check_url(url)
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        Path(parts.path).parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg
    from psycopg import sql

    name = parts.path.lstrip("/")
    maintenance = psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,  # None is left out of the connection string
        dbname="postgres",
        autocommit=True,
    )
    with maintenance as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def setup_django(db: str, *, migrate: bool = True) -> str:
    """Point Django at the benchmark database `db` ('sqlite' or 'postgres'), set it up, migrate.

    DEBUG stays off unless the environment sets it, as in production (with DEBUG on Django keeps
    every query in connection.queries and renders templates in debug mode); JINGUO_DEV_SECRETS=1
    lets the settings generate development secrets without DEBUG. DATABASE_URL is always replaced
    by the benchmark database, so a URL left in the environment cannot point the bench elsewhere.
    Returns the database URL.
    """
    import sys

    url = DATABASE_URLS[db]
    ensure_database(url)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "jinguo.settings"
    os.environ.setdefault("JINGUO_DEV_SECRETS", "1")
    os.environ.setdefault("DEBUG", "0")

    import warnings

    import django

    # whitenoise warns that STATIC_ROOT has not been collected; the benchmarks serve no static files.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    django.setup()
    from django.conf import settings

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    if migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
    return url


def rerun_per_database(script: str, dbs: list[str], extra: list[str]) -> None:
    """Run `script --db <db> <extra>` once per database, each in its own process, one after another."""
    import subprocess
    import sys

    for db in dbs:
        subprocess.run([sys.executable, script, "--db", db, *extra], check=True)


# --- timing ---------------------------------------------------------------------------------------


@dataclass
class Timing:
    """Wall-clock samples of one operation, in seconds, and the queries one run issues."""

    label: str
    samples: list[float] = field(default_factory=list)
    queries: int = 0

    def _ms(self, value: float) -> float:
        return value * 1000

    @property
    def p50(self) -> float:
        return self._ms(statistics.median(self.samples))

    @property
    def p95(self) -> float:
        """Nearest-rank 95th percentile (the 48th of 50 sorted samples)."""
        ordered = sorted(self.samples)
        return self._ms(ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)])

    @property
    def max(self) -> float:
        return self._ms(max(self.samples))

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "p50": self.p50,
            "p95": self.p95,
            "max": self.max,
            "n": len(self.samples),
            "queries": self.queries,
        }


def measure(
    steps: list[tuple[str, Callable[[], Any]]], *, repeat: int = 50, warmup: int = 3, progress: bool = True
) -> list[Timing]:
    """Time each (label, fn): `warmup` untimed runs and one run with its queries counted, then `repeat`
    timed rounds. A round runs every fn once, in turn, so that a burst of load from elsewhere on
    the machine lands on all operations alike instead of on whichever one was running."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    for label, fn in steps:
        for _ in range(warmup):
            fn()
        with CaptureQueriesContext(connection) as ctx:
            fn()
        timings.append(Timing(label=label, queries=len(ctx.captured_queries)))
    for i in range(repeat):
        for timing, (_, fn) in zip(timings, steps, strict=True):
            start = time.perf_counter()
            fn()
            timing.samples.append(time.perf_counter() - start)
        if progress and (i + 1) % 10 == 0:
            print(f"{i + 1}/{repeat} rounds", end=" ", flush=True)
    if progress:
        print()
    return timings


def format_table(headers: list[str], rows: list[list[str]], *, align: str = "") -> str:
    """A Markdown table (pipes), columns padded for the terminal; `align` is 'l' or 'r' per column."""

    def width(text: str) -> int:
        # CJK characters take two columns in a terminal.
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

    widths = [max(width(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    align = align or "l" * len(headers)

    def cell(text: str, i: int) -> str:
        pad = " " * (widths[i] - width(text))
        return pad + text if align[i] == "r" else text + pad

    lines = ["| " + " | ".join(cell(h, i) for i, h in enumerate(headers)) + " |"]
    lines.append(
        "|"
        + "|".join(("-" * (w + 1) + ":") if a == "r" else "-" * (w + 2) for w, a in zip(widths, align, strict=True))
        + "|"
    )
    lines += ["| " + " | ".join(cell(c, i) for i, c in enumerate(r)) + " |" for r in rows]
    return "\n".join(lines)


# --- facts about the machine ----------------------------------------------------------------------


def _proc_value(path: str, key: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            name, sep, value = line.partition(":")
            if sep and name.strip() == key:
                return value.strip()
    except OSError:
        pass
    return "unknown"


def machine() -> dict[str, str]:
    """Cores, RAM, CPU model, OS, Python and SQLite library versions (no database needed)."""
    mem = _proc_value("/proc/meminfo", "MemTotal")
    ram = f"{int(mem.split()[0]) / 1024 / 1024:.1f} GiB" if mem.split() and mem.split()[0].isdigit() else mem
    return {
        "cpu": _proc_value("/proc/cpuinfo", "model name"),
        "cores": str(os.cpu_count()),
        "ram": ram,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def peak_rss_mb() -> float:
    """The process's peak resident memory so far, in MiB (Linux reports ru_maxrss in KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_cpu_seconds() -> float:
    """CPU time of this process's children that have ended and been waited for (the dry run's
    helper processes)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class MemorySampler:
    """The memory of this process and its children while a step runs, sampled every 250 ms from
    /proc: the largest sum of their proportional set sizes (PSS: pages shared between forked
    processes counted once in all), and this process's own largest PSS. Use as a context manager.
    Reading a large process's smaps_rollup costs the kernel milliseconds: sampled every 50 ms it
    took a tenth of a core from the step it measured."""

    def __init__(self) -> None:
        import threading

        self.peak_total = self.peak_self = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _pss_mb(pid: int | str) -> float:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        return int(line.split()[1]) / 1024
        except OSError:  # a child that has just ended
            pass
        return 0.0

    @staticmethod
    def _children() -> list[str]:
        import os

        out: list[str] = []
        for task in os.listdir("/proc/self/task"):
            try:
                with open(f"/proc/self/task/{task}/children") as f:
                    out += f.read().split()
            except OSError:
                continue
        return out

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            own = self._pss_mb("self")
            total = own + sum(self._pss_mb(pid) for pid in self._children())
            self.peak_self, self.peak_total = max(self.peak_self, own), max(self.peak_total, total)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def cpu_seconds() -> float:
    """CPU time this process has used so far (user + system, every thread)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def backend_cpu_seconds() -> float | None:
    """CPU time the PostgreSQL backend of Django's connection has used so far (user + system), read
    from /proc when the server runs on this machine; None otherwise (SQLite, a remote server)."""
    import os

    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def code_version() -> str:
    """The commit measured, and whether the working tree had changes beside it."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{commit}{' with uncommitted changes' if dirty else ''}"
