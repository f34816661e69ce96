"""Where a text, Word or HTML report prints a cell: the line of its plain text (a table row of a Word
or HTML document is one line there) that holds the row's printed label and the cell's text, with the
place of that text in it, for the verify app to show beside the cell (scans show the page instead).

>>> from govreport.report import Cell, Report
>>> r = Report("x.txt", "gov2021", cells=[Cell("appeals", "review", "upheld", 7, "read", "7"),
...                                       Cell("appeals", "review", "corrected", 8, "read", "8")])
>>> cell_sources(r, "前言\\n行政复议\\t7\\t8\\t0\\t2\\t17\\n")["appeals|review|corrected"]
['行政复议\\t7\\t8\\t0\\t2\\t17', 7, 1]
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from govreport.report import Report

log = logging.getLogger("govreport")

_FIELD = re.compile(r"[^\s|\t，,;；]+")
TEXT_KINDS = ("text", "docx", "html")


def document_text(path: Path) -> str | None:
    """The plain text of a text, Word or HTML document as the reader sees it (``None``: unreadable)."""
    from govreport.pipeline import read
    from govreport.settings import ExtractSettings
    from govreport.sources import open_source

    try:
        settings = ExtractSettings()
        layout = read(open_source(path, settings), settings)
    except Exception as exc:  # the app works without the source beside the cell
        log.warning("%s: cannot read its text (%s: %s)", path, type(exc).__name__, exc)
        return None
    return layout.text if layout.input_kind in TEXT_KINDS else None


def _row_labels(template: str | None) -> dict[tuple[str, str], list[str]]:
    if not template:
        return {}
    from govreport.models.template import get_template

    try:
        tpl = get_template(template)
    except KeyError:
        return {}
    return {(t.id, r.id): sorted({x for x in r.labels if x}, key=len, reverse=True) for t in tpl.tables
            for r in t.rows}


def _numbers_below(lines: list[str], k: int, reach: int = 4) -> tuple[str, list[tuple[int, str]]] | None:
    """The first of the ``reach`` lines after line ``k`` that holds numbers, with its fields."""
    for line in lines[k + 1:k + 1 + reach]:
        fields = [(m.start(), m.group()) for m in _FIELD.finditer(line)]
        if fields:
            return line, fields
    return None


def cell_sources(report: Report, text: str) -> dict[str, list[object]]:
    """Per cell key ``table|row|col``: ``[line, start, length]`` of the cell's printed text in the line of
    ``text`` that carries its row label (``start`` -1 when the text is not found in that line)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    labels = _row_labels(report.template)
    out: dict[str, list[object]] = {}
    rows: dict[tuple[str, str], list] = {}
    for c in report.cells:
        rows.setdefault((c.table, c.row), []).append(c)
    for (table, row), cells in rows.items():
        names = labels.get((table, row)) or []
        line = next((ln for name in names for ln in lines if name in ln), None)
        if line is None:
            continue
        name = next(n for n in names if n in line)
        after = line.index(name) + len(name)
        fields = [(m.start(), m.group()) for m in _FIELD.finditer(line) if m.start() >= after]
        k = lines.index(line)
        if not fields:  # a wide table (行政复议 行政诉讼): its numbers on a line below the header, in one run
            run = _numbers_below(lines, k)
            whole = [x for x in report.cells if x.table == table]
            if run is not None and len(run[1]) == len(whole):
                start = whole.index(cells[0])
                line, after, fields = run[0], 0, run[1][start:start + len(cells)]
        if not fields and k + 1 < len(lines):  # one cell per line: the values follow the label's line
            after = len(line) + 1
            line = f"{line}\n{lines[k + 1]}"
            fields = [(m.start(), m.group()) for m in _FIELD.finditer(line) if m.start() >= after]
        for k, c in enumerate(cells):
            key = "|".join(c.key)
            want = (c.text or "").strip()
            at = -1
            if len(fields) == len(cells) and (not want or fields[k][1] == want):
                at, want = fields[k][0], fields[k][1]  # one field per column: the column's own
            elif want:
                at = line.find(want, after)
            out[key] = [line, at, len(want) if at >= 0 else 0]
    return out
