"""``govreport batch``: extract many reports into one folder, resumably, in parallel.

    govreport batch reports/ more/*.pdf bundle.zip --out DIR --workers 4

writes ``DIR/<id>.json`` per report (``<id>`` = 16 hex of the content's sha256 + the sanitized file
stem), appends one line per processed report to ``DIR/manifest.jsonl`` (fsynced), lists what failed
in ``DIR/failures.jsonl`` and finally writes the dataset exports (:mod:`govreport.dataset`). A rerun
skips every report whose JSON exists and is valid, and every recorded failure (``--retry-failed``
redoes those), so an interrupted run just continues.

From Python:

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> res = run_batch(["samples/sample_2019_pipes.md"], out, workers=0)
>>> res.ok, res.failed, sorted(p.name for p in out.glob("*.csv"))
(1, 0, ['issues.csv', 'reports.csv'])
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Annotated, Any, Optional

import typer

from govreport import cli_options as opts
from govreport.archive import Item, Problem, discover, read_item
from govreport.dataset import export_dataset, load_report_file, report_files, shareable
from govreport.errors import ExitCode, GovreportError, MissingDependencyError, OutputError
from govreport.export import atomic_path
from govreport.settings import ExtractSettings
from govreport.verify.apply import apply_to_data
from govreport.verify.store import CorrectionStore, doc_hash

log = logging.getLogger("govreport")

MANIFEST = "manifest.jsonl"
FAILURES = "failures.jsonl"


# -- one report -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Outcome:
    """What extracting one :class:`~govreport.archive.Item` gave: the contract dict, or why not."""

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


def _failure(item: Item | Problem, exc: BaseException, seconds: float = 0.0) -> Outcome:
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
        return _failure(item, exc, time.perf_counter() - start)


# -- worker processes -------------------------------------------------------------------------------
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


def _exit_with_parent(parent: int, every: float = 0.5) -> None:
    """End this worker once its parent is gone (``kill -9`` of the batch): a pool worker holds
    both ends of its task queue, so it would otherwise wait forever as an orphan."""
    while True:
        time.sleep(every)
        if os.getppid() != parent:
            os._exit(1)


def _run_inline(items: list[Item], settings: ExtractSettings, tmp_root: str,
                on_outcome: Callable[[Outcome], None]) -> None:
    for item in items:
        on_outcome(process_item(item, settings, tmp_root))


def _run_pool(items: list[Item], settings: ExtractSettings, workers: int, tmp_root: str, warm_ocr: bool,
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
                        outcome = _failure(item, exc)
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


def _ray_task(item: Item, settings: ExtractSettings, data: bytes | None) -> Outcome:
    return process_item(item, settings, None, data)


def _run_ray(items: list[Item], settings: ExtractSettings, address: str, on_outcome: Callable[[Outcome], None]) -> None:
    """The same per-report function as Ray tasks; the document's bytes travel with the task, so
    the cluster's nodes need not see the input files."""
    try:
        import ray
    except ImportError:
        raise MissingDependencyError.for_extra("ray", "ray", "--ray") from None
    started = False
    if not ray.is_initialized():
        ray.init(address=None if address in ("", "local") else address, log_to_driver=False,
                 include_dashboard=False)
        started = True
    try:
        task = ray.remote(_ray_task)
        window = max(2, 2 * int(ray.cluster_resources().get("CPU", 1)))
        pending = deque(items)
        inflight: dict[Any, Item] = {}
        while pending or inflight:
            while pending and len(inflight) < window:
                item = pending.popleft()
                try:
                    data = read_item(item, settings)
                except GovreportError as exc:
                    on_outcome(_failure(item, exc))
                    continue
                inflight[task.remote(item, settings, data)] = item
            if not inflight:
                continue
            ready, _ = ray.wait(list(inflight), num_returns=1)
            for ref in ready:
                item = inflight.pop(ref)
                try:
                    outcome = ray.get(ref)
                except Exception as exc:  # a task or worker that died
                    outcome = _failure(item, exc)
                on_outcome(outcome)
    finally:
        if started:
            ray.shutdown()


