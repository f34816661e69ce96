"""``govreport review FILE...``: an HTML review page per report (and an index for several).

The command function is long only in its signature: one typer parameter per option (the
extraction options come from :mod:`govreport.cli.common`).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from govreport.cli import common
from govreport.errors import BadInputError, ExitCode, GovreportError, UsageError
from govreport.i18n import N_, _
from govreport.isolate import extract_isolated
from govreport.names import display, fit_name
from govreport.output.review import IMAGE_DPI, IndexEntry, write_index, write_review
from govreport.report import Report
from govreport.settings import MAX_MEMORY_MB, MAX_SECONDS

log = logging.getLogger("govreport")


def _load_report(file: Path, settings: Any) -> tuple[Report, Path | None]:
    """Extract ``file`` (under the memory and time limits), or read a contract JSON. A JSON's source
    document is used for page images only when it lies in the JSON's own folder (or below it): a
    JSON from elsewhere must not make this page embed some other local file."""
    if file.suffix.lower() == ".json" and file.is_file():
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BadInputError(_("{path}: not a report JSON ({error})").format(path=file, error=exc)) from None
        if isinstance(data, dict) and "cells" in data:
            try:
                report = Report.from_dict(data)
            except (TypeError, KeyError, ValueError, AttributeError) as exc:
                raise BadInputError(_("{path}: not a report JSON ({error})").format(
                    path=file, error=f"{type(exc).__name__}: {exc}")) from None
            return report, _source_beside(file, report.source)
    return extract_isolated(file, settings), file


def _source_beside(json_file: Path, source: object) -> Path | None:
    """The report's document if it is a file in ``json_file``'s folder or below it, else ``None``."""
    if not isinstance(source, str) or not source or "\x00" in source:
        return None
    home = json_file.parent.resolve()
    for candidate in (home / source, home / Path(source).name):
        try:
            real = candidate.resolve()
        except (OSError, RuntimeError):
            continue
        if real.is_relative_to(home) and real.is_file():
            return real
    log.warning("%s: its source %s is not in the JSON's folder; pages drawn without images", json_file,
                display(source))
    return None


def _owned_or_new(path: Path) -> None:
    """Refuse to replace a file govreport did not write (an implicit name in the user's folder)."""
    if not path.exists():
        return
    try:
        with path.open("rb") as fh:
            head = fh.read(2048)
    except OSError:
        head = b""
    if b"name='generator' content='govreport" not in head and b"<title>govreport review index</title>" not in head:
        raise UsageError(_("{path}: exists and was not written by govreport; choose another folder with -o").format(
            path=display(str(path))))


def _unique(out_dir: Path, stem: str, used: set[Path]) -> Path:
    target = out_dir / fit_name(stem, ".review.html")  # a 240-byte name, as batch shortens it too
    k = 2
    while target in used:
        target = out_dir / fit_name(stem, f"-{k}.review.html")
        k += 1
    used.add(target)
    return target


def review_command(
    files: Annotated[list[Path], typer.Argument(help=N_("reports to review (.pdf .docx .html .txt images), or "
                                                     "contract .json files written by extract/batch"))],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help=N_(  # noqa: UP045
        "one FILE: the .html to write (default FILE-stem.review.html here); several: a folder for "
        "STEM.review.html files and index.html (default: here)"))] = None,
    image_dpi: Annotated[int, typer.Option(help=N_("resolution of the embedded page images"))] = IMAGE_DPI,
    image_format: Annotated[str, typer.Option(help=N_("jpeg or webp"))] = "jpeg",
    engine: common.Engine = "rapidocr",
    device: common.Device = "cpu",
    dpi: common.Dpi = None,
    password: common.Password = None,
    template: common.Template = None,
    max_memory: common.MaxMemory = MAX_MEMORY_MB,
    timeout: common.Timeout = MAX_SECONDS,
    verbose: common.Verbose = 0,
    lang: common.Lang = None,
) -> None:
    """Write an HTML review page per report: page images with every cell outlined, issues, tables."""
    common.setup_logging(common.verbosity(verbose))
    if image_format not in ("jpeg", "webp"):
        common.fail(ExitCode.USAGE,
                    _("--image-format must be jpeg or webp (got {value!r})").format(value=image_format))
    if not 30 <= image_dpi <= 300:
        common.fail(ExitCode.USAGE, _("--image-dpi must be between {low} and {high} (got {value})").format(
            low=30, high=300, value=image_dpi))
    settings = common.extract_settings(engine=engine, device=device, dpi=dpi, password=password, template=template,
                                       max_memory_mb=max_memory, max_seconds=timeout)
    options = {"image_dpi": image_dpi, "image_format": image_format, "password": password}
    if len(files) == 1:
        target = output if output is not None else Path(fit_name(files[0].stem, ".review.html"))
        if target.is_dir():
            target = target / fit_name(files[0].stem, ".review.html")
            _owned_or_new(target)
        common.check_output(target, files, (".html", ".htm"))
        report, src = _load_report(files[0], settings)
        if src is not None:
            common.check_output(target, [src], (".html", ".htm"))
        write_review(report, target, src if src is not None else False, **options)
        sys.stderr.write(_("govreport: wrote {path} ({cells} cells, {issues} issues)").format(
            path=target, cells=len(report.cells), issues=len(report.issues)) + "\n")
        return
    out_dir = output if output is not None else Path(".")
    if out_dir.suffix.lower() == ".html" or (out_dir.exists() and not out_dir.is_dir()):
        common.fail(ExitCode.USAGE, _("with several files, -o is a folder (each report gets STEM.review.html)"))
    used: set[Path] = set()
    targets = [_unique(out_dir, f.stem, used) for f in files]
    for target in [*targets, out_dir / "index.html"]:  # checked before any work
        _owned_or_new(target)
        common.check_output(target, files, (".html",))
    entries: list[IndexEntry] = []
    first_error: ExitCode | None = None
    for f, target in zip(files, targets, strict=True):
        try:
            report, src = _load_report(f, settings)
            write_review(report, target, src if src is not None else False, **options)
            entries.append(IndexEntry(str(f), target, report))
        except GovreportError as exc:
            sys.stderr.write(_("govreport: error: {message}").format(message=exc) + "\n")
            entries.append(IndexEntry(str(f), None, None, str(exc)))
            first_error = first_error or exc.exit_code
    index = write_index(entries, out_dir / "index.html")
    sys.stderr.write(_("govreport: wrote {n} review page(s) and {index}").format(
        n=len(entries) - sum(e.report is None for e in entries), index=index) + "\n")
    if first_error is not None:
        raise typer.Exit(int(ExitCode.BATCH_FAILURES))
