"""What every command shares: the extraction options (one definition each), building
:class:`~govreport.settings.ExtractSettings` from them, logging, and the one-line failure."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from govreport.errors import ExitCode
from govreport.settings import ExtractSettings

Engine = Annotated[str, typer.Option(help="OCR engine: rapidocr or paddle")]
Device = Annotated[str, typer.Option(help="cpu or cuda")]
Dpi = Annotated[Optional[int], typer.Option(help="PDF render resolution for OCR")]  # noqa: UP045
Password = Annotated[Optional[str], typer.Option(help="password of encrypted PDFs")]  # noqa: UP045
Template = Annotated[Optional[str], typer.Option(help="force a template: gov2021 or gov2019")]  # noqa: UP045
MaxPages = Annotated[int, typer.Option(help="refuse documents with more pages")]
Meta = Annotated[Optional[Path], typer.Option(  # noqa: UP045
    "--meta", metavar="FILE", help="CSV of the reports' publication dates (columns source, date; optional kind: "
    "department or government), checked against 条例 art. 49's deadlines")]
Verbose = Annotated[int, typer.Option("-v", "--verbose", count=True, help="more logging on stderr")]


def fail(code: ExitCode, message: str) -> NoReturn:
    """Stop the command: one line on stderr, exit with ``code``."""
    sys.stderr.write(f"govreport: error: {message}\n")
    raise typer.Exit(int(code))


def setup_logging(level: int) -> None:
    """The ``govreport`` logger to stderr at ``level``, one prefixed line per record."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("govreport: %(levelname)s: %(message)s"))
    log = logging.getLogger("govreport")
    log.handlers[:] = [handler]
    log.setLevel(level)


def verbosity(verbose: int) -> int:
    """The log level of ``-v`` counted: warnings, ``-v`` info, ``-vv`` debug."""
    return logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG


def extract_settings(**fields: object) -> ExtractSettings:
    """:class:`ExtractSettings` from the command's options; a bad value is a usage error."""
    try:
        return ExtractSettings(**fields)  # type: ignore[arg-type]
    except ValueError as exc:
        fail(ExitCode.USAGE, str(exc))
