"""Work on the chunks of a file spread over helper processes: the dry run of a large ledger
parses and checks its rows in forked helpers while the process that serves the upload looks the
finished chunks up in the database (engine.analyse).

Python runs one thread at a time: on a server with two cores, a dry run in one process used one
of them. A helper is forked once the file is read, so it has the file already (nothing is sent
to it). The helpers claim the chunks one at a time, in order, from a counter they share, so that
a helper that gets less of the machine does fewer of them and both end together; a helper's
chunks come to it in increasing order, so it reads the file forward once. Each result goes back
pickled as soon as it is made; the caller gets them as they arrive, each with its chunk's index,
and works on one while the helpers make the next.

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


Chunk = tuple[int, int, int]  # (index, start, stop)
# work(the chunks to do, in increasing order; in a helper?) -> (index, result) for each
Work = Callable[[Iterator[Chunk], bool], Iterator[tuple[int, Any]]]


class Spread:
    """`work` over the chunks [(start, stop)]: in `helpers` forked processes, which claim the
    chunks as they go, or here, in order, when `helpers` is 0. Iterate over it for (index of
    the chunk, its result), as they come. Use it as a context manager: the helpers are forked on
    entry (before the caller starts threads of its own) and stopped on exit."""

    def __init__(self, work: Work, chunks: list[tuple[int, int]], *, helpers: int) -> None:
        self.work, self.helpers = work, helpers
        self.chunks = [(index, start, stop) for index, (start, stop) in enumerate(chunks)]
        self._processes: list[Any] = []
        self._inbox: queue.Queue[bytes | BaseException | None] = queue.Queue()
        self._readers: list[threading.Thread] = []

    def __enter__(self) -> Spread:
        if not self.helpers:
            return self
        context = multiprocessing.get_context("fork")
        claimed = context.Value("i", 0)  # the next chunk to claim, shared by the helpers
        pipes = []
        for _ in range(self.helpers):
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_helper, args=(self.work, self.chunks, claimed, send), daemon=True)
            process.start()
            send.close()  # the helper's end: closed here, so that its exit ends the reading
            self._processes.append(process)
            pipes.append(receive)
        for receive in pipes:  # threads only once every helper is forked
            reader = threading.Thread(target=self._read, args=(receive,), daemon=True, name="ledger-helper")
            reader.start()
            self._readers.append(reader)
        return self

    def _read(self, receive: Any) -> None:
        """Move what a helper sends to the inbox as it comes (the helper never waits for the
        caller), then None for its end, or the error it ended with."""
        try:
            while True:
                data = receive.recv_bytes()
                if not data:  # the helper's last word: done
                    self._inbox.put(None)
                    return
                self._inbox.put(data)
        except (EOFError, OSError):  # it died without a word
            self._inbox.put(ActionError(HELPER_FAILED))
        finally:
            receive.close()

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        if not self.helpers:
            yield from self.work(iter(self.chunks), False)
            return
        running = self.helpers
        while running:
            message = self._inbox.get()
            if message is None:
                running -= 1
                continue
            if isinstance(message, BaseException):
                log.error("a ledger helper ended without its results")
                raise message
            kind, payload = pickle.loads(message)  # noqa: S301 - sent by our own forked helper
            if kind == "error":
                raise payload
            yield payload

    def __exit__(self, *exc: object) -> None:
        for process in self._processes:
            if process.is_alive():  # the caller gave up (an error): the helper's work is not wanted
                process.kill()
            process.join()
        for reader in self._readers:
            reader.join()


def _no_database(*args: Any) -> Any:
    raise RuntimeError("a ledger helper process must not use the database")


def _claim(chunks: list[Chunk], claimed: Any) -> Iterator[Chunk]:
    """The chunks this helper claims, one at a time, until none is left."""
    while True:
        with claimed.get_lock():
            index = claimed.value
            claimed.value = index + 1
        if index >= len(chunks):
            return
        yield chunks[index]


def _helper(work: Work, chunks: list[Chunk], claimed: Any, send: Any) -> None:
    """A forked helper: the result of each chunk it claims pickled to the caller, then b"" (or
    the error it stopped with)."""
    for conn in connections.all(initialized_only=True):
        conn.execute_wrappers.append(_no_database)
    try:
        for result in work(_claim(chunks, claimed), True):
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
