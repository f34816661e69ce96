"""Dataset exports of a batch folder, rebuilt from its per-report JSON files alone.

``cells.parquet`` (one row per cell), ``reports.csv`` / ``reports.xlsx`` (one row per report, one
column per cell ``table.row.col``), ``issues.csv`` (one row per issue, with its severity: the report's
own, then the audit's findings about it — ``compliance``, ``deadline``, ``cross_year_*``, ``boilerplate``,
``indicator_outlier``; see :mod:`govreport.checks.audit`), ``series.csv`` (one row per body and year:
key counts, indicators, deadline, issue counts; also a sheet of ``reports.xlsx``). A ``meta.csv`` in the
folder (``govreport batch --meta FILE`` puts it there) gives publication dates and kinds of body. Rows are
sorted and nothing time-dependent is written, so the same JSONs always give byte-identical files.

>>> norm_agency(" 青山区人民政府办公室（本级） ")
'青山区人民政府办公室本级'
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import re
import shutil
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from govreport.checks.audit import Audit, Auditor, series_columns
from govreport.checks.deadlines import MetaRow, read_meta_csv
from govreport.checks.findings import flagged_cells
from govreport.checks.rules import norm_agency
from govreport.errors import BadInputError, InputNotFoundError, OutputError
from govreport.names import display
from govreport.output.export import CsvWriter, atomic_path, neutralise
from govreport.output.headings import STATUS_SUFFIX, heading, state_word, value_state
from govreport.verify.apply import apply_corrections

log = logging.getLogger("govreport")

REPORT_FILE = re.compile(r"^[0-9a-fx][0-9a-f]{15}-[\w\-]+\.json$")
APPLICATION_COLS = ("natural_person", "commercial", "research", "social_org", "legal_service", "other_org",
                    "total")
REPORT_COLS = ("report_id", "source", "agency", "year", "template", "input_kind", "pages", "issue_count")
ISSUE_COLS = ("report_id", "source", "agency", "year", "template", "kind", "table", "message", "cells",
              "related_report_id", "severity")
CELL_FIELDS = ("table", "row", "col", "value", "status", "text", "confidence", "page", "bbox")
EXPORTS = ("cells.parquet", "reports.csv", "reports.xlsx", "issues.csv", "series.csv")
META_CSV = "meta.csv"  #: publication dates / kinds of body for the audit (``govreport batch --meta``)
__all__ = ["check_meta", "export_dataset", "install_meta", "load_report_file", "norm_agency", "report_files",
           "shareable", "valid_report"]
PARQUET_BATCH = 25  #: reports per parquet row group


def valid_report(data: object) -> bool:
    """Whether ``data`` is a complete contract JSON (the resume test; a malformed one is left out
    of the exports with a warning).

    >>> valid_report({"source": "a", "template": "gov2021", "cells": [{"table": 1}], "issues": []})
    False
    """
    if not (isinstance(data, dict) and isinstance(data.get("cells"), list) and isinstance(data.get("issues"), list)
            and isinstance(data.get("source"), str) and "template" in data
            and isinstance(data.get("meta", {}), dict)):
        return False
    meta = data.get("meta") or {}
    if not (_opt(meta.get("agency"), str) and _opt(data.get("template"), str)):
        return False
    return (all(_cell_ok(c) for c in data["cells"])
            and all(isinstance(i, dict) and isinstance(i.get("kind"), str) for i in data["issues"]))


def _opt(v: object, kind: type | tuple[type, ...]) -> bool:
    return v is None or (isinstance(v, kind) and not isinstance(v, bool))


def _number_ok(v: object) -> bool:
    return _opt(v, (int, float)) and (v is None or math.isfinite(v))  # type: ignore[arg-type]


def _cell_ok(c: object) -> bool:
    """A cell the exports can write: ids as text, numbers as numbers, ``bbox`` four numbers (a
    hand-edited JSON with a string ``bbox`` is left out, not a crash of the Parquet writer)."""
    if not (isinstance(c, dict) and all(isinstance(c.get(k), str) for k in ("table", "row", "col"))):
        return False
    bbox = c.get("bbox")
    return (_number_ok(c.get("value")) and _number_ok(c.get("confidence")) and _opt(c.get("page"), int)
            and _opt(c.get("status"), str) and _opt(c.get("text"), str)
            and (bbox is None or (isinstance(bbox, list) and all(_number_ok(x) and x is not None for x in bbox))))


def load_report_file(path: Path) -> dict[str, Any] | None:
    """The JSON at ``path`` if it is a valid report, else ``None``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if valid_report(data) else None


