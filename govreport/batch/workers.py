"""One report per task: :func:`process_item` (never raises for a bad document), run in this
process or on a pool of worker processes that survives a worker's crash.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govreport.batch.archive import Item, Problem, read_item
from govreport.errors import ExitCode, GovreportError
from govreport.settings import ExtractSettings

log = logging.getLogger("govreport")

PARENT_CHECK_S = 0.5  #: how often a worker checks that its parent is alive


@dataclass(frozen=True, slots=True)
class Outcome:
    """What extracting one :class:`~govreport.batch.archive.Item` gave: the contract dict, or why not."""

    id: str
    source: str
    data: dict[str, Any] | None = None
    exit_code: str | None = None  #: ``ExitCode`` name when it failed
    reason: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.data is not None

    @property
    def pages(self) -> int:
        return int(((self.data or {}).get("meta") or {}).get("pages") or 1)


def failure(item: Item | Problem, exc: BaseException, seconds: float = 0.0) -> Outcome:
    if isinstance(exc, GovreportError):
        return Outcome(item.id, item.source, None, exc.exit_code.name, str(exc), seconds)
    return Outcome(item.id, item.source, None, ExitCode.INTERNAL.name, f"{type(exc).__name__}: {exc}", seconds)


def process_item(item: Item, settings: ExtractSettings | None = None, tmp_root: str | None = None,
                 data: bytes | None = None) -> Outcome:
    """Extract one item; never raises for a bad document (the failure is the :class:`Outcome`).

    A file on disk is read where it is; a zip member (or ``data`` shipped by a remote caller) is
    written to a private temporary folder under ``tmp_root`` with a sanitized name and removed after.
    """
    from govreport.api import extract

    settings = settings or _WORKER.get("settings") or ExtractSettings()
    tmp_root = tmp_root if tmp_root is not None else _WORKER.get("tmp_root")
    start = time.perf_counter()
    try:
        if item.member is None and data is None:
            report = extract(Path(item.path), settings)
        else:
            if data is None:
                data = read_item(item, settings)
            folder = tempfile.mkdtemp(prefix="job-", dir=tmp_root)
            try:
                path = Path(folder) / f"{item.id}{item.suffix}"
                path.write_bytes(data)
                report = extract(path, settings)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        report.source = item.source
        return Outcome(item.id, item.source, report.to_dict(), seconds=time.perf_counter() - start)
    except Exception as exc:  # every failure is recorded, and the batch goes on
        log.debug("%s failed", item.source, exc_info=True)
        return failure(item, exc, time.perf_counter() - start)


_WORKER: dict[str, Any] = {}


def _init_worker(settings: ExtractSettings, tmp_root: str, level: int, warm_ocr: bool) -> None:
    """Pool initializer: keep the settings, quiet Ctrl-C (the parent decides), and warm the OCR
    engine only when the batch holds scanned images (engines are cached per process anyway)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER.update(settings=settings, tmp_root=tmp_root)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), name="govreport-parent-watch",
                     daemon=True).start()
    logging.getLogger("govreport").setLevel(level)
    if warm_ocr:
        try:
            from govreport.ocr import engines

            warm = getattr(engines, "warm_up", None)
            if warm is not None:
                warm(settings.engine, settings.device)
            else:
                engines.get_engine(settings.engine, settings.device)
        except Exception as exc:  # the reports that need it will fail with the proper message
            log.debug("OCR warm-up failed: %s", exc)


def _exit_with_parent(parent: int, every: float = PARENT_CHECK_S) -> None:
    """End this worker once its parent is gone (``kill -9`` of the batch): a pool worker holds
    both ends of its task queue, so it would otherwise wait forever as an orphan."""
    while True:
        time.sleep(every)
        if os.getppid() != parent:
            os._exit(1)


def run_inline(items: list[Item], settings: ExtractSettings, tmp_root: str,
                on_outcome: Callable[[Outcome], None]) -> None:
    for item in items:
        on_outcome(process_item(item, settings, tmp_root))


def run_pool(items: list[Item], settings: ExtractSettings, workers: int, tmp_root: str, warm_ocr: bool,
              on_outcome: Callable[[Outcome], None]) -> None:
    """Process ``items`` on ``workers`` spawned processes, at most ``2 * workers`` in flight.

    A worker that dies (segfault, out of memory) breaks the pool: the jobs it may have held are rerun
    one at a time in a fresh pool, and the one that kills a worker alone is recorded as failed.
    """
    ctx = multiprocessing.get_context("spawn")
    pending: deque[Item] = deque(items)
    suspects: deque[Item] = deque()
    level = logging.getLogger("govreport").getEffectiveLevel()
    while pending or suspects:
        pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                                   initargs=(settings, tmp_root, level, warm_ocr))
        inflight: dict[Future[Outcome], Item] = {}
        lost: list[Item] = []
        try:
            while (pending or suspects or inflight) and not lost:
                while (suspects or pending) and len(inflight) < (1 if suspects else 2 * workers):
                    item = suspects.popleft() if suspects else pending.popleft()
                    inflight[pool.submit(process_item, item)] = item
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for fut in sorted(done, key=lambda f: inflight[f].source):
                    item = inflight.pop(fut)
                    try:
                        outcome = fut.result()
                    except BrokenProcessPool:
                        lost.append(item)
                        continue
                    except Exception as exc:  # e.g. an unpicklable result
                        outcome = failure(item, exc)
                    on_outcome(outcome)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        lost += inflight.values()
        pool.shutdown(wait=not lost, cancel_futures=True)
        if len(lost) == 1:
            on_outcome(Outcome(lost[0].id, lost[0].source, None, ExitCode.INTERNAL.name,
                               f"{lost[0].source}: the worker process died (crash or out of memory)"))
        elif lost:
            log.warning("a worker process died; rerunning its %d job(s) one at a time", len(lost))
            suspects.extend(sorted(lost, key=lambda i: i.source))
