"""``govreport extract FILE``: one report's template tables, checked, shown or saved."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from govreport.cli import common

STATUS_STYLE = {"read": "", "blank": "dim", "masked": "black on grey50", "inferred": "cyan",
                "corrected": "bold yellow", "missing": "bold red"}


def _print_summary(report) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    meta = report.meta
    console.print(f"[bold]{report.source}[/bold]  template={report.template}  year={meta.get('year')}  "
                  f"agency={meta.get('agency')}  input={meta.get('input_kind')}")
    flagged = report.issue_cells()
    for name in report.tables:
        frame = [c for c in report.cells if c.table == name]
        cols = list(dict.fromkeys(c.col for c in frame))
        rows = list(dict.fromkeys(c.row for c in frame))
        by = {(c.row, c.col): c for c in frame}
        t = Table(title=name, title_justify="left", show_lines=False, pad_edge=False)
        t.add_column("row")
        for col in cols:
            t.add_column(col, justify="right")
        for r in rows:
            vals = []
            for col in cols:
                c = by[(r, col)]
                text = "" if c.value is None else str(c.value)
                if c.status in ("masked", "missing") and c.value is None:
                    text = c.status
                style = STATUS_STYLE.get(c.status, "")
                if (name, r, col) in flagged:
                    style = (style + " underline red").strip()
                vals.append(f"[{style}]{text}[/]" if style else text)
            t.add_row(r, *vals)
        console.print(t)
    if report.issues:
        console.print(f"[bold red]{len(report.issues)} issue(s):[/bold red]")
        for i in report.issues:
            style = "red" if i.kind in ("inconsistent", "ambiguous", "unplaced") else "yellow"
            console.print(f"  [{style}]{i.kind}[/] [{i.table}] {i.message}")
    else:
        console.print("[green]no issues: every template constraint holds[/green]")


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
    verbose: common.Verbose = 0,
) -> None:
    """Extract one report's template tables, check them, and show or save the result."""
    common.setup_logging(common.verbosity(verbose))
    from govreport.api import extract as do_extract
    from govreport.output.export import write_report

    settings = common.extract_settings(engine=engine, device=device, dpi=dpi, password=password,
                                       template=template, max_pages=max_pages)
    report = do_extract(file, settings)
    if output is not None:
        write_report(report, output)
    if json_out:
        sys.stdout.write(report.to_json() + "\n")
    elif output is None:
        _print_summary(report)
    else:
        sys.stderr.write(f"govreport: wrote {output} ({len(report.cells)} cells, {len(report.issues)} issues)\n")