def report_files(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).glob("*.json") if REPORT_FILE.match(p.name))


@dataclass(slots=True)
class Entry:
    """What the exports keep of one report between passes: a few fields, not its cells."""

    id: str
    path: Path | None
    source: str
    meta: dict[str, Any]
    template: Any
    issue_count: int
    columns: tuple[str, ...]  #: its cells as ``table.row.col`` (shared between reports of one layout)


def _entry(rid: str, data: dict[str, Any], path: Path | None, layouts: dict[tuple[str, ...], tuple[str, ...]]
           ) -> Entry:
    cols = tuple(f"{c['table']}.{c['row']}.{c['col']}" for c in data["cells"])
    return Entry(rid, path, display(str(data.get("source", ""))), dict(data.get("meta") or {}), data.get("template"),
                 len(data["issues"]), layouts.setdefault(cols, cols))


def _scan(folder: Path, auditor: Auditor) -> list[Entry]:
    """One pass over the folder keeping only small summaries (and the audit's), sorted by source then id."""
    layouts: dict[tuple[str, ...], tuple[str, ...]] = {}
    out = []
    for p in report_files(folder):
        data = load_report_file(p)
        if data is None:
            log.warning("%s: not a valid report JSON; left out of the exports", p)
            continue
        out.append(_entry(p.stem, data, p, layouts))
        auditor.add(p.stem, data)
    out.sort(key=lambda e: (e.source, e.id))
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
    """A CSV field: empty for None, formulas neutralised (:func:`~govreport.output.export.neutralise`)."""
    return "" if value is None else neutralise(value)


def _parquet_schema():  # type: ignore[no-untyped-def]
    import pyarrow as pa

    return pa.schema([("report_id", pa.string()), ("source", pa.string()), ("agency", pa.string()),
                      ("year", pa.int32()), ("template", pa.string()), ("table", pa.string()),
                      ("row", pa.string()), ("col", pa.string()), ("value", pa.float64()),
                      ("status", pa.string()), ("text", pa.string()), ("confidence", pa.float64()),
                      ("page", pa.int32()), ("bbox", pa.list_(pa.float64()))])


def _head(e: Entry) -> list[Any]:
    return [e.id, e.source, e.meta.get("agency"), e.meta.get("year"), e.template]


def _issue_rows(e: Entry, audit: Audit) -> list[list[Any]]:
    """The ``issues.csv`` rows of one report: its own issues, then the audit's findings about it."""
    rows = []
    for f in [*audit.report(e.id).issues, *audit.findings_for(e.id)]:
        i = f.to_issue()
        rows.append([*_head(e), i.kind, i.table, i.message, json.dumps(i.cells, ensure_ascii=False),
                     f.related_report_id, f.severity])
    return rows


def _write_series(fh: IO[str], xlsx: _XlsxStream, series: list[dict[str, Any]]) -> None:
    """``series.csv`` (to ``fh``) and the workbook's series sheet: one row per body and year."""
    header = series_columns()
    writer = CsvWriter(fh)
    writer.writerow(header)
    xlsx.series([heading(h) for h in header])
    for srow in series:
        values = [srow.get(k) for k in header]
        writer.writerow([_fmt(v) for v in values])
        xlsx.series(values)


def _stream_exports(folder: Path, entries: list[Entry], audit: Audit, series: list[dict[str, Any]]) -> int:
    """Write the exports reading one report JSON at a time (memory stays flat). A write that fails
    (a full disk) is an ``OutputError`` naming the file it was writing."""
    return _write_exports(folder, entries, audit, series, ["reports.xlsx"])


