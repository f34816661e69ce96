"""HTML views of a report: its tables coloured by cell status, and its issues.

Every table cell element carries ``data-table``, ``data-row``, ``data-col`` and ``data-status``
(the contract's IDs and status), exactly one element per template cell, so
``len(root.cssselect("[data-status]")) == len(report.cells)``. Cells named by an issue also get the
class ``gr-issue`` (any issue) and ``gr-bad`` (an ``inconsistent`` issue). Tables, rows and columns
are headed by the template's printed labels, with the contract IDs as tooltips (``title``). The
words a person reads are in the current language (:mod:`govreport.i18n`).

:func:`report_html` is what ``Report._repr_html_`` (``compact=True``) and ``-o report.html`` show;
:func:`tables_html`, :func:`issues_html` and :data:`CSS` are the parts the review page
(:mod:`govreport.output.review`) reuses.

>>> from govreport.report import Cell, Issue, Report
>>> r = Report("x.txt", "gov2021", cells=[Cell("appeals", "review", "total", 3, "read", "3")])
>>> r.issues.append(Issue("inconsistent", "appeals", "sum", [["review", "total"]]))
>>> html = report_html(r, compact=True)
>>> html.count("data-status="), "gr-bad" in html
(1, True)
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from functools import cache, partial
from typing import Any

from govreport.i18n import _, ngettext
from govreport.output.words import input_word, kind_word, status_word
from govreport.report import STATUSES, Cell, Issue, Report, register_extension
from govreport.types import CellRef

#: table-cell backgrounds, by status
COLORS = {"read": "#ffffff", "blank": "#f2f2f2", "masked": "#bdbdbd", "inferred": "#d7ecff",
          "corrected": "#fff1b8", "missing": "#ffd6d6", "verified": "#e1f5e4"}
#: outlines of boxes drawn on page images (and legend borders), by status
STROKES = {"read": "#2e7d32", "blank": "#8d8d8d", "masked": "#212121", "inferred": "#1565c0",
           "corrected": "#ef6c00", "missing": "#c62828", "verified": "#6a1b9a"}
#: issue kinds shown in red; the others in amber
SEVERE = ("inconsistent", "ambiguous", "unplaced")

CSS = (
    ".gr-report{font-family:system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;font-size:13px;color:#222}"
    ".gr-report table{border-collapse:collapse;margin:4px 0 12px}"
    ".gr-report td,.gr-report th{border:1px solid #aaa;padding:1px 5px;text-align:right;white-space:nowrap}"
    ".gr-report th{background:#fafafa;font-weight:600;font-size:12px}"
    ".gr-report th.gr-rh{text-align:left}"
    ".gr-report td.gr-issue{outline:2px dashed #ad1457;outline-offset:-2px}"
    ".gr-report td.gr-bad{outline:2px solid #d50000;outline-offset:-2px;color:#b71c1c;font-weight:700}"
    ".gr-report td.gr-hl,.gr-report td:target{box-shadow:inset 0 0 0 3px #ffea00}"
    ".gr-report .gr-chip{display:inline-block;padding:0 6px;margin:0 3px 2px 0;border:2px solid;border-radius:3px}"
    ".gr-report .gr-issues{margin:4px 0;padding-left:20px}"
    ".gr-report .gr-issues li{margin:2px 0}"
    ".gr-report .gr-alts{display:inline-flex;gap:4px;margin-left:6px;flex-wrap:wrap}"
    ".gr-report .gr-alt{font:inherit;font-size:90%;padding:1px 6px;border:1px solid #1565c0;border-radius:3px;"
    "background:#e3f2fd;color:#0d47a1;cursor:pointer}"
    ".gr-report .gr-kind{display:inline-block;padding:0 4px;border-radius:3px;background:#ffe0b2;font-size:11px}"
    ".gr-report .gr-k-severe .gr-kind{background:#d50000;color:#fff}"
    ".gr-report summary{cursor:pointer;margin:2px 0}"
    ".gr-report .gr-dim{color:#777}"
)


def escape(text: object) -> str:
    """``text`` (``None``: empty) escaped for HTML text and attribute values."""
    return html.escape("" if text is None else str(text))


@cache
def _labels(template: str | None) -> dict[tuple[str, str, str], str]:
    """Printed labels by ``(table, "row"|"col", id)``; empty for an unknown template."""
    if not template:
        return {}
    try:
        from govreport.models.template import get_template

        tpl = get_template(template)
    except (KeyError, ImportError, OSError, ValueError):
        return {}
    out: dict[tuple[str, str, str], str] = {}
    for t in tpl.tables:
        out[(t.id, "table", t.id)] = t.title
        for r in t.rows:
            out[(t.id, "row", r.id)] = r.labels[0] if r.labels else r.id
        for c in t.columns:
            out[(t.id, "col", c.id)] = c.label
    return out


def cell_name(template: str | None, table: str, row: str, col: str) -> str:
    """A cell as the report prints it: ``行政复议 · 结果维持`` (its IDs where the template has no label)."""
    labels = _labels(template)
    return f"{labels.get((table, 'row', row), row)} · {labels.get((table, 'col', col), col)}"


def table_title(template: str | None, table: str) -> str:
    """A table's printed title (its ID for an unknown template)."""
    return _labels(template).get((table, "table", table), table)


