"""Write reports: JSON (the contract), CSV, Excel, Parquet — always atomically.

A file is written to a temporary name beside its target and renamed into place, so an
interrupted run never leaves a half-written output or clobbers a good one.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from govreport.errors import OutputError
from govreport.names import NAME_MAX, display, fit_name
from govreport.report import Report

FORMATS = {".json": "json", ".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet", ".html": "html"}
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def neutralise(value: Any) -> Any:
    """A CSV field a spreadsheet will not run as a formula (OWASP's advice): text starting with
    ``= + - @``, a tab or a carriage return gets a leading ``'``; plain numbers are left as they are;
    a file name that is not UTF-8 is shown readably (:func:`govreport.names.display`).

    >>> neutralise("=HYPERLINK(1)"), neutralise("-3"), neutralise(" @x"), neutralise(7)
    ("'=HYPERLINK(1)", '-3', "' @x", 7)
    """
    if not isinstance(value, str) or not value or _PLAIN_NUMBER.match(value):
        return value
    value = display(value)
    if value.lstrip(" ")[:1] in ("=", "+", "-", "@", "\t", "\r") or value[0] in ("\t", "\r"):
        return "'" + value
    return value


class CsvWriter:
    """``csv.writer`` (``\\n`` line ends) that also quotes a row holding a carriage return: the csv
    module quotes only the line terminator's characters, and a bare ``\\r`` in a file name would split
    the row for every reader (issue 30). Other rows are written byte for byte as before."""

    def __init__(self, fh: Any) -> None:
        self.plain = csv.writer(fh, lineterminator="\n")
        self.quoted = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def writerow(self, row: list[Any] | tuple[Any, ...]) -> Any:
        if any(isinstance(v, str) and "\r" in v for v in row):
            return self.quoted.writerow(row)
        return self.plain.writerow(row)


def frame_to_csv(df: Any, path: Path) -> None:
    """A pandas frame as CSV (UTF-8 with BOM), quoted throughout when a text holds a carriage return."""
    has_cr = any(df[c].map(lambda v: isinstance(v, str) and "\r" in v).any() for c in df.columns
                 if df[c].dtype == object)
    df.to_csv(path, index=False, encoding="utf-8-sig", quoting=csv.QUOTE_ALL if has_cr else csv.QUOTE_MINIMAL)


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path in ``target``'s folder; rename it onto ``target`` on success."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # the temporary name fits in NAME_MAX bytes however long the target's name ("." + 8 + ".part")
        stem = fit_name(target.name, "", NAME_MAX - 16)
        fd, tmp = tempfile.mkstemp(prefix=f".{stem}.", suffix=".part", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write ({exc.strerror or exc})") from None
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp makes 0600; outputs are meant to be shared
        os.replace(tmp_path, target)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write ({exc.strerror or exc})") from None
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text_atomic(target: Path, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _write_with(target: Path, writer: Callable[[Path], object]) -> None:
    with atomic_path(target) as tmp:
        writer(tmp)


def write_report(report: Report, target: Path) -> None:
    """Write one report; the format follows the suffix (.json .csv .xlsx .parquet .html)."""
    target = Path(target)
    fmt = FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise OutputError(f"{target}: unknown output format (use one of {', '.join(FORMATS)})")
    if fmt == "json":
        write_text_atomic(target, report.to_json() + "\n")
    elif fmt == "csv":
        _write_with(target, lambda p: frame_to_csv(report.to_pandas().map(neutralise), p))
    elif fmt == "parquet":
        _write_with(target, lambda p: _parquet_frame(report).to_parquet(p, index=False))
    elif fmt == "xlsx":
        _write_with(target, lambda p: _write_xlsx(report, p))
    else:
        from govreport.output.html import report_html

        write_text_atomic(target, display(report_html(report)))


def _parquet_frame(report: Report):  # type: ignore[no-untyped-def]
    df = report.to_pandas()
    df["bbox"] = df["bbox"].map(lambda b: None if b is None else ",".join(str(x) for x in b))
    df["value"] = df["value"].astype("float64")
    return df


def _write_xlsx(report: Report, path: Path) -> None:
    import pandas as pd

    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        report.to_pandas().to_excel(xw, sheet_name="cells", index=False)
        pd.DataFrame([i.to_dict() for i in report.issues], columns=["kind", "table", "message", "cells"]).astype(
            str).to_excel(xw, sheet_name="issues", index=False)
        for t in report.tables:
            report.table(t).to_excel(xw, sheet_name=t[:31])