def _add_cells(columns: dict[str, list[Any]], e: Entry, cells: list[dict[str, Any]]) -> dict[str, Any]:
    """Append one report's cells to the Parquet ``columns``; its values by ``table.row.col``."""
    year = e.meta.get("year") if isinstance(e.meta.get("year"), int) else None
    values = {}
    for c in cells:
        values[f"{c['table']}.{c['row']}.{c['col']}"] = c.get("value")
        columns["report_id"].append(e.id)
        columns["source"].append(e.source)
        columns["agency"].append(e.meta.get("agency"))
        columns["year"].append(year)
        columns["template"].append(e.template)
        for f in CELL_FIELDS:
            v = c.get(f)
            columns[f].append(float(v) if f == "value" and v is not None else v)
    return values


def _value_states(data: dict[str, Any]) -> dict[str, str]:
    """Each cell's state by ``table.row.col``: its status, or ``in_doubt`` (see :func:`value_state`)."""
    doubted = flagged_cells(data)
    return {f"{c['table']}.{c['row']}.{c['col']}":
            value_state(c, doubted.get((c["table"], c["row"], c["col"]), set())) for c in data["cells"]}


def _write_exports(folder: Path, entries: list[Entry], audit: Audit, series: list[dict[str, Any]],
                   stage: list[str]) -> int:
    """The five exports written in one pass over the report JSONs, each to its temporary file and
    renamed only when all are complete. Long because the files are written side by side from one
    stream and ``stage`` must name the file being written when the disk fails."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    cell_cols = list(dict.fromkeys(col for layout in dict.fromkeys(e.columns for e in entries) for col in layout))
    header = [*REPORT_COLS, *(x for k in cell_cols for x in (k, k + STATUS_SUFFIX))]  # each value, then its state
    schema = _parquet_schema()
    n_issues = 0
    with contextlib.ExitStack() as stack:
        try:
            tmp_xlsx = stack.enter_context(atomic_path(folder / "reports.xlsx"))
            xlsx = _XlsxStream(tmp_xlsx, header)
            stack.callback(xlsx.abort)
            tmp_parquet = stack.enter_context(atomic_path(folder / "cells.parquet"))
            tmp_reports = stack.enter_context(atomic_path(folder / "reports.csv"))
            tmp_issues = stack.enter_context(atomic_path(folder / "issues.csv"))
            tmp_series = stack.enter_context(atomic_path(folder / "series.csv"))
            stage[0] = "reports.csv"
            fh_reports = stack.enter_context(tmp_reports.open("w", encoding="utf-8-sig", newline=""))
            stage[0] = "issues.csv"
            fh_issues = stack.enter_context(tmp_issues.open("w", encoding="utf-8-sig", newline=""))
            w_reports = CsvWriter(fh_reports)
            w_issues = CsvWriter(fh_issues)
            w_reports.writerow(header)
            w_issues.writerow(list(ISSUE_COLS))
            stage[0] = "cells.parquet"
            writer = stack.enter_context(pq.ParquetWriter(tmp_parquet, schema, compression="zstd"))
            columns: dict[str, list[Any]] = {name: [] for name in schema.names}
            for n, e in enumerate(entries, 1):
                data = load_report_file(e.path) if e.path is not None else None
                if data is None:
                    raise OSError(f"{e.path}: changed while the exports were written")
                values = _add_cells(columns, e, data["cells"])
                states = _value_states(data)
                if n % PARQUET_BATCH == 0 or n == len(entries):
                    stage[0] = "cells.parquet"
                    writer.write_table(pa.table(columns, schema=schema))
                    columns = {name: [] for name in schema.names}
                row = [e.id, e.source, e.meta.get("agency"), e.meta.get("year"), e.template, e.meta.get("input_kind"),
                       e.meta.get("pages"), e.issue_count]
                row += [x for k in cell_cols for x in (values.get(k), states.get(k))]
                stage[0] = "reports.csv"
                w_reports.writerow([_fmt(v) for v in row])
                stage[0] = "reports.xlsx"
                xlsx.report([state_word(v) if n >= len(REPORT_COLS) and (n - len(REPORT_COLS)) % 2 and v else v
                             for n, v in enumerate(row)])
                for irow in _issue_rows(e, audit):
                    stage[0] = "issues.csv"
                    w_issues.writerow([_fmt(v) for v in irow])
                    stage[0] = "reports.xlsx"
                    xlsx.issue(irow)
                    n_issues += 1
            stage[0] = "series.csv"
            fh_series = stack.enter_context(tmp_series.open("w", encoding="utf-8-sig", newline=""))
            _write_series(fh_series, xlsx, series)
            if not entries:
                writer.write_table(pa.table(columns, schema=schema))
            for fh in (fh_reports, fh_issues, fh_series):
                fh.flush()
                os.fsync(fh.fileno())
            stage[0] = "cells.parquet"
            writer.close()
            stage[0] = "reports.xlsx"
            xlsx.close()
            for tmp in (tmp_parquet, tmp_reports, tmp_issues, tmp_series, tmp_xlsx):
                shareable(tmp)
        except OSError as exc:  # named here: atomic_path would blame the innermost file
            raise OutputError(f"{folder / stage[0]}: cannot write ({exc.strerror or exc})") from None
        except Exception as exc:
            if type(exc).__module__.startswith("xlsxwriter"):
                raise OutputError(f"{folder / stage[0]}: cannot write ({exc})") from None
            raise
    return n_issues


def _shown(row: list[Any]) -> list[Any]:
    """A workbook row whose text any UTF-8 writer can write (a file name that is not UTF-8, quoted in
    an audit finding, is shown as ``\\xNN``)."""
    return [display(v) if isinstance(v, str) else v for v in row]


SCRATCH = ".xlsx-scratch."  #: prefix of the folder holding xlsxwriter's scratch files while it writes
_LEGACY_SCRATCH = re.compile(r"^tmp[a-z0-9_]{8}$")  #: xlsxwriter's own names (older versions wrote them here)
_OOXML_CR = re.compile(rb"_x005F_x[0-9A-Fa-f]{4}_|_x000D_")


def clean_scratch(folder: Path) -> int:
    """Remove the spreadsheet writer's scratch files an interrupted export left in ``folder``."""
    gone = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for e in entries:
        with contextlib.suppress(OSError):
            if e.name.startswith(SCRATCH) and e.is_dir(follow_symlinks=False):
                shutil.rmtree(e.path)
                gone += 1
            elif _LEGACY_SCRATCH.match(e.name) and e.is_file(follow_symlinks=False):
                os.unlink(e.path)
                gone += 1
    return gone


