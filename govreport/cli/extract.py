"""``govreport extract FILE``: one report's template tables, checked, shown or saved."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from govreport.cli import common


def extract(
    file: Annotated[Path, typer.Argument(help="report file: .txt/.md, .pdf, .docx, .html, .png/.jpg/.tif")],
    json_out: Annotated[bool, typer.Option("--json", help="print the contract JSON on stdout, nothing else")] = False,
    output: Annotated[Optional[Path], typer.Option("-o", "--output",  # noqa: UP045
                                                   help="write .json, .csv, .xlsx, .parquet or .html")] = None,
    engine: common.Engine = "rapidocr",
    device: common.Device = "cpu",
    dpi: common.Dpi = None,
    password: common.Password = None,
    template: common.Template = None,
    max_pages: common.MaxPages = 200,
    ids: Annotated[bool, typer.Option("--ids", help="summary: contract IDs instead of the printed labels")] = False,
    verbose: common.Verbose = 0,
) -> None:
    """Extract one report's template tables, check them, and show or save the result."""
    common.setup_logging(common.verbosity(verbose))
    from govreport.api import extract as do_extract
    from govreport.output.export import write_report
    from govreport.output.summary import print_summary

    settings = common.extract_settings(engine=engine, device=device, dpi=dpi, password=password,
                                       template=template, max_pages=max_pages)
    report = do_extract(file, settings)
    if output is not None:
        write_report(report, output)
    if json_out:
        sys.stdout.write(report.to_json() + "\n")
    elif output is None:
        print_summary(report, ids=ids)
    else:
        sys.stderr.write(f"govreport: wrote {output} ({len(report.cells)} cells, {len(report.issues)} issues)\n")