def other_readings(report: Report) -> dict[CellRef, list[Any]]:
    """Per cell, the values its ``reading`` issues' alternatives give it other than the one it has
    (another view of the scan, the number as printed before a correction, another placement), in the
    issues' order: what a reviewer may choose from. ``None`` stands for "printed empty".

    >>> from govreport.report import Alternative
    >>> r = Report("a.pdf", "2021", cells=[Cell("applications", "new", "natural", 17, "read")],
    ...            issues=[Issue("low_confidence", "applications", "m", [["new", "natural"]],
    ...                          alternatives=[Alternative([["new", "natural", 17]], "a"),
    ...                                        Alternative([["new", "natural", 11]], "b")])])
    >>> other_readings(r)
    {('applications', 'new', 'natural'): [11]}
    """
    current = {c.key: c.value for c in report.cells}
    out: dict[CellRef, list[Any]] = {}
    for issue in report.issues:
        if issue.about != "reading" or issue.table is None:
            continue
        for alt in issue.alternatives:
            for row, col, value in (v for v in alt.values if len(v) == 3):
                key = (issue.table, row, col)
                if key in current and value != current[key] and value not in out.get(key, []):
                    out.setdefault(key, []).append(value)
    return out


def cell_tip(cell: Cell, template: str | None = None, others: Iterable[Any] = ()) -> str:
    """One-line description of a cell for tooltips: where it is, status, value, text read, confidence,
    page, and the other values a reviewer may choose (``others``, :func:`other_readings`)."""
    where = cell_name(template, *cell.key) if template else f"{cell.table} · {cell.row} · {cell.col}"
    parts = [where, status_word(cell.status),
             _("value {value}").format(value="—" if cell.value is None else cell.value)]
    if cell.text is not None:
        parts.append(_("read {text!r}").format(text=cell.text))
    if cell.confidence is not None:
        parts.append(_("confidence {conf:.2f}").format(conf=float(cell.confidence)))
    if cell.page is not None:
        parts.append(_("page {page}").format(page=cell.page))
    others = ["—" if v is None else str(v) for v in others]
    if others:
        parts.append(_("or: {values}").format(values=_(", ").join(others)))
    return " | ".join(parts)


def cell_id(prefix: str, cell: Cell | CellRef) -> str:
    """An element ID for a cell: ``prefix-table-row-col`` (contract IDs are ``[a-z0-9_]``)."""
    t, r, c = cell.key if isinstance(cell, Cell) else cell
    return f"{prefix}-{t}-{r}-{c}"


def flagged_cells(report: Report) -> tuple[set[CellRef], set[CellRef]]:
    """``(named by any issue, named by an inconsistent issue)`` as cell keys."""
    bad: set[CellRef] = set()
    for i in report.issues:
        if i.kind == "inconsistent" and i.table is not None:
            bad.update((i.table, rc[0], rc[1]) for rc in i.cells if len(rc) == 2)
    return report.issue_cells(), bad


