"""Dataset exports of a batch folder, rebuilt from its per-report JSON files alone.

``cells.parquet`` (one row per cell), ``reports.csv`` / ``reports.xlsx`` (one row per report, one
column per cell ``table.row.col``), ``issues.csv`` (one row per issue, plus cross-report issues such
as ``cross_year_mismatch``). Rows are sorted and nothing time-dependent is written, so the same JSONs
always give byte-identical files.

>>> norm_agency(" 青山区人民政府办公室（本级） ")
'青山区人民政府办公室本级'
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import os
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govreport.export import atomic_path

log = logging.getLogger("govreport")

REPORT_FILE = re.compile(r"^[0-9a-fx][0-9a-f]{15}-[\w\-]+\.json$")
APPLICATION_COLS = ("natural_person", "commercial", "research", "social_org", "legal_service", "other_org",
                    "total")
REPORT_COLS = ("report_id", "source", "agency", "year", "template", "input_kind", "pages", "issue_count")
ISSUE_COLS = ("report_id", "source", "agency", "year", "template", "kind", "table", "message", "cells",
              "related_report_id")
CELL_FIELDS = ("table", "row", "col", "value", "status", "text", "confidence", "page", "bbox")
EXPORTS = ("cells.parquet", "reports.csv", "reports.xlsx", "issues.csv")
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FIXED_STAMP = "1980-01-01T00:00:00Z"


@dataclass(slots=True)
class Loaded:
    """A report JSON of the batch folder, with the id it is stored under."""

    id: str
    data: dict[str, Any]

    @property
    def meta(self) -> dict[str, Any]:
        return self.data.get("meta") or {}


@dataclass(slots=True)
class CrossIssue:
    kind: str
    report_id: str
    related_report_id: str
    table: str
    message: str
    cells: list[list[str]] = field(default_factory=list)


def norm_agency(name: str | None) -> str:
    """The agency name for grouping: NFKC, without whitespace or punctuation."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", name or ""))


def valid_report(data: object) -> bool:
    """Whether ``data`` looks like a complete contract JSON (the resume test)."""
    return (isinstance(data, dict) and isinstance(data.get("cells"), list) and isinstance(data.get("issues"), list)
            and "source" in data and "template" in data)