# -- the batch folder ---------------------------------------------------------------------------
class Manifest:
    """``DIR/manifest.jsonl``: one JSON line per processed report, appended and fsynced.

    A line cut short by a kill is ignored on reading (and the next line starts on a fresh line).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.records: dict[str, dict[str, Any]] = {}
        self.lines = 0
        try:
            raw = path.read_bytes() if path.exists() else b""
            for line in raw.splitlines():
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if isinstance(rec, dict) and "id" in rec:
                    self.records[rec["id"]] = rec
                    self.lines += 1
            self._fh = path.open("ab")
            if raw and not raw.endswith(b"\n"):
                self._fh.write(b"\n")
        except OSError as exc:
            raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None

    def append(self, record: dict[str, Any]) -> None:
        try:
            self._fh.write(json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n")
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot write ({exc.strerror or exc})") from None
        self.records[record["id"]] = record
        self.lines += 1

    def close(self) -> None:
        self._fh.close()


def write_json_durable(target: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as JSON atomically, fsynced before the rename."""
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8") as fh:
        shareable(tmp)
        fh.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_failures(out: Path, manifest: Manifest) -> list[dict[str, Any]]:
    """``DIR/failures.jsonl``: the latest failure of every id without a valid JSON, sorted by source."""
    rows = []
    for rec in manifest.records.values():
        if rec.get("status") == "failed" and not (out / f"{rec['id']}.json").exists():
            rows.append({k: rec.get(k) for k in ("id", "source", "exit_code", "reason")})
    rows.sort(key=lambda r: (str(r["source"]), r["id"]))
    with atomic_path(out / FAILURES) as tmp:
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows),
                       encoding="utf-8")
        shareable(tmp)
    return rows


@dataclass
class BatchResult:
    """Counts of one :func:`run_batch` call (``failures`` are this run's inputs that have no JSON)."""

    out: Path
    total: int = 0  #: distinct documents found
    processed: int = 0  #: extracted in this run (ok or failed)
    resumed: int = 0  #: skipped: a valid JSON was already there
    ok: int = 0  #: documents with a valid JSON now
    pages: int = 0  #: pages processed in this run
    seconds: float = 0.0
    failures: list[dict[str, Any]] = field(default_factory=list)
    exports: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.BATCH_FAILURES if self.failures else ExitCode.OK


