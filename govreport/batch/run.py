"""``govreport batch``: extract many reports into one folder, resumably, in parallel.

    govreport batch reports/ more/*.pdf bundle.zip --out DIR --workers 4

writes ``DIR/<id>.json`` per report (``<id>`` = 16 hex of the content's sha256 + the sanitized file
stem), appends one line per processed report to ``DIR/manifest.jsonl`` (fsynced), lists what failed
in ``DIR/failures.jsonl`` and finally writes the dataset exports (:mod:`govreport.output.dataset`). A rerun
skips every report whose JSON exists and is valid, and every recorded failure (``--retry-failed``
redoes those), so an interrupted run just continues.

From Python:

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> res = run_batch(["samples/sample_2019_pipes.md"], out, workers=0)
>>> res.ok, res.failed, sorted(p.name for p in out.glob("*.csv"))
(1, 0, ['issues.csv', 'reports.csv', 'series.csv'])
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govreport.batch.archive import Item, Problem, discover
from govreport.batch.manifest import FAILURES, MANIFEST, Manifest, fsync_dir, write_failures, write_json_durable
from govreport.batch.ray_tasks import run_ray
from govreport.batch.workers import Outcome, failure, run_inline, run_pool
from govreport.errors import ExitCode, GovreportError, OutputError
from govreport.ocr.service import BATCH_PAGES
from govreport.output.dataset import check_meta, export_dataset, install_meta, load_report_file, report_files
from govreport.output.folder import claim, clean_parts, writing
from govreport.settings import ExtractSettings
from govreport.verify.apply import apply_to_data
from govreport.verify.store import CorrectionStore, doc_hash

log = logging.getLogger("govreport")


@dataclass
class BatchResult:
    """Counts of one :func:`run_batch` call (``failures`` are this run's inputs that have no JSON)."""

    out: Path
    ids: set[str] = field(default_factory=set)  #: the ids of the documents given to this run
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


def _prepare_tmp(out: Path) -> Path:
    try:
        tmp_root = out / ".tmp"
        shutil.rmtree(tmp_root, ignore_errors=True)  # leftovers of a killed run
        tmp_root.mkdir(exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot write ({exc.strerror or exc})") from None
    return tmp_root


@dataclass(frozen=True, slots=True)
class BatchSettings:
    """How a batch runs (what each report's extraction does is :class:`ExtractSettings`)."""

    workers: int = 1  #: worker processes (0: in this process)
    ray_address: str | None = None  #: run on Ray instead ("local" starts a local instance)
    retry_failed: bool = False  #: redo reports whose failure is recorded
    export: bool = True  #: write the dataset exports at the end
    progress: bool | None = None  #: rich progress bar (None: when stderr is a terminal)
    exclude: tuple[str, ...] = ()  #: glob patterns of file names to leave out ("*.truth.json")
    recognizer: str = "auto"  #: service (one per device), workers (one per worker) or auto (service on cuda)
    batch_pages: int = BATCH_PAGES  #: pages recognised together by the service

    def __post_init__(self) -> None:
        if self.recognizer not in ("auto", "service", "workers"):
            raise ValueError(f"recognizer must be auto, service or workers (got {self.recognizer!r})")
        if self.batch_pages < 1:
            raise ValueError(f"batch_pages must be 1 or more (got {self.batch_pages})")
    #: a CSV of the reports' publication dates (and kinds of body) for the audit, checked and copied to
    #: ``DIR/meta.csv`` before anything is extracted (see :func:`~govreport.output.dataset.install_meta`)
    meta: Path | None = None


def run_batch(inputs: Iterable[str | os.PathLike[str]], out: str | os.PathLike[str],
              settings: ExtractSettings | None = None, batch: BatchSettings | None = None,
              **options: Any) -> BatchResult:
    """Extract every document under ``inputs`` into ``out``; see the module docstring.

    ``options`` are :class:`BatchSettings` fields (``workers=0``, ``progress=False``, ...).
    """
    settings = settings or ExtractSettings()
    if "exclude" in options:
        options["exclude"] = tuple(options["exclude"])
    batch = batch or BatchSettings(**options)
    inputs = list(inputs)
    out = Path(out)
    if batch.meta is not None:
        check_meta(Path(batch.meta))  # before the folder is made: a bad --meta changes nothing
    claim(out, inputs)  # a new or empty folder, or one of ours; never an input nor the user's files
    result = BatchResult(out)
    start = time.perf_counter()
    with writing(out):
        clean_parts(out, "review", ".verify")
        tmp_root = _prepare_tmp(out)
        manifest = Manifest(out / MANIFEST)
        corrections = CorrectionStore(out)  # reviewers' decisions outrank any new extraction
        try:
            if batch.meta is not None:
                install_meta(out, Path(batch.meta))
            todo, mine = _plan(inputs, out, settings, batch, manifest, result)
            result.ids = set(mine)
            _extract(todo, out, settings, batch, str(tmp_root), manifest, corrections, result)
            fsync_dir(out)
            all_failures = write_failures(out, manifest)
            result.failures = [f for f in all_failures if f["id"] in mine]
            result.ok = sum(1 for i in mine if (out / f"{i}.json").exists())
            if batch.export:
                result.exports = export_dataset(out)
        finally:
            manifest.close()
            shutil.rmtree(tmp_root, ignore_errors=True)
    result.seconds = time.perf_counter() - start
    return result


def _plan(inputs: Iterable[str | os.PathLike[str]], out: Path, settings: ExtractSettings, batch: BatchSettings,
          manifest: Manifest, result: BatchResult) -> tuple[list[Item], set[str]]:
    """The documents to extract now, and the ids of every document found (done ones are skipped,
    and so are recorded failures unless retried)."""
    todo: list[Item] = []
    mine: set[str] = set()
    for found in discover(list(inputs), settings, skip=out, exclude=batch.exclude):
        if found.id in mine:
            log.info("%s: same content and name as an earlier input; skipped", found.source)
            continue
        mine.add(found.id)
        result.total += 1
        if isinstance(found, Problem):
            prev = manifest.records.get(found.id)
            if prev is None or prev.get("reason") != str(found.error):
                manifest.append(_record(failure(found, found.error)))
            said = str(found.error)
            log.warning("%s", said if said.startswith(found.source) else f"{found.source}: {said}")
            continue
        target = out / f"{found.id}.json"
        if target.exists() and load_report_file(target) is not None:
            result.resumed += 1
            if manifest.records.get(found.id, {}).get("status") not in ("ok", "recovered"):
                # killed between writing the JSON and logging it: log it now, without redoing it
                manifest.append({"id": found.id, "source": found.source, "status": "recovered"})
            continue
        prev = manifest.records.get(found.id)
        if prev is not None and prev.get("status") == "failed" and not batch.retry_failed:
            log.info("%s: failed before (%s); skipped (use --retry-failed)", found.source, prev.get("exit_code"))
            continue
        todo.append(found)
    log.info("%d document(s): %d already done, %d to extract", result.total, result.resumed, len(todo))
    return todo, mine


def _extract(todo: list[Item], out: Path, settings: ExtractSettings, batch: BatchSettings, tmp_root: str,
             manifest: Manifest, corrections: CorrectionStore, result: BatchResult) -> None:
    """Extract ``todo`` inline, on worker processes or on Ray; each outcome is written as it comes,
    with the reviewers' decisions on that document applied."""
    bar = _Progress(len(todo), batch.progress)
    service = batch.recognizer == "service" or (batch.recognizer == "auto" and settings.device.startswith("cuda"))

    def on_outcome(outcome: Outcome) -> None:
        if outcome.ok:
            assert outcome.data is not None
            with corrections.locked(exclusive=True) as fd:  # the reviewers' lock: no decision lost meanwhile
                write_json_durable(out / f"{outcome.id}.json",
                                   apply_to_data(outcome.data, corrections.for_doc(doc_hash(outcome.id), fd)))
            result.pages += outcome.pages
        manifest.append(_record(outcome))
        result.processed += 1
        bar.update(outcome)

    try:
        if batch.ray_address is not None:
            run_ray(todo, settings, batch.ray_address, on_outcome, batch.batch_pages, service)
        elif batch.workers <= 0:
            run_inline(todo, settings, tmp_root, on_outcome)
        else:
            warm = any(i.kind == "image" for i in todo)
            run_pool(todo, settings, min(batch.workers, max(len(todo), 1)), tmp_root, warm, on_outcome,
                     service=service and any(i.kind in ("image", "pdf") for i in todo),
                     batch_pages=batch.batch_pages)
    finally:
        bar.close()


def _record(outcome: Outcome) -> dict[str, Any]:
    rec: dict[str, Any] = {"id": outcome.id, "source": outcome.source, "status": "ok" if outcome.ok else "failed",
                           "seconds": round(outcome.seconds, 3)}
    if outcome.ok:
        rec["pages"] = outcome.pages
    else:
        rec.update(exit_code=outcome.exit_code, reason=outcome.reason)
    return rec


def write_reviews(out: Path) -> Path:
    """Write ``out/review/<id>.html`` for every report JSON in ``out`` (skipping pages newer than
    their JSON) and ``out/review/index.html`` listing them worst first, failures included."""
    from govreport.output.review import IndexEntry, write_index, write_review
    from govreport.report import Cell, Issue, Report

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
                write_review(report, page, src if src is not None and src.is_file() else False)
            except GovreportError as exc:
                log.warning("%s: no review page: %s", report.source, exc)
                page = None  # type: ignore[assignment]
        # the index needs only the counts: keep issues and the cells that were not simply read
        slim = Report(report.source, report.template, report.meta,
                      [Cell(c.table, c.row, c.col, status=c.status) for c in report.cells if c.status != "read"],
                      [Issue(i.kind, i.table, i.message, [], i.about) for i in report.issues])
        entries.append(IndexEntry(report.source, page, slim))
    failures = out / FAILURES
    if failures.exists():
        for line in failures.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError):
                f = json.loads(line)
                entries.append(IndexEntry(str(f.get("source")), None, None, f"{f.get('exit_code')}: {f.get('reason')}"))
    return write_index(entries, folder / "index.html")