def status_counts(cells: Iterable[Cell]) -> dict[str, int]:
    """Cells per status, in contract order, zero counts left out."""
    counts = {s: 0 for s in STATUSES}
    for c in cells:
        counts[c.status] = counts.get(c.status, 0) + 1
    return {k: v for k, v in counts.items() if v}


def chips_html(report: Report) -> str:
    """Status counts as coloured chips (also the legend)."""
    counts = status_counts(report.cells)
    return "".join(
        f"<span class='gr-chip' style='background:{COLORS.get(s, '#fff')};border-color:{STROKES.get(s, '#999')}' "
        f"title='{escape(s)}' data-chip='{escape(s)}'>{escape(status_word(s))} {n}</span>"
        for s, n in counts.items())


def tables_html(report: Report, *, compact: bool = False, id_prefix: str | None = None) -> str:
    """Every table as an HTML table, one ``<td data-status>`` per template cell.

    ``compact``: each table in a ``<details>``, open when it holds a flagged or non-``read`` cell.
    ``id_prefix``: give each ``<td>`` the ID :func:`cell_id` ``(id_prefix, cell)``.
    """
    flagged, bad = flagged_cells(report)
    others = other_readings(report)
    labels = _labels(report.template)
    parts: list[str] = []
    for t in report.tables:
        cells = [c for c in report.cells if c.table == t]
        rows = list(dict.fromkeys(c.row for c in cells))
        cols = list(dict.fromkeys(c.col for c in cells))
        by = {(c.row, c.col): c for c in cells}
        n_flag = sum(1 for c in cells if c.key in flagged)
        odd = status_counts(c for c in cells if c.status not in ("read", "blank"))
        title = labels.get((t, "table", t), t)
        note = " · ".join([_("{n} flagged").format(n=n) for n in [n_flag] if n]
                          + [f"{status_word(s)} {n}" for s, n in odd.items()])
        head = (f"<b title='{escape(t)}'>{escape(title)}</b> <span class='gr-dim'>{len(rows)}×{len(cols)}"
                f"{' · ' + escape(note) if note else ''}</span>")
        if compact:
            opened = " open" if n_flag or odd else ""
            parts.append(f"<details class='gr-table'{opened}><summary>{head}</summary>")
        else:
            parts.append(f"<div class='gr-table'><h4>{head}</h4>")
        parts.append("<table><tr><th></th>" + "".join(
            f"<th title='{escape(c)}'>{escape(labels.get((t, 'col', c), c))}</th>" for c in cols) + "</tr>")
        for r in rows:
            parts.append(f"<tr><th class='gr-rh' title='{escape(r)}'>{escape(labels.get((t, 'row', r), r))}</th>")
            for col in cols:
                c = by.get((r, col))
                if c is None:  # a row/col pair the report does not hold
                    parts.append("<td class='gr-none'></td>")
                    continue
                cls = "gr-bad gr-issue" if c.key in bad else "gr-issue" if c.key in flagged else ""
                cls_attr = f" class='{cls}'" if cls else ""
                id_attr = f" id='{escape(cell_id(id_prefix, c))}'" if id_prefix else ""
                val = "" if c.value is None else c.value
                if c.value is None and c.status in ("masked", "missing"):
                    val = "■" if c.status == "masked" else "?"
                parts.append(f"<td{id_attr}{cls_attr} style='background:{COLORS.get(c.status, '#fff')}' "
                             f"data-table='{escape(t)}' data-row='{escape(r)}' data-col='{escape(col)}' "
                             f"data-status='{escape(c.status)}' "
                             f"title='{escape(cell_tip(c, report.template, others.get(c.key, ())))}'>"
                             f"{escape(val)}</td>")
            parts.append("</tr>")
        parts.append("</table></details>" if compact else "</table></div>")
    return "".join(parts)


def issue_cells(issue: Issue) -> list[CellRef]:
    """The cell keys an issue names."""
    if issue.table is None:
        return []
    return [(issue.table, rc[0], rc[1]) for rc in issue.cells if len(rc) == 2]


