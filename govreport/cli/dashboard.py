"""``govreport dashboard``: the indicator dashboard (看板) of a batch folder, one self-contained HTML page.

    govreport dashboard BATCH_DIR -o 看板.html [--bodies bodies.csv] [--meta dates.csv]

``BATCH_DIR`` is a folder of report JSONs written by ``govreport batch``; the page links each body to its
review page there (``review/<id>.html``). See :mod:`govreport.output.dashboard`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from govreport.cli import common
from govreport.cli.audit import DASHBOARD, audit_paths, merge_lines
from govreport.errors import BadInputError, ExitCode, InputNotFoundError
from govreport.i18n import N_, _
from govreport.output.dataset import report_files


def dashboard_command(
    batch_dir: Annotated[Path, typer.Argument(help=N_("a batch folder of report JSONs (govreport batch)"),
                                              show_default=False)],
    output: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "-o", "--output", help=N_("the page to write (default: BATCH_DIR/看板.html)"))] = None,
    bodies: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--bodies", metavar="CSV", help=N_("your bodies.csv: which printed names are one body"))] = None,
    meta: common.Meta = None,
    verbose: common.Verbose = 0,
) -> None:
    """Write the indicator dashboard (看板) of a batch folder: KPIs, series, distributions, checks."""
    common.setup_logging(common.verbosity(verbose))
    if not batch_dir.exists():
        raise InputNotFoundError(_("{path}: no such folder").format(path=batch_dir))
    if not batch_dir.is_dir() or not report_files(batch_dir):
        raise BadInputError(_("{path}: not a batch folder (no report JSONs in it; run govreport batch first)").format(
            path=batch_dir))
    output = output or batch_dir / DASHBOARD
    common.check_output(output, [batch_dir], (".html", ".htm"))
    audit, load, _failures = audit_paths([batch_dir], meta, bodies=bodies)
    if not audit.reports:
        common.fail(ExitCode.NOT_A_REPORT, _("{path}: no report JSON could be read").format(path=batch_dir))
    from govreport.output.dashboard import write_dashboard

    has_reviews = (batch_dir / "review").is_dir()
    write_dashboard(audit, load, output, batch_dir if has_reviews else None)
    for line in merge_lines(audit):
        sys.stderr.write(f"govreport: {line}\n")
    sys.stderr.write(f"govreport: wrote {output} ({len(audit.reports)} report(s))\n")


__all__ = ["dashboard_command"]
