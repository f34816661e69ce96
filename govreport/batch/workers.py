"""One report per task: :func:`process_item` (never raises for a bad document), run in this
process or on worker processes, each document under a memory and a time limit.

:func:`run_pool` keeps ``workers`` processes, hands each one document at a time and watches it
(:class:`govreport.isolate.Watch`): a worker whose memory passes ``settings.max_memory_mb`` or whose
document takes longer than ``settings.max_seconds`` is ended, the document is recorded as
``TOO_LARGE``, a fresh worker takes its place and the batch goes on. A worker that crashes costs
only its own document. Ctrl-C ends every worker at once.

With a recognition service (:mod:`govreport.ocr.service`; on by default with ``--device cuda``) the
workers do the page stages and send their recognition requests to one process holding the models,
which recognises the crops of up to ``batch_pages`` pages together.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import re
import secrets
import shutil
import signal
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Client, Connection, wait
from pathlib import Path
from typing import Any

from govreport.batch.archive import Item, Problem, read_item
from govreport.errors import ExitCode, GovreportError
from govreport.isolate import POLL_S, Watch
from govreport.ocr.service import ProxyEngine
from govreport.settings import ExtractSettings

log = logging.getLogger("govreport")

PARENT_CHECK_S = 0.5  #: how often a worker checks that its parent is alive
SERVICE_RESTARTS = 3  #: a recognition service that dies is restarted this many times
READY = "ready"  #: what a worker says once it can take documents


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


_BATCH_HINT = re.compile(r"\s*\(use 'govreport batch'[^)]*\)")


def member_error(exc: GovreportError, tmp: Path, source: str) -> GovreportError:
    """``exc`` about the temporary copy ``tmp`` of a zip member, told about the member ``source``
    instead (the copy is gone by the time anyone reads it), without the advice to use a batch."""
    message = _BATCH_HINT.sub("", str(exc).replace(str(tmp), source))
    if "zip archive is not a report" in message:
        message += " (an archive inside an archive is not opened; unpack it first)"
    if not message.startswith(source):
        message = f"{source}: {message}"
    new = type(exc)(message)
    new.exit_code = exc.exit_code
    return new


def process_item(item: Item, settings: ExtractSettings, tmp_root: str | None = None,
                 data: bytes | None = None) -> Outcome:
    """Extract one item; never raises for a bad document (the failure is the :class:`Outcome`).

    A file on disk is read where it is; a zip member (or ``data`` shipped by a remote caller) is
    written to a private temporary folder under ``tmp_root`` with a sanitized name and removed after.
    """
    from govreport.api import extract

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
                try:
                    report = extract(path, settings)
                except GovreportError as exc:
                    raise member_error(exc, path, item.source) from None
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        report.source = item.source
        return Outcome(item.id, item.source, report.to_dict(), seconds=time.perf_counter() - start)
    except Exception as exc:  # every failure is recorded, and the batch goes on
        log.debug("%s failed", item.source, exc_info=True)
        return failure(item, exc, time.perf_counter() - start)


def run_inline(items: list[Item], settings: ExtractSettings, tmp_root: str,
               on_outcome: Callable[[Outcome], None]) -> None:
    """Every item in this process, one after the other (no memory or time limit: for debugging)."""
    for item in items:
        on_outcome(process_item(item, settings, tmp_root))


# -- the worker process ----------------------------------------------------------------------------
def _exit_with_parent(parent: int, every: float = PARENT_CHECK_S) -> None:
    """End this process once its parent is gone (``kill -9`` of the batch)."""
    while True:
        time.sleep(every)
        if os.getppid() != parent:
            os._exit(1)


def _worker_main(conn: Connection, settings: ExtractSettings, tmp_root: str, level: int, warm_ocr: bool,
                 service: tuple[str, bytes] | None) -> None:
    """A page worker: documents in on ``conn``, outcomes out, until ``None``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C does
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    logging.getLogger("govreport").setLevel(level)
    import govreport.api  # noqa: F401 - the pipeline's imports, before the first document's clock starts
    from govreport.ocr import engines

    if service is not None:
        engines.use_engine(ServiceEngine(*service, has_cls=settings.engine == "rapidocr"))
    elif warm_ocr:
        with contextlib.suppress(Exception):  # the reports that need it fail with the proper message
            engines.get_engine(settings.engine, settings.device)
    conn.send(READY)
    while True:
        try:
            item = conn.recv()
        except EOFError:
            return
        if item is None:
            return
        conn.send(process_item(item, settings, tmp_root))