def _restore_cr(path: Path, scratch: Path) -> None:
    """Write the workbook's carriage returns as ``&#13;``: xlsxwriter writes OOXML's ``_x000D_``,
    which Excel reads back but openpyxl (and so pandas) does not; an XML character reference reads
    back as ``\\r`` everywhere. A literal ``_x000D_`` (escaped ``_x005F_x000D_``) is left alone."""
    fixed = scratch / "cr.xlsx"  # same file system as ``path``; removed with the scratch folder
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(fixed, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = _OOXML_CR.sub(lambda m: b"&#13;" if m.group() == b"_x000D_" else m.group(), data)
            out.writestr(info, data, compress_type=info.compress_type)
    os.replace(fixed, path)


class _XlsxStream:
    """reports.xlsx written row by row (xlsxwriter's constant-memory mode), reproducibly."""

    def __init__(self, path: Path, header: list[str]) -> None:
        import datetime

        import xlsxwriter

        self.path = path
        # its scratch files in a folder of their own beside it, removed whatever happens (clean_scratch
        # removes what a killed process left)
        self.scratch = Path(tempfile.mkdtemp(prefix=SCRATCH, dir=path.parent))
        self.has_cr = False
        self.wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                                  "strings_to_formulas": False, "strings_to_urls": False,
                                                  "tmpdir": str(self.scratch)})
        self.wb.set_properties({"created": datetime.datetime(1980, 1, 1)})  # no timestamps: same input, same bytes
        self.reports, self.issues = self.wb.add_worksheet("reports"), self.wb.add_worksheet("issues")
        self.series_sheet = self.wb.add_worksheet("series")
        self.n_reports = self.n_issues = self.n_series = 0
        self.report([heading(h) for h in header])  # for people; the CSV and Parquet keep the IDs
        self.issue([heading(h) for h in ISSUE_COLS])
        self.closed = False

    def _shown(self, row: list[Any]) -> list[Any]:
        shown = _shown(row)
        self.has_cr = self.has_cr or any(isinstance(v, str) and "\r" in v for v in shown)
        return shown

    def report(self, row: list[Any]) -> None:
        self.reports.write_row(self.n_reports, 0, self._shown(row))
        self.n_reports += 1

    def issue(self, row: list[Any]) -> None:
        self.issues.write_row(self.n_issues, 0, self._shown(row))
        self.n_issues += 1

    def series(self, row: list[Any]) -> None:
        self.series_sheet.write_row(self.n_series, 0, self._shown(row))
        self.n_series += 1

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            try:
                self.wb.close()
                if self.has_cr:
                    _restore_cr(self.path, self.scratch)
            finally:
                shutil.rmtree(self.scratch, ignore_errors=True)

    def abort(self) -> None:
        """Give up (the export failed or was stopped): no workbook, and no scratch file left."""
        self.closed = True
        shutil.rmtree(self.scratch, ignore_errors=True)


