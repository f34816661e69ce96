"""One document under a memory and a time limit: the work runs in a child process that is ended
when it needs more than ``settings.max_memory_mb`` of memory (resident set, polled every
:data:`POLL_S`) or takes longer than ``settings.max_seconds``; the document is then refused with
a :class:`~govreport.errors.TooLargeError` (exit code 7). A parser stuck inside C code (PDFium on
forms that draw each other, a page of a million paths) cannot be stopped any other way.

``govreport extract`` and ``review`` use :func:`run_isolated`; the batch's worker processes are
watched by the same :class:`Watch` (:mod:`govreport.batch.workers`). The library's
:func:`govreport.extract` runs in the caller's process and is not limited (call
:func:`extract_isolated` for untrusted input).

>>> from govreport.settings import ExtractSettings
>>> extract_isolated("samples/sample_2021_tabs.txt", ExtractSettings()).template
'gov2021'
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from govreport.errors import BadInputError, GovreportError, TooLargeError
from govreport.settings import ExtractSettings

log = logging.getLogger("govreport")

POLL_S = 0.02  #: how often a child's memory and time are checked
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes(pid: int) -> int | None:
    """Resident memory of process ``pid`` (Linux ``/proc``; ``None`` where it cannot be read)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


@dataclass
class Watch:
    """The limits of one child working on one document: :meth:`over` says why it must end."""

    pid: int
    max_memory_mb: int
    max_seconds: float
    name: str
    start: float = 0.0
    peak: int = 0

    def __post_init__(self) -> None:
        self.start = self.start or time.monotonic()

    def over(self) -> TooLargeError | None:
        """A :class:`TooLargeError` naming the limit the child passed, or ``None``."""
        rss = rss_bytes(self.pid) or 0
        self.peak = max(self.peak, rss)
        if rss > self.max_memory_mb * 2**20:
            return TooLargeError(f"{self.name}: needs more than {self.max_memory_mb} MB of memory to read "
                                 f"(--max-memory); stopped")
        if time.monotonic() - self.start > self.max_seconds:
            return TooLargeError(f"{self.name}: took longer than {self.max_seconds:g} s to read (--timeout); stopped")
        return None

    def died(self, exitcode: int | None) -> GovreportError:
        """What a child that died on its own while reading means."""
        if self.peak > 0.8 * self.max_memory_mb * 2**20 or exitcode == -signal.SIGKILL:
            return TooLargeError(f"{self.name}: ran out of memory reading it (over {self.max_memory_mb} MB)")
        return BadInputError(f"{self.name}: the reader crashed on this file (exit {exitcode}); it is damaged or "
                             "hostile")


def _child(conn: Connection, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C does
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked child must not take the CLI's SIGTERM handler
    try:
        result: tuple[str, Any] = ("ok", fn(*args))
    except BaseException as exc:  # every outcome goes back to the parent
        result = ("error", exc)
    try:
        payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # an exception that does not pickle
        payload = pickle.dumps(("error", RuntimeError(f"{type(result[1]).__name__}: {exc}")))
    try:
        conn.send_bytes(payload)
    finally:
        conn.close()
    os._exit(0)


def _context() -> multiprocessing.context.BaseContext:
    """``fork`` where it is safe and cheap (Linux, this thread alone), else ``spawn``."""
    import threading

    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def run_isolated(fn: Callable[..., Any], args: tuple[Any, ...], settings: ExtractSettings, name: str) -> Any:
    """``fn(*args)`` in a child process under ``settings.max_memory_mb`` and ``settings.max_seconds``;
    its result or exception as if it had run here. Ctrl-C ends the child at once."""
    ctx = _context()
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args), daemon=True)
    proc.start()
    child.close()
    watch = Watch(proc.pid, settings.max_memory_mb, settings.max_seconds, name)  # type: ignore[arg-type]
    try:
        while True:
            ready = wait([parent, proc.sentinel], timeout=POLL_S)
            if parent in ready:
                try:
                    status, value = pickle.loads(parent.recv_bytes())
                except EOFError:  # died before sending
                    proc.join()
                    raise watch.died(proc.exitcode) from None
                proc.join()
                if status == "ok":
                    return value
                raise value
            if ready:  # the sentinel alone: it died
                proc.join()
                raise watch.died(proc.exitcode)
            problem = watch.over()
            if problem is not None:
                proc.kill()
                proc.join()
                raise problem
    finally:
        if proc.is_alive():
            proc.kill()
            proc.join()
        parent.close()


def _extract(path: str, settings: ExtractSettings) -> Any:
    from govreport.api import extract

    return extract(path, settings)


def extract_isolated(path: str | os.PathLike[str], settings: ExtractSettings) -> Any:
    """:func:`govreport.extract` of a file in a child process under the settings' memory and time limits."""
    return run_isolated(_extract, (os.fspath(path), settings), settings, os.fspath(path))