class ServiceEngine(ProxyEngine):
    """A page worker's engine: requests go to the recognition service over a connection, which is
    made again when the service was restarted."""

    def __init__(self, address: str, authkey: bytes, has_cls: bool) -> None:
        super().__init__(has_cls)
        self._address, self._authkey = address, authkey
        self._conn: Connection | None = None

    def _connect(self) -> Connection:
        for attempt in range(30):
            try:
                return Client(self._address, family="AF_UNIX", authkey=self._authkey)
            except OSError:
                time.sleep(0.05 * (attempt + 1))
        raise GovreportError("the recognition service is not answering")

    def call(self, op: str, payload: Any) -> Any:
        for _ in range(SERVICE_RESTARTS + 1):
            try:
                if self._conn is None:
                    self._conn = self._connect()
                self._conn.send((op, payload))
                status, value = self._conn.recv()
            except (EOFError, OSError):
                self._conn = None
                continue
            if status == "error":
                raise value
            return value
        raise GovreportError("the recognition service keeps dying")


# -- the pool ---------------------------------------------------------------------------------------
@dataclass
class _Slot:
    proc: Any = None
    conn: Connection | None = None
    item: Item | None = None
    watch: Watch | None = None
    ready: bool = False


class _Service:
    """A recognition service process on one device and the address its workers connect to."""

    def __init__(self, ctx: Any, settings: ExtractSettings, batch_pages: int, level: int,
                 device: str | None = None) -> None:
        from govreport.ocr.service import serve
        from govreport.ocr.sessions import device_list

        self._dir = tempfile.mkdtemp(prefix="govreport-ocr-")  # a short path: AF_UNIX names are short
        self.address = os.path.join(self._dir, "ocr.sock")
        self.authkey = secrets.token_bytes(16)
        self.device = device or device_list(settings.device)[0]
        self._args = (self.address, self.authkey, settings.engine, self.device, batch_pages, level)
        self._ctx, self._serve = ctx, serve
        self._ready: Connection | None = None
        self.restarts = 0
        self.start()

    def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.address)
        self._ready, child = self._ctx.Pipe(duplex=False)
        self.proc = self._ctx.Process(target=self._serve, args=(*self._args, child), daemon=True,
                                      name="govreport-ocr")
        self.proc.start()
        child.close()

    def wait_ready(self) -> None:
        """Wait until the service has made its engine: log its providers, or raise why it could not
        (``--device cuda`` whose sessions came up without CUDA: before any document is handed out)."""
        if self._ready is None:
            return
        wait([self._ready, self.proc.sentinel])
        try:
            status, value = self._ready.recv()
        except (EOFError, OSError):
            self.proc.join()
            raise GovreportError(f"the recognition service on {self.device} could not start "
                                 f"(exit {self.proc.exitcode}); rerun with --workers 0 -vv to see why") from None
        finally:
            self._ready.close()
            self._ready = None
        if status == "error":
            raise value
        log.info("recognition service on %s", value)

    def check(self) -> None:
        if not self.proc.is_alive() and self.restarts < SERVICE_RESTARTS:
            log.warning("the recognition service died (exit %s); restarting it", self.proc.exitcode)
            self.restarts += 1
            self.start()
            self.wait_ready()

    def stats(self) -> dict[str, float] | None:
        """What the service did (:class:`govreport.ocr.service.Stats`), or None if it does not answer."""
        if not self.proc.is_alive():
            return None
        try:
            with contextlib.closing(Client(self.address, family="AF_UNIX", authkey=self.authkey)) as conn:
                conn.send(("stats", None))
                if not conn.poll(5):
                    return None
                status, value = conn.recv()
        except (OSError, EOFError):
            return None
        return value if status == "ok" else None

    def close(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        shutil.rmtree(self._dir, ignore_errors=True)


class _Pool:
    """The worker processes of :func:`run_pool`: what each is doing, starting and ending them."""

    def __init__(self, ctx: Any, args: tuple[Any, ...], settings: ExtractSettings, workers: int,
                 on_outcome: Callable[[Outcome], None], specs: list[tuple[str, bytes]] | None = None) -> None:
        self._ctx, self._args, self._settings, self._on_outcome = ctx, args, settings, on_outcome
        self.slots = [_Slot() for _ in range(workers)]
        self._specs = specs or []  #: the services' addresses: worker i talks to service i mod n

    def start(self, slot: _Slot) -> None:
        parent, child = self._ctx.Pipe()
        spec = self._specs[self.slots.index(slot) % len(self._specs)] if self._specs else None
        slot.proc = self._ctx.Process(target=_worker_main, args=(child, *self._args, spec), daemon=True,
                                      name="govreport-worker")
        slot.proc.start()
        child.close()
        slot.conn, slot.item, slot.watch, slot.ready = parent, None, None, False

    def end(self, slot: _Slot) -> None:
        if slot.proc is not None and slot.proc.is_alive():
            slot.proc.kill()
        if slot.proc is not None:
            slot.proc.join()
        if slot.conn is not None:
            slot.conn.close()
        slot.proc = slot.conn = None

    def finish(self, slot: _Slot, outcome: Outcome) -> None:
        slot.item = slot.watch = None
        self._on_outcome(outcome)

    def replace(self, slot: _Slot, problem: GovreportError) -> None:
        """End ``slot``'s worker over ``problem``, record its document as failed, start a fresh one."""
        assert slot.item is not None and slot.watch is not None
        item, seconds = slot.item, time.monotonic() - slot.watch.start
        log.warning("%s", problem)
        self.end(slot)
        self.start(slot)
        self.finish(slot, failure(item, problem, seconds))

    def busy(self) -> bool:
        return any(s.item is not None for s in self.slots)

    def hand_out(self, pending: deque[Item]) -> None:
        """Give each idle ready worker the next pending document."""
        for slot in self.slots:
            if slot.ready and slot.item is None and pending:
                item = pending.popleft()
                assert slot.conn is not None and slot.proc is not None
                try:
                    slot.conn.send(item)
                except OSError:  # it died idle: start another, the item waits for it
                    pending.appendleft(item)
                    self.end(slot)
                    self.start(slot)
                    continue
                slot.item = item
                slot.watch = Watch(slot.proc.pid, self._settings.max_memory_mb, self._settings.max_seconds,
                                   item.source)

    def step(self) -> None:
        """Wait up to :data:`~govreport.isolate.POLL_S` for a worker to speak or die, then take what
        happened: workers that became ready, outcomes, deaths and limits passed."""
        starting = [s for s in self.slots if not s.ready]
        busy = [s for s in self.slots if s.item is not None]
        waitables: list[Any] = [s.conn for s in (*busy, *starting)] + [s.proc.sentinel for s in (*busy, *starting)]
        ready = set(wait(waitables, timeout=POLL_S))
        for slot in starting:
            if slot.conn in ready or slot.proc.sentinel in ready:
                self._admit(slot)
        for slot in busy:
            self._collect(slot, ready)

    def _admit(self, slot: _Slot) -> None:
        try:
            slot.ready = slot.conn.recv() == READY  # type: ignore[union-attr]
        except (EOFError, OSError):
            slot.ready = False
        if not slot.ready:  # a worker that cannot even start: nothing will work
            slot.proc.join()
            raise GovreportError(f"a worker process could not start (exit {slot.proc.exitcode}); "
                                 "rerun with --workers 0 -vv to see why")

    def _collect(self, slot: _Slot, ready: set[Any]) -> None:
        assert slot.item is not None and slot.watch is not None
        if slot.conn in ready:
            try:
                outcome = slot.conn.recv()  # type: ignore[union-attr]
            except (EOFError, OSError):
                outcome = None
            if outcome is not None:
                self.finish(slot, outcome)
                return
        if slot.conn in ready or slot.proc.sentinel in ready:  # died while working
            slot.proc.join()
            self.replace(slot, slot.watch.died(slot.proc.exitcode))
            return
        problem = slot.watch.over()
        if problem is not None:
            self.replace(slot, problem)

    def close(self) -> None:
        """Tell idle workers to stop, end the rest."""
        for slot in self.slots:
            if slot.conn is not None and slot.item is None and slot.proc is not None and slot.proc.is_alive():
                with contextlib.suppress(OSError):
                    slot.conn.send(None)
            self.end(slot)


def run_pool(items: list[Item], settings: ExtractSettings, workers: int, tmp_root: str, warm_ocr: bool,
             on_outcome: Callable[[Outcome], None], service: bool = False, batch_pages: int = 8) -> None:
    """Process ``items`` on ``workers`` processes, one document each at a time, under the limits
    (module docstring); ``service``: recognition in service processes (:mod:`govreport.ocr.service`),
    one per device of ``settings.device`` (``cuda:0,1``: two), the workers shared among them in turn."""
    ctx = multiprocessing.get_context("spawn")
    level = logging.getLogger("govreport").getEffectiveLevel()
    services: list[_Service] = []
    pool: _Pool | None = None
    try:
        if service:
            for device in service_devices(settings):
                services.append(_Service(ctx, settings, batch_pages, level, device))
        specs = [(svc.address, svc.authkey) for svc in services]
        pool = _Pool(ctx, (settings, tmp_root, level, warm_ocr), settings, workers, on_outcome, specs)
        pending: deque[Item] = deque(items)
        for slot in pool.slots:
            pool.start(slot)
        for svc in services:  # the workers start meanwhile
            svc.wait_ready()
        start = time.monotonic()
        while pending or pool.busy():
            pool.hand_out(pending)
            pool.step()
            for svc in services:
                svc.check()
        _log_stats(services, time.monotonic() - start)
    finally:
        if pool is not None:
            pool.close()
        for svc in services:
            svc.close()


def service_devices(settings: ExtractSettings) -> list[str]:
    """The devices that get a recognition service each: those ``settings.device`` lists."""
    from govreport.ocr.sessions import device_list

    return device_list(settings.device)


def _log_stats(services: list[_Service], seconds: float) -> None:
    """One line per service: its requests, model batches and share of the run it was busy."""
    for svc in services:
        st = svc.stats()
        if st is not None and seconds > 0:
            log.info("recognition service on %s: %d requests in %d batches, busy %.1f s of %.1f s (%.0f%%)",
                     svc.device, st["requests"], st["batches"], st["busy_s"], seconds,
                     100 * st["busy_s"] / seconds)
