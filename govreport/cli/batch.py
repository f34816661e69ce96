"""``govreport batch``: many reports into one folder, resumably, in parallel, then the exports.

The command function is long only in its signature: one typer parameter per option (the
extraction options come from :mod:`govreport.cli.common`).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from govreport.batch.manifest import FAILURES
from govreport.batch.run import BatchResult, BatchSettings, run_batch, write_reviews
from govreport.cli import common
from govreport.errors import ExitCode, OutputError
from govreport.i18n import N_, _
from govreport.ocr.service import BATCH_PAGES
from govreport.output.dataset import export_dataset, install_meta
from govreport.output.folder import clean_parts, is_dataset, writing
from govreport.settings import MAX_MEMORY_MB, MAX_SECONDS


def batch_command(
    inputs: Annotated[Optional[list[str]], typer.Argument(  # noqa: UP045
        help=N_("files, folders (recursive), globs ('reports/**/*.pdf') and .zip archives; a folder whose files "
                "are images named alike but for a number (IMG_0012.jpg, IMG_0013.jpg) is one report's pages, in "
                "natural order"), show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help=N_("output folder"))] = None,  # noqa: UP045
    workers: common.Workers = 1,
    ray: Annotated[bool, typer.Option("--ray", help=N_("run the reports as Ray tasks (needs govreport[ray]); "
                                     "a local instance unless --ray-address is given"))] = False,
    ray_address: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--ray-address", metavar="ADDRESS", help=N_("Ray cluster to use ('auto', 'ray://host:10001'); implies --ray"))]
    = None,
    export_only: Annotated[bool, typer.Option("--export-only", help=N_("only rebuild the exports from DIR's JSONs"))]
    = False,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help=N_("redo reports that failed before"))] = False,
    exclude: common.Exclude = None,
    engine: common.Engine = "rapidocr",
    device: common.Device = "cpu",
    dpi: common.Dpi = None,
    password: common.Password = None,
    template: common.Template = None,
    max_pages: common.MaxPages = 200,
    max_memory: common.MaxMemory = MAX_MEMORY_MB,
    timeout: common.Timeout = MAX_SECONDS,
    recognizer: Annotated[str, typer.Option(
        "--recognizer", help=N_("where the OCR models run: service (one process per device, fed by every worker), "
        "workers (a copy in each worker) or auto (service with --device cuda)"))] = "auto",
    batch_pages: Annotated[int, typer.Option(
        "--batch-pages", metavar="N", help=N_("pages whose text lines the recognition service reads together"))]
    = BATCH_PAGES,
    progress: Annotated[Optional[bool], typer.Option(  # noqa: UP045
        "--progress/--no-progress", help=N_("progress bar (default: when stderr is a terminal)"))] = None,
    review: Annotated[bool, typer.Option("--review", help=N_("also write DIR/review/: an HTML review page per "
                                         "report and index.html, worst first"))] = False,
    meta: common.Meta = None,
    verbose: Annotated[int, typer.Option("-v", "--verbose", count=True, help=N_("debug logging"))] = 0,
    lang: common.Lang = None,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help=N_("no per-report log lines"))] = False,
) -> None:
    """Extract many reports into DIR (one JSON each, resumable), then write the dataset exports."""
    common.setup_logging(logging.WARNING if quiet else logging.INFO if verbose == 0 else logging.DEBUG)
    if out is None:
        common.fail(ExitCode.USAGE, _("--out DIR is required"))
    if export_only:
        _export_only(out, bool(inputs), review, meta)
        return
    if not inputs:
        common.fail(ExitCode.USAGE, _("give at least one input (file, folder, glob or .zip)"))
    common.check_workers(workers)
    settings = common.extract_settings(engine=engine, device=device, dpi=dpi, password=password, template=template,
                                       max_pages=max_pages, max_memory_mb=max_memory, max_seconds=timeout)
    try:
        batch = BatchSettings(workers=workers, ray_address=ray_address or ("local" if ray else None),
                              retry_failed=retry_failed, progress=progress, exclude=tuple(exclude or ()),
                              recognizer=recognizer, batch_pages=batch_pages, meta=meta)
    except ValueError as exc:
        common.fail(ExitCode.USAGE, str(exc))
    result = run_batch(inputs, out, settings, batch)
    if review:
        with writing(out):
            index = write_reviews(out)
        sys.stderr.write(_("govreport: review pages in {folder} (open {index})").format(folder=index.parent,
                                                                                        index=index) + "\n")
    _summary(result, out)
    if result.failures:
        raise typer.Exit(int(ExitCode.BATCH_FAILURES))


def _export_only(out: Path, has_inputs: bool, review: bool, meta: Path | None) -> None:
    """``--export-only``: rebuild the exports (and review pages) from the folder's JSONs (with ``meta``
    installed first, when given)."""
    if has_inputs:
        common.fail(ExitCode.USAGE, _("--export-only takes no inputs"))
    if not out.is_dir():
        raise OutputError(_("{path}: no such folder").format(path=out))
    if not is_dataset(out):
        common.fail(ExitCode.USAGE,
                    _("{path}: not a folder written by govreport batch; nothing exported").format(path=out))
    with writing(out):
        clean_parts(out, "review", ".verify")
        if meta is not None:
            install_meta(out, meta)
        export_dataset(out)
        if review:
            write_reviews(out)


def _summary(result: BatchResult, out: Path) -> None:
    counts = {"ok": result.ok, "total": result.total, "out": out, "now": result.processed, "resumed": result.resumed}
    if result.failed:
        line = _("govreport: {ok} of {total} report(s) in {out} ({now} extracted now, {resumed} already there, "
                 "{failed} failed; see {path})").format(**counts, failed=result.failed, path=out / FAILURES)
    else:
        line = _("govreport: {ok} of {total} report(s) in {out} ({now} extracted now, {resumed} already there)"
                 ).format(**counts)
    sys.stderr.write(line + "\n")