class _Progress:
    """A rich progress bar on stderr when it is a terminal; else one INFO log line per report."""

    def __init__(self, total: int, enabled: bool | None) -> None:
        self.total, self.done, self.pages, self.start = total, 0, 0, time.perf_counter()
        self.bar: Any = None
        if enabled is None:
            enabled = sys.stderr.isatty()
        if enabled and total:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("[bold]batch"), BarColumn(), MofNCompleteColumn(), TextColumn("docs"),
                                TextColumn("{task.fields[pages]} pages  {task.fields[rate]}"),
                                TimeRemainingColumn(), console=Console(stderr=True), transient=False)
            self.task = self.bar.add_task("batch", total=total, pages=0, rate="")
            self.bar.start()

    def update(self, outcome: Outcome) -> None:
        self.done += 1
        self.pages += outcome.pages if outcome.ok else 0
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        rate = f"{self.done / elapsed * 60:.1f} docs/min, {self.pages / elapsed:.1f} pages/s"
        if self.bar is not None:
            self.bar.update(self.task, advance=1, pages=self.pages, rate=rate)
            if not outcome.ok:
                self.bar.console.print(f"[red]failed[/red] {outcome.source}: {outcome.exit_code}: {outcome.reason}",
                                       highlight=False, markup=False)
        elif outcome.ok:
            data = outcome.data or {}
            log.info("[%d/%d] %s -> %s.json (%s, %d issue(s), %.2fs; %s)", self.done, self.total, outcome.source,
                     outcome.id, data.get("template"), len(data.get("issues", [])), outcome.seconds, rate)
        else:
            log.warning("[%d/%d] %s failed: %s: %s", self.done, self.total, outcome.source, outcome.exit_code,
                        outcome.reason)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _lock(out: Path) -> IO[bytes] | None:
    """Hold ``DIR/.lock`` for the run: two batches writing one folder is refused (POSIX only)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return None
    fh = (out / ".lock").open("ab")
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        raise OutputError(f"{out}: another govreport batch is writing this folder") from None
    return fh


def _prepare_tmp(out: Path) -> Path:
    try:
        tmp_root = out / ".tmp"
        shutil.rmtree(tmp_root, ignore_errors=True)  # leftovers of a killed run
        tmp_root.mkdir(exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot write ({exc.strerror or exc})") from None
    return tmp_root


def run_batch(inputs: Iterable[str | os.PathLike[str]], out: str | os.PathLike[str],
              settings: ExtractSettings | None = None, workers: int = 1, ray_address: str | None = None,
              retry_failed: bool = False, export: bool = True, progress: bool | None = None,
              exclude: Iterable[str] = ()) -> BatchResult:
    """Extract every document under ``inputs`` into ``out``; see the module docstring.

    ``workers``: processes (0: in this process); ``ray_address``: run on Ray instead (``"local"``
    starts a local instance); ``progress``: rich bar (``None``: when stderr is a terminal);
    ``exclude``: glob patterns of file names to leave out (``"*.truth.json"``).
    """
    settings = settings or ExtractSettings()
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot write ({exc.strerror or exc})") from None
    lock = _lock(out)
    tmp_root = _prepare_tmp(out)
    manifest = Manifest(out / MANIFEST)
    corrections = CorrectionStore(out)  # reviewers' decisions outrank any new extraction
    result = BatchResult(out)
    start = time.perf_counter()
    try:
        todo: list[Item] = []
        mine: set[str] = set()
        for found in discover(list(inputs), settings, skip=out, exclude=tuple(exclude)):
            if found.id in mine:
                log.info("%s: same content and name as an earlier input; skipped", found.source)
                continue
            mine.add(found.id)
            result.total += 1
            if isinstance(found, Problem):
                prev = manifest.records.get(found.id)
                if prev is None or prev.get("reason") != str(found.error):
                    manifest.append(_record(_failure(found, found.error)))
                log.warning("%s: %s", found.source, found.error)
                continue
            target = out / f"{found.id}.json"
            if target.exists() and load_report_file(target) is not None:
                result.resumed += 1
                if manifest.records.get(found.id, {}).get("status") not in ("ok", "recovered"):
                    # killed between writing the JSON and logging it: log it now, without redoing it
                    manifest.append({"id": found.id, "source": found.source, "status": "recovered"})
                continue
            prev = manifest.records.get(found.id)
            if prev is not None and prev.get("status") == "failed" and not retry_failed:
                log.info("%s: failed before (%s); skipped (use --retry-failed)", found.source, prev.get("exit_code"))
                continue
            todo.append(found)
        log.info("%d document(s): %d already done, %d to extract", result.total, result.resumed, len(todo))

        bar = _Progress(len(todo), progress)

        def on_outcome(outcome: Outcome) -> None:
            if outcome.ok:
                assert outcome.data is not None
                write_json_durable(out / f"{outcome.id}.json",
                                   apply_to_data(outcome.data, corrections.for_doc(doc_hash(outcome.id))))
                result.pages += outcome.pages
            manifest.append(_record(outcome))
            result.processed += 1
            bar.update(outcome)

        try:
            if ray_address is not None:
                _run_ray(todo, settings, ray_address, on_outcome)
            elif workers <= 0:
                _run_inline(todo, settings, str(tmp_root), on_outcome)
            else:
                warm = any(i.kind == "image" for i in todo)
                _run_pool(todo, settings, min(workers, max(len(todo), 1)), str(tmp_root), warm, on_outcome)
        finally:
            bar.close()
        _fsync_dir(out)
        all_failures = write_failures(out, manifest)
        result.failures = [f for f in all_failures if f["id"] in mine]
        result.ok = sum(1 for i in mine if (out / f"{i}.json").exists())
        if export:
            result.exports = export_dataset(out)
    finally:
        manifest.close()
        shutil.rmtree(tmp_root, ignore_errors=True)
        if lock is not None:
            lock.close()
    result.seconds = time.perf_counter() - start
    return result


def _record(outcome: Outcome) -> dict[str, Any]:
    rec: dict[str, Any] = {"id": outcome.id, "source": outcome.source, "status": "ok" if outcome.ok else "failed",
                           "seconds": round(outcome.seconds, 3)}
    if outcome.ok:
        rec["pages"] = outcome.pages
    else:
        rec.update(exit_code=outcome.exit_code, reason=outcome.reason)
    return rec


# -- CLI ----------------------------------------------------------------------------------------------
def _usage(message: str) -> None:
    sys.stderr.write(f"govreport: error: {message}\n")
    raise typer.Exit(int(ExitCode.USAGE))


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else logging.INFO if verbose == 0 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("govreport: %(levelname)s: %(message)s"))
    logger = logging.getLogger("govreport")
    logger.handlers[:] = [handler]
    logger.setLevel(level)


def write_reviews(out: Path) -> Path:
    """Write ``out/review/<id>.html`` for every report JSON in ``out`` (skipping pages newer than
    their JSON) and ``out/review/index.html`` listing them worst first, failures included."""
    from govreport.report import Cell, Issue, Report
    from govreport.review import IndexEntry, write_index, write_review

    folder = out / "review"
    folder.mkdir(parents=True, exist_ok=True)
    entries: list[IndexEntry] = []
    for path in report_files(out):
        data = load_report_file(path)
        if data is None:
            continue
        page = folder / f"{path.stem}.html"
        report = Report.from_dict(data)
        if not page.exists() or page.stat().st_mtime < path.stat().st_mtime:
            src = Path(report.source) if report.source and "!" not in report.source else None
            try:
                write_review(report, page, src if src is not None and src.is_file() else None)
            except GovreportError as exc:
                log.warning("%s: no review page: %s", report.source, exc)
                page = None  # type: ignore[assignment]
        # the index needs only the counts: keep issues and the cells that were not simply read
        slim = Report(report.source, report.template, report.meta,
                      [Cell(c.table, c.row, c.col, status=c.status) for c in report.cells if c.status != "read"],
                      [Issue(i.kind, i.table, i.message, []) for i in report.issues])
        entries.append(IndexEntry(report.source, page, slim))
    failures = out / FAILURES
    if failures.exists():
        for line in failures.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError):
                f = json.loads(line)
                entries.append(IndexEntry(str(f.get("source")), None, None, f"{f.get('exit_code')}: {f.get('reason')}"))
    return write_index(entries, folder / "index.html")


def batch_command(
    inputs: Annotated[Optional[list[str]], typer.Argument(  # noqa: UP045
        help="files, folders (recursive), globs ('reports/**/*.pdf') and .zip archives", show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="output folder")] = None,  # noqa: UP045
    workers: Annotated[int, typer.Option("--workers", "-j", help="worker processes (0: in this process)")] = 1,
    ray: Annotated[bool, typer.Option("--ray", help="run the reports as Ray tasks (needs govreport[ray]); "
                                     "a local instance unless --ray-address is given")] = False,
    ray_address: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--ray-address", metavar="ADDRESS", help="Ray cluster to use ('auto', 'ray://host:10001'); implies --ray")]
    = None,
    export_only: Annotated[bool, typer.Option("--export-only", help="only rebuild the exports from DIR's JSONs")]
    = False,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="redo reports that failed before")] = False,
    exclude: Annotated[Optional[list[str]], typer.Option(  # noqa: UP045
        "--exclude", "-x", help="leave out file names matching this glob (repeatable), e.g. '*.truth.json'")] = None,
    engine: opts.Engine = "rapidocr",
    device: opts.Device = "cpu",
    dpi: opts.Dpi = None,
    password: opts.Password = None,
    template: opts.Template = None,
    max_pages: opts.MaxPages = 200,
    progress: Annotated[Optional[bool], typer.Option(  # noqa: UP045
        "--progress/--no-progress", help="progress bar (default: when stderr is a terminal)")] = None,
    review: Annotated[bool, typer.Option("--review", help="also write DIR/review/: an HTML review page per "
                                         "report and index.html, worst first")] = False,
    verbose: Annotated[int, typer.Option("-v", "--verbose", count=True, help="debug logging")] = 0,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="no per-report log lines")] = False,
) -> None:
    """Extract many reports into DIR (one JSON each, resumable), then write the dataset exports."""
    _setup_logging(verbose, quiet)
    if out is None:
        _usage("--out DIR is required")
    assert out is not None
    if export_only:
        if inputs:
            _usage("--export-only takes no inputs")
        if not out.is_dir():
            raise OutputError(f"{out}: no such folder")
        export_dataset(out)
        if review:
            write_reviews(out)
        return
    if not inputs:
        _usage("give at least one input (file, folder, glob or .zip)")
    if workers < 0:
        _usage(f"--workers must be 0 or more (got {workers})")
    try:
        settings = ExtractSettings(engine=engine, device=device, dpi=dpi, password=password, template=template,
                                   max_pages=max_pages)
    except ValueError as exc:
        _usage(str(exc))
    address = ray_address or ("local" if ray else None)
    result = run_batch(inputs or [], out, settings, workers=workers, ray_address=address, retry_failed=retry_failed,
                       progress=progress, exclude=exclude or ())
    if review:
        index = write_reviews(out)
        sys.stderr.write(f"govreport: review pages in {index.parent} (open {index})\n")
    sys.stderr.write(f"govreport: {result.ok} of {result.total} report(s) in {out} ({result.processed} extracted now, "
                     f"{result.resumed} already there, {result.failed} failed; see {out / FAILURES})\n"
                     if result.failed else
                     f"govreport: {result.ok} of {result.total} report(s) in {out} ({result.processed} extracted now, "
                     f"{result.resumed} already there)\n")
    if result.failures:
        raise typer.Exit(int(ExitCode.BATCH_FAILURES))
