"""Command-line options shared by ``extract``, ``batch``, ``review`` and ``audit`` (one definition each)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

Engine = Annotated[str, typer.Option(help="OCR engine: rapidocr or paddle")]
Device = Annotated[str, typer.Option(help="cpu or cuda")]
Dpi = Annotated[Optional[int], typer.Option(help="PDF render resolution for OCR")]  # noqa: UP045
Password = Annotated[Optional[str], typer.Option(help="password of encrypted PDFs")]  # noqa: UP045
Template = Annotated[Optional[str], typer.Option(help="force a template: gov2021 or gov2019")]  # noqa: UP045
MaxPages = Annotated[int, typer.Option(help="refuse documents with more pages")]
Meta = Annotated[Optional[Path], typer.Option(  # noqa: UP045
    "--meta", metavar="FILE", help="CSV of the reports' publication dates (columns source, date; optional kind: "
    "department or government), checked against 条例 art. 49's deadlines")]
