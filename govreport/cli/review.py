"""``govreport review FILE...``: an HTML review page per report (and an index for several)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from govreport.api import extract
from govreport.cli import common
from govreport.errors import BadInputError, ExitCode, GovreportError
from govreport.output.review import IMAGE_DPI, IndexEntry, write_index, write_review
from govreport.report import Report


def _load_report(file: Path, settings: Any) -> tuple[Report, Path | None]:
    """Extract ``file``, or read a contract JSON (its source resolved beside it or from the cwd)."""
    if file.suffix.lower() == ".json" and file.is_file():
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BadInputError(f"{file}: not a report JSON ({exc})") from None
        if isinstance(data, dict) and "cells" in data:
            report = Report.from_dict(data)
            src = Path(report.source) if report.source else None
            if src is not None and not src.is_absolute() and not src.is_file():
                src = file.parent / src if (file.parent / src).is_file() else file.parent / src.name
            return report, src if src is not None and src.is_file() else None
    return extract(file, settings), file


def _unique(out_dir: Path, stem: str, used: set[Path]) -> Path:
    target = out_dir / f"{stem}.review.html"
    k = 2
    while target in used:
        target = out_dir / f"{stem}-{k}.review.html"
        k += 1
    used.add(target)
    return target


def review_command(
    files: Annotated[list[Path], typer.Argument(help="reports to review (.pdf .docx .html .txt images), or "
                                                     "contract .json files written by extract/batch")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help=(  # noqa: UP045
        "one FILE: the .html to write (default FILE-stem.review.html here); several: a folder for "
        "STEM.review.html files and index.html (default: here)"))] = None,
    image_dpi: Annotated[int, typer.Option(help="resolution of the embedded page images")] = IMAGE_DPI,
    image_format: Annotated[str, typer.Option(help="jpeg or webp")] = "jpeg",
    engine: common.Engine = "rapidocr",
    device: common.Device = "cpu",
    dpi: common.Dpi = None,
    password: common.Password = None,
    template: common.Template = None,
    verbose: common.Verbose = 0,
) -> None:
    """Write an HTML review page per report: page images with every cell outlined, issues, tables."""
    common.setup_logging(common.verbosity(verbose))
    if image_format not in ("jpeg", "webp"):
        common.fail(ExitCode.USAGE, f"--image-format must be jpeg or webp (got {image_format!r})")
    if not 30 <= image_dpi <= 300:
        common.fail(ExitCode.USAGE, f"--image-dpi must be between 30 and 300 (got {image_dpi})")
    settings = common.extract_settings(engine=engine, device=device, dpi=dpi, password=password, template=template)
    options = {"image_dpi": image_dpi, "image_format": image_format, "password": password}
    if len(files) == 1:
        target = output if output is not None else Path(f"{files[0].stem}.review.html")
        if target.is_dir():
            target = target / f"{files[0].stem}.review.html"
        report, src = _load_report(files[0], settings)
        write_review(report, target, src, **options)
        sys.stderr.write(f"govreport: wrote {target} ({len(report.cells)} cells, {len(report.issues)} issues)\n")
        return
    out_dir = output if output is not None else Path(".")
    if out_dir.suffix.lower() == ".html":
        common.fail(ExitCode.USAGE, "with several files, -o is a folder (each report gets STEM.review.html)")
    entries: list[IndexEntry] = []
    used: set[Path] = set()
    first_error: ExitCode | None = None
    for f in files:
        target = _unique(out_dir, f.stem, used)
        try:
            report, src = _load_report(f, settings)
            write_review(report, target, src, **options)
            entries.append(IndexEntry(str(f), target, report))
        except GovreportError as exc:
            sys.stderr.write(f"govreport: error: {exc}\n")
            entries.append(IndexEntry(str(f), None, None, str(exc)))
            first_error = first_error or exc.exit_code
    index = write_index(entries, out_dir / "index.html")
    sys.stderr.write(f"govreport: wrote {len(entries) - sum(e.report is None for e in entries)} review page(s) "
                     f"and {index}\n")
    if first_error is not None:
        raise typer.Exit(int(ExitCode.BATCH_FAILURES))
