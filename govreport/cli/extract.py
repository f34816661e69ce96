"""``govreport extract FILE``: one report's template tables, checked, shown or saved."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from govreport.cli import common
from govreport.i18n import N_, _
from govreport.settings import MAX_MEMORY_MB, MAX_SECONDS


def extract(
    file: Annotated[str, typer.Argument(help=N_("report file: .txt/.md, .pdf, .docx, .html, .png/.jpg/.tif; or a "
                                                "folder of one report's page images (one file a page, natural "
                                                "order: p2 before p10)"))],
    json_out: Annotated[bool, typer.Option("--json", help=N_("print the contract JSON on stdout, nothing else"))] \
    = False,
    output: Annotated[Optional[Path], typer.Option("-o", "--output",  # noqa: UP045
                                                   help=N_("write .json, .csv, .xlsx, .parquet or .html"))] = None,
    engine: common.Engine = "rapidocr",
    device: common.Device = "cpu",
    dpi: common.Dpi = None,
    password: common.Password = None,
    template: common.Template = None,
    max_pages: common.MaxPages = 200,
    max_memory: common.MaxMemory = MAX_MEMORY_MB,
    timeout: common.Timeout = MAX_SECONDS,
    ids: Annotated[bool, typer.Option("--ids", help=N_("summary: contract IDs instead of the printed labels"))] = False,
    verbose: common.Verbose = 0,
    lang: common.Lang = None,
) -> None:
    """Extract one report's template tables, check them, and show or save the result."""
    common.setup_logging(common.verbosity(verbose))
    from govreport.isolate import extract_isolated
    from govreport.output.export import FORMATS, write_report
    from govreport.output.progress import want_page_progress
    from govreport.output.summary import print_summary

    settings = common.extract_settings(engine=engine, device=device, dpi=dpi, password=password,
                                       template=template, max_pages=max_pages, max_memory_mb=max_memory,
                                       max_seconds=timeout)
    if output is not None:
        common.check_output(output, [Path(file)], FORMATS)
    want_page_progress(sys.stderr.isatty())  # a bar over a scan's pages, on a terminal only
    report = extract_isolated(file, settings)  # under the memory and time limits
    if output is not None:
        write_report(report, output)
    with common.stdout_guard():  # before typer sees a closed pipe (it would exit 1 without a word)
        if json_out:
            sys.stdout.write(report.to_json() + "\n")
        elif output is None:
            print_summary(report, ids=ids)
    if output is not None and not json_out:
        sys.stderr.write(_("govreport: wrote {path} ({cells} cells, {issues} issues)").format(
            path=output, cells=len(report.cells), issues=len(report.issues)) + "\n")
