"""HTML views of a report: its tables coloured by cell status, and its issues.

Every cell element carries ``data-table``, ``data-row``, ``data-col`` and ``data-status``.
"""

from __future__ import annotations

from govreport.report import Report, escape

COLORS = {"read": "#ffffff", "blank": "#f2f2f2", "masked": "#bdbdbd", "inferred": "#d7ecff",
          "corrected": "#fff1b8", "missing": "#ffd6d6"}

_CSS = """
.gr-report{font-family:system-ui,'Noto Sans CJK SC',sans-serif;font-size:13px}
.gr-report table{border-collapse:collapse;margin:6px 0 14px}
.gr-report td,.gr-report th{border:1px solid #999;padding:2px 6px;text-align:right}
.gr-report th{background:#fafafa;font-weight:600}
.gr-report td.gr-issue{outline:2px solid #d32f2f;outline-offset:-2px}
.gr-report .gr-legend span{display:inline-block;padding:1px 6px;margin-right:4px;border:1px solid #999}
.gr-report li.gr-inconsistent{color:#b71c1c}
"""


def report_html(report: Report, compact: bool = False) -> str:
    flagged = report.issue_cells()
    parts = [f"<div class='gr-report'><style>{_CSS}</style>"]
    parts.append(f"<div><b>{escape(report.source)}</b> · template {escape(report.template)} · "
                 f"{escape(report.meta.get('agency'))} {escape(report.meta.get('year'))}</div>")
    parts.append("<div class='gr-legend'>" + "".join(
        f"<span style='background:{c}'>{s}</span>" for s, c in COLORS.items()) + "</div>")
    for t in report.tables:
        cells = [c for c in report.cells if c.table == t]
        rows = list(dict.fromkeys(c.row for c in cells))
        cols = list(dict.fromkeys(c.col for c in cells))
        by = {(c.row, c.col): c for c in cells}
        parts.append(f"<h4>{escape(t)}</h4><table><tr><th></th>"
                     + "".join(f"<th>{escape(c)}</th>" for c in cols) + "</tr>")
        for r in rows:
            parts.append(f"<tr><th>{escape(r)}</th>")
            for col in cols:
                c = by[(r, col)]
                cls = " class='gr-issue'" if (t, r, col) in flagged else ""
                tip = f"{c.status}; read: {c.text!r}" if c.text is not None else c.status
                val = "" if c.value is None else c.value
                parts.append(f"<td{cls} style='background:{COLORS.get(c.status, '#fff')}' data-table='{escape(t)}' "
                             f"data-row='{escape(r)}' data-col='{escape(col)}' data-status='{escape(c.status)}' "
                             f"title='{escape(tip)}'>{escape(val)}</td>")
            parts.append("</tr>")
        parts.append("</table>")
    if report.issues:
        parts.append("<h4>Issues</h4><ul>")
        for i in report.issues[: 50 if compact else None]:
            parts.append(f"<li class='gr-{escape(i.kind)}'><b>{escape(i.kind)}</b> "
                         f"[{escape(i.table)}] {escape(i.message)}</li>")
        parts.append("</ul>")
    parts.append("</div>")
    return "".join(parts)