def _alt_values(values: list[list[object]]) -> str:
    """An alternative's cell values for a tooltip: ``row.col = value`` (empty: printed blank)."""
    return "; ".join(f"{r}.{c} = {'—' if v is None else v}" for r, c, v in values)


def issues_html(report: Report, *, limit: int | None = None,
                link: Callable[[list[CellRef]], str] | None = None, choices: bool = False) -> str:
    """The issue list, severe kinds first. ``link``: maps an issue's cell keys to the element ID its
    entry links to; each linked entry also lists its cells in ``data-cells`` (``table|row|col`` ...).
    ``choices``: a reading issue's alternatives as buttons (``data-issue``, ``data-alt``: the verify
    app settles the issue with one of them)."""
    if not report.issues:
        return "<p class='gr-ok'>" + escape(_("No issues: every template constraint holds.")) + "</p>"
    order = sorted(range(len(report.issues)), key=lambda k: report.issues[k].kind not in SEVERE)
    shown = order if limit is None else order[:limit]
    parts = ["<ol class='gr-issues'>"]
    for k in shown:
        i = report.issues[k]
        keys = issue_cells(i)
        sev = " gr-k-severe" if i.kind in SEVERE else ""
        where = f"【{escape(table_title(report.template, i.table))}】" if i.table else ""
        body = (f"<span class='gr-kind'>{escape(kind_word(i.kind))}</span> {where}"
                f"<span class='gr-msg'>{escape(i.message)}</span>")
        if keys:
            n_cells = ngettext("({n} cell)", "({n} cells)", len(keys)).format(n=len(keys))
            body += f" <span class='gr-dim'>{escape(n_cells)}</span>"
        attrs = f" data-kind='{escape(i.kind)}' data-issue='{k}'"
        if link is not None and keys:
            attrs += f" data-cells='{escape(' '.join('|'.join(x) for x in keys))}'"
            body = f"<a href='#{escape(link(keys))}'>{body}</a>"
        if choices and i.about == "reading" and any(a.values for a in i.alternatives):
            body += "<span class='gr-alts'>" + "".join(
                f"<button type='button' class='gr-alt' data-issue='{k}' data-alt='{j}' "
                f"title='{escape(_alt_values(a.values))}'>{escape(a.why)}</button>"
                for j, a in enumerate(i.alternatives) if a.values) + "</span>"
        parts.append(f"<li class='gr-k-{escape(i.kind)}{sev}'{attrs}>{body}</li>")
    parts.append("</ol>")
    if limit is not None and len(order) > limit:
        more = _("… and {n} more issue(s)").format(n=len(order) - limit)
        parts.append(f"<p class='gr-dim'>{escape(more)}</p>")
    return "".join(parts)


def header_html(report: Report) -> str:
    """Source, template, agency, year, input kind and the status chips."""
    m = report.meta
    facts = [_("template {template}").format(template=report.template), m.get("agency"),
             _("report for {year}").format(year=m["year"]) if m.get("year") else None,
             input_word(m["input_kind"]) if m.get("input_kind") else None,
             _("{n} cells").format(n=len(report.cells)), _("{n} issue(s)").format(n=len(report.issues))]
    return (f"<div class='gr-head'><b>{escape(report.source)}</b> <span class='gr-dim'>· "
            + " · ".join(escape(x) for x in facts if x is not None)
            + f"</span></div><div class='gr-legend'>{chips_html(report)}</div>")


def report_html(report: Report, compact: bool = False) -> str:
    """The report as one HTML fragment: header, issues, tables.

    ``compact`` (notebooks): issues capped at 20, tables folded unless they hold something to look
    at. Otherwise (``-o report.html``) every issue and table is shown, and the fragment starts with
    ``<meta charset="utf-8">`` so a browser opening the file reads the Chinese right.
    """
    parts = [] if compact else ["<!doctype html><meta charset='utf-8'><title>", escape(report.source), "</title>"]
    parts.append(f"<div class='gr-report'><style>{CSS}</style>")
    parts.append(header_html(report))
    parts.append(issues_html(report, limit=20 if compact else None))
    parts.append(tables_html(report, compact=compact))
    parts.append("</div>")
    return "".join(parts)


register_extension("html", partial(report_html, compact=True))
