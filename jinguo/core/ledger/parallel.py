"""Work on parts of a file spread over helper processes: the dry run of a large ledger parses and
checks its rows in forked helpers while the process that serves the upload looks the finished
chunks up in the database (engine.analyse).

Python runs one thread at a time: on a server with two cores, a dry run in one process used one
of them. A helper is forked once the file is read, so it has the rows already (nothing is sent
to it); it runs `work` over its part of the rows and sends each result back, pickled, as soon as
it is made. The caller gets the results as they arrive, each with its place, so that it can work
on one while the helpers make the next.

A helper must not use the database: it shares the caller's connection (the socket of the same
session), so a query from it would corrupt the caller's. Its queries are refused, and it leaves
with os._exit, which closes nothing of the caller's. Where fork is not available, or for a
small file, the work is done here, in order, with the same results.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import queue
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db import connections

from jinguo.core.errors import ActionError

log = logging.getLogger(__name__)

HELPER_FAILED = "分析文件时辅助进程意外退出,未生成预览,请稍后重新上传"


def helper_count(rows: int) -> int:
    """How many helper processes the dry run of `rows` rows uses: LEDGER_HELPERS (settings.py:
    the machine's cores, at most 2), none below LEDGER_HELPER_MIN_ROWS rows (5,000) or where
    processes cannot be forked."""
    if rows < int(getattr(settings, "LEDGER_HELPER_MIN_ROWS", 5000)):
        return 0
    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover - Linux forks
        return 0
    wanted = getattr(settings, "LEDGER_HELPERS", None)
    return max(0, int(wanted if wanted is not None else min(2, os.cpu_count() or 1)))


Work = Callable[[int, int, bool], Iterator[Any]]  # (start, stop, in a helper) -> results


class Spread:
    """`work(start, stop, remote)` over `parts` ([(start, stop)], in order): in a forked helper
    each (remote=True), or here one after the other when `helpers` is 0. Iterate over it for
    (place, result), place being (part, index of the result within its part); results of a part
    come in order, the parts' interleaved as they arrive. Use it as a context manager: the
    helpers are forked on entry (before the caller starts threads of its own) and stopped on
    exit."""

    def __init__(self, work: Work, parts: list[tuple[int, int]], *, helpers: bool) -> None:
        self.work, self.parts, self.helpers = work, parts, helpers
        self._processes: list[Any] = []
        self._inbox: queue.Queue[tuple[int, bytes | BaseException | None]] = queue.Queue()
        self._readers: list[threading.Thread] = []

    def __enter__(self) -> Spread:
        if not self.helpers:
            return self
        context = multiprocessing.get_context("fork")
        pipes = []
        for start, stop in self.parts:
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_helper, args=(self.work, start, stop, send), daemon=True)
            process.start()
            send.close()  # the helper's end: closed here, so that its exit ends the reading
            self._processes.append(process)
            pipes.append(receive)
        for part, receive in enumerate(pipes):  # threads only once every helper is forked
            reader = threading.Thread(target=self._read, args=(part, receive), daemon=True, name="ledger-helper")
            reader.start()
            self._readers.append(reader)
        return self

    def _read(self, part: int, receive: Any) -> None:
        """Move what helper `part` sends to the inbox as it comes (the helper never waits for
        the caller), then None for its end, or the error it ended with."""
        try:
            while True:
                data = receive.recv_bytes()
                if not data:  # the helper's last word: done
                    self._inbox.put((part, None))
                    return
                self._inbox.put((part, data))
        except (EOFError, OSError):  # it died without a word
            self._inbox.put((part, ActionError(HELPER_FAILED)))
        finally:
            receive.close()

    def __iter__(self) -> Iterator[tuple[tuple[int, int], Any]]:
        if not self.helpers:
            for part, (start, stop) in enumerate(self.parts):
                for index, result in enumerate(self.work(start, stop, False)):
                    yield (part, index), result
            return
        counts = [0] * len(self.parts)
        running = len(self.parts)
        while running:
            part, message = self._inbox.get()
            if message is None:
                running -= 1
                continue
            if isinstance(message, BaseException):
                log.error("ledger helper %s ended without its results", part)
                raise message
            kind, payload = pickle.loads(message)  # noqa: S301 - sent by our own forked helper
            if kind == "error":
                raise payload
            yield (part, counts[part]), payload
            counts[part] += 1

    def __exit__(self, *exc: object) -> None:
        for process in self._processes:
            if process.is_alive():  # the caller gave up (an error): the helper's work is not wanted
                process.kill()
            process.join()
        for reader in self._readers:
            reader.join()


def _no_database(*args: Any) -> Any:
    raise RuntimeError("a ledger helper process must not use the database")


def _helper(work: Work, start: int, stop: int, send: Any) -> None:
    """A forked helper: every result of work(start, stop) pickled to the caller, then b"" (or
    the error it stopped with)."""
    for conn in connections.all(initialized_only=True):
        conn.execute_wrappers.append(_no_database)
    try:
        for result in work(start, stop, True):
            send.send_bytes(pickle.dumps(("result", result), protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException as exc:  # noqa: BLE001 - handed to the caller, which raises it
        try:
            message = pickle.dumps(("error", exc), protocol=pickle.HIGHEST_PROTOCOL)
            pickle.loads(message)  # noqa: S301 - what the caller will do: it must come back whole
        except Exception:  # noqa: BLE001 - an error that does not pickle: its text
            message = pickle.dumps(("error", RuntimeError(traceback.format_exc())))
        send.send_bytes(message)
    send.send_bytes(b"")
    send.close()