def load_report_file(path: Path) -> dict[str, Any] | None:
    """The JSON at ``path`` if it is a valid report, else ``None``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if valid_report(data) else None


def report_files(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).glob("*.json") if REPORT_FILE.match(p.name))


def load_reports(folder: Path) -> list[Loaded]:
    """Every valid report JSON in ``folder``, sorted by source then id."""
    out = []
    for p in report_files(folder):
        data = load_report_file(p)
        if data is None:
            log.warning("%s: not a valid report JSON; left out of the exports", p)
            continue
        out.append(Loaded(p.stem, data))
    out.sort(key=lambda r: (str(r.data.get("source", "")), r.id))
    return out


# -- cross-report checks ------------------------------------------------------------------------
def _applications(report: Loaded) -> dict[tuple[str, str], Any]:
    return {(c["row"], c["col"]): c.get("value") for c in report.data["cells"] if c.get("table") == "applications"}


def cross_year_issues(reports: Iterable[Loaded]) -> list[CrossIssue]:
    """``carried_forward`` of year N must equal ``carried_over`` of year N+1, per agency and column.

    Reports are grouped by :func:`norm_agency`; reports without agency or year are not compared.
    """
    groups: dict[str, dict[int, list[Loaded]]] = defaultdict(lambda: defaultdict(list))
    for r in reports:
        agency, year = norm_agency(r.meta.get("agency")), r.meta.get("year")
        if agency and isinstance(year, int):
            groups[agency][year].append(r)
    out: list[CrossIssue] = []
    for agency in sorted(groups):
        years = groups[agency]
        for year in sorted(years):
            for prev in sorted(years[year], key=lambda r: r.id):
                for nxt in sorted(years.get(year + 1, []), key=lambda r: r.id):
                    a, b = _applications(prev), _applications(nxt)
                    for col in APPLICATION_COLS:
                        fwd, over = a.get(("carried_forward", col)), b.get(("carried_over", col))
                        if fwd is None or over is None or float(fwd) == float(over):
                            continue
                        out.append(CrossIssue(
                            "cross_year_mismatch", nxt.id, prev.id, "applications",
                            f"{col}: carried_over {over} in {year + 1} != carried_forward {fwd} in {year} "
                            f"({prev.data.get('source')})",
                            [["carried_over", col]]))
    return out


# -- writers --------------------------------------------------------------------------------------
def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_MODE = 0o666 & ~_umask()


def shareable(path: Path) -> None:
    """Give a temporary file (``mkstemp`` makes it 0600) the permissions a normal file would get."""
    with contextlib.suppress(OSError):
        os.chmod(path, _MODE)

def _fmt(value: Any) -> Any:
    return "" if value is None else value


def _write_csv(target: Path, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> None:
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        shareable(tmp)
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(list(header))
        for row in rows:
            w.writerow([_fmt(v) for v in row])
        fh.flush()
        os.fsync(fh.fileno())


def _cell_columns(reports: list[Loaded]) -> list[str]:
    cols: dict[str, None] = {}
    for r in reports:
        for c in r.data["cells"]:
            cols.setdefault(f"{c['table']}.{c['row']}.{c['col']}", None)
    return list(cols)


def _report_rows(reports: list[Loaded]) -> tuple[list[str], list[list[Any]]]:
    cell_cols = _cell_columns(reports)
    rows = []
    for r in reports:
        values = {f"{c['table']}.{c['row']}.{c['col']}": c.get("value") for c in r.data["cells"]}
        m = r.meta
        rows.append([r.id, r.data.get("source"), m.get("agency"), m.get("year"), r.data.get("template"),
                     m.get("input_kind"), m.get("pages"), len(r.data["issues"])]
                    + [values.get(k) for k in cell_cols])
    return [*REPORT_COLS, *cell_cols], rows


def _issue_rows(reports: list[Loaded], cross: list[CrossIssue]) -> list[list[Any]]:
    by_id = {r.id: r for r in reports}
    rows = []

    def head(r: Loaded) -> list[Any]:
        return [r.id, r.data.get("source"), r.meta.get("agency"), r.meta.get("year"), r.data.get("template")]

    for r in reports:
        for i in r.data["issues"]:
            rows.append([*head(r), i.get("kind"), i.get("table"), i.get("message"),
                         json.dumps(i.get("cells", []), ensure_ascii=False), None])
    for c in cross:
        rows.append([*head(by_id[c.report_id]), c.kind, c.table, c.message,
                     json.dumps(c.cells, ensure_ascii=False), c.related_report_id])
    return rows


def _write_parquet(target: Path, reports: list[Loaded]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("report_id", pa.string()), ("source", pa.string()), ("agency", pa.string()),
                        ("year", pa.int32()), ("template", pa.string()), ("table", pa.string()),
                        ("row", pa.string()), ("col", pa.string()), ("value", pa.float64()),
                        ("status", pa.string()), ("text", pa.string()), ("confidence", pa.float64()),
                        ("page", pa.int32()), ("bbox", pa.list_(pa.float64()))])
    columns: dict[str, list[Any]] = {name: [] for name in schema.names}
    for r in reports:
        m = r.meta
        year = m.get("year") if isinstance(m.get("year"), int) else None
        for c in r.data["cells"]:
            columns["report_id"].append(r.id)
            columns["source"].append(r.data.get("source"))
            columns["agency"].append(m.get("agency"))
            columns["year"].append(year)
            columns["template"].append(r.data.get("template"))
            for f in CELL_FIELDS:
                v = c.get(f)
                columns[f].append(float(v) if f == "value" and v is not None else v)
    table = pa.table(columns, schema=schema)
    with atomic_path(target) as tmp:
        pq.write_table(table, tmp, compression="zstd")
        shareable(tmp)


def _write_xlsx(target: Path, header: list[str], rows: list[list[Any]], issue_rows: list[list[Any]]) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("reports")
    ws.append(header)
    for row in rows:
        ws.append(row)
    wi = wb.create_sheet("issues")
    wi.append(list(ISSUE_COLS))
    for row in issue_rows:
        wi.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    with atomic_path(target) as tmp:
        tmp.write_bytes(_deterministic_zip(buf.getvalue()))
        shareable(tmp)


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite an OOXML zip with fixed member times and document-property stamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                              lambda m: m.group(1) + _FIXED_STAMP.encode() + m.group(3), body)
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, body)
    return out.getvalue()


def export_dataset(folder: Path) -> dict[str, int]:
    """Write the dataset exports of ``folder`` from its report JSONs; returns row counts.

    >>> import tempfile; export_dataset(Path(tempfile.mkdtemp()))["reports"]
    0
    """
    folder = Path(folder)
    reports = load_reports(folder)
    cross = cross_year_issues(reports)
    header, rows = _report_rows(reports)
    issue_rows = _issue_rows(reports, cross)
    _write_parquet(folder / "cells.parquet", reports)
    _write_csv(folder / "reports.csv", header, rows)
    _write_csv(folder / "issues.csv", ISSUE_COLS, issue_rows)
    _write_xlsx(folder / "reports.xlsx", header, rows, issue_rows)
    counts = {"reports": len(reports), "cells": sum(len(r.data["cells"]) for r in reports),
              "issues": len(issue_rows), "cross_year_mismatch": len(cross)}
    log.info("exports in %s: %s", folder, ", ".join(f"{k}={v}" for k, v in counts.items()))
    return counts