def folder_meta(folder: Path) -> dict[str, MetaRow]:
    """The folder's ``meta.csv`` (dates and kinds of body given by the user), if there is one."""
    path = Path(folder) / META_CSV
    if not path.exists():
        return {}
    try:
        return read_meta_csv(path)
    except (OSError, ValueError) as exc:
        raise BadInputError(str(exc)) from None


def check_meta(source: Path) -> None:
    """Refuse a metadata CSV (see :func:`~govreport.checks.deadlines.read_meta_csv`) that cannot be used,
    with a one-line error naming it (the batch does so before it writes anything)."""
    try:
        read_meta_csv(source)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise BadInputError(f"{source}: {exc}" if not str(exc).startswith(str(source)) else str(exc)) from None


def install_meta(folder: Path, source: Path) -> None:
    """Check ``source`` (a metadata CSV, see :func:`~govreport.checks.deadlines.read_meta_csv`) and copy it
    to ``folder/meta.csv``, where every later export finds it."""
    check_meta(source)
    try:
        data = Path(source).read_bytes()
    except FileNotFoundError:
        raise InputNotFoundError(f"{source}: no such file") from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise BadInputError(f"{source}: {exc}" if not str(exc).startswith(str(source)) else str(exc)) from None
    with atomic_path(Path(folder) / META_CSV) as tmp:
        tmp.write_bytes(data)
        shareable(tmp)


def export_dataset(folder: Path) -> dict[str, int]:
    """Write the dataset exports of ``folder`` from its report JSONs; returns row counts.

    The reviewers' decisions in ``folder/corrections.jsonl`` are applied to the JSONs first
    (:mod:`govreport.verify.apply`), so every export shows them.

    Reports are read twice, one at a time (a summary pass, then the writing pass), so memory
    does not grow with the number of reports (the audit keeps a small summary of each, and reads
    back the prose of the few parts it compares).

    >>> import tempfile; export_dataset(Path(tempfile.mkdtemp()))["reports"]
    0
    """
    folder = Path(folder)
    clean_scratch(folder)  # what an interrupted export left
    apply_corrections(folder, report_files(folder))  # reviewers' decisions (corrections.jsonl) first
    auditor = Auditor(folder_meta(folder))
    entries = _scan(folder, auditor)
    audit = auditor.finish(lambda rid: load_report_file(folder / f"{rid}.json"))
    series = audit.series()
    n_issues = _stream_exports(folder, entries, audit, series)
    kinds = Counter(f.kind for f in audit.batch)
    counts = {"reports": len(entries), "cells": sum(len(e.columns) for e in entries),
              "issues": n_issues, "cross_year_mismatch": kinds["cross_year_mismatch"],
              "series": len(series)}
    log.info("exports in %s: %s", folder, ", ".join(f"{k}={v}" for k, v in counts.items()))
    return counts
