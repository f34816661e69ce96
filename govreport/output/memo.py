"""The audit memo: one report's or a batch's audit as a Word document or a self-contained web page.

The memo holds, for a batch, the bodies ranked by their reports' own defects (the reading doubts counted apart), the
findings across reports (cross-year, boilerplate, indicator outliers) and every report's indicators;
then for each report its dates and deadline, every issue and finding grouped by severity with its
evidence and the article it comes from, its indicators with their formulas, and its checked tables,
each cell marked by status and every flagged cell marked as such.

Both formats are drawn from one list of blocks (:func:`memo_blocks`), so they say the same things.

>>> import govreport, tempfile, pathlib
>>> from govreport.checks.audit import Auditor
>>> data = govreport.extract("samples/sample_2021_tabs.txt").to_dict()
>>> a = Auditor(); _ = a.add("r1", data)
>>> page = write_memo(a.finish(lambda rid: data), lambda rid: data, pathlib.Path(tempfile.mkdtemp()) / "m.html")
>>> "公开率" in page.read_text(encoding="utf-8")
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from govreport.checks.audit import Audit, ReportAudit
from govreport.checks.findings import SEVERITY_ORDER, Finding, flagged_cells
from govreport.checks.rules import rules
from govreport.errors import OutputError
from govreport.output.export import atomic_path

Loader = Callable[[str], "dict[str, Any] | None"]
FORMATS = (".docx", ".html", ".htm")
SEVERITY_TITLE = {"error": "Errors", "warning": "Warnings", "info": "Notes"}
#: what a cell prints after its value, by status (a flagged cell also gets FLAG before it)
STATUS_MARK = {"read": "", "blank": "", "inferred": "*", "corrected": "†", "masked": "■", "missing": "—",
               "verified": "✓"}
FLAG = "⚑"
COLOURS = {"flagged": "F4C7C3", "inferred": "D9EAF7", "corrected": "FFF2CC", "masked": "BFBFBF",
           "missing": "F8CBAD", "verified": "D9F2D0"}
LEGEND = (f"{FLAG} flagged: an issue names the cell (red); * inferred by the table's arithmetic; † corrected by "
          "it (the text read is in the issue); ■ masked; — missing (not found); ✓ verified by a person; empty: "
          "printed empty.")
TEXT_WIDTH = 9_000  #: twips across the page's text (A4 or Letter with python-docx's default margins)


# -- the memo as blocks ------------------------------------------------------------------------------------
@dataclass(slots=True)
class Cell:
    text: str
    mark: str | None = None  #: a COLOURS key
    title: str | None = None  #: hover text (HTML)


@dataclass(slots=True)
class Block:
    kind: str  #: h1 h2 h3 p table findings
    text: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    anchor: str | None = None


def _pct(v: float | None) -> str:
    return "" if v is None else f"{v:.1%}"


def _label(r: ReportAudit) -> str:
    return f"{r.agency or '(body not named)'} {r.year if r.year is not None else '(year unknown)'}"


def _ranking(audit: Audit) -> list[Block]:
    rows = [[Cell(str(n)), Cell(r["body"], None, "; ".join(r["variants"]) if len(r["variants"]) > 1 else None),
             Cell(str(r["reports"])), Cell(", ".join(map(str, r["years"]))), Cell(str(r["score"])),
             Cell(str(r["errors"]), "flagged" if r["errors"] else None), Cell(str(r["warnings"])),
             Cell(str(r["to_check"]))] for n, r in enumerate(audit.ranking(), 1)]
    out = [Block("h2", "Bodies ranked by the reports' own defects"),
           Block("p", "Score: each finding about the report itself weighs 3 (error) or 1 (warning); the tool's "
                      "reading doubts (待核对) are counted apart and never ranked."),
           Block("table", header=["#", "body", "reports", "years", "score", "errors", "warnings", "待核对"],
                 rows=rows)]
    merged = audit.bodies.merges
    if merged or audit.unidentified() or audit.bodies.notes:
        out.append(Block("h3", "Bodies under several names"))
        out += [Block("p", f"{body}: {'、'.join(v)}") for body, v in merged]
        out += [Block("p", n) for n in audit.bodies.notes]
        out += [Block("p", f"未识别: {r.source}") for r in audit.unidentified()]
    return out


def _indicator_overview(audit: Audit) -> list[Block]:
    inds = rules().indicators
    header = ["report", *[f"{i.name}" for i in inds]]
    rows = []
    for r in audit.reports:
        row = [Cell(_label(r))]
        for i in inds:
            ind = r.indicators[i.id]
            text = _pct(ind.value) + (f" (p{ind.percentile:g})" if ind.percentile is not None else "")
            row.append(Cell(text + (f" {FLAG}" if ind.doubtful else ""), "flagged" if ind.doubtful else None,
                            "; ".join(ind.doubtful + ind.notes) or None))
        rows.append(row)
    return [Block("h2", "Indicators"),
            Block("p", "Percentile (p) among the same year's reports with at least "
                       "5 cases; ⚑: computed from flagged cells. Formulas: "
                       + "; ".join(f"{i.name} = {i.formula}" for i in inds) + "."),
            Block("table", header=header, rows=rows)]


def _findings_by_severity(findings: list[Finding], level: str) -> list[Block]:
    out: list[Block] = []
    for sev in sorted({f.severity for f in findings}, key=SEVERITY_ORDER.__getitem__):
        group = [f for f in findings if f.severity == sev]
        out += [Block(level, f"{SEVERITY_TITLE[sev]} ({len(group)})"), Block("findings", findings=group)]
    return out


def _tables(data: dict[str, Any]) -> list[Block]:
    from govreport.models.template import get_template

    flagged = flagged_cells(data)
    try:
        tpl = get_template(data.get("template") or "")
    except KeyError:
        tpl = None
    out: list[Block] = []
    tables: dict[str, list[dict[str, Any]]] = {}
    for c in data.get("cells", []):
        tables.setdefault(c["table"], []).append(c)
    for tid, cells in tables.items():
        spec = next((t for t in tpl.tables if t.id == tid), None) if tpl else None
        rows = list(dict.fromkeys(c["row"] for c in cells))
        cols = list(dict.fromkeys(c["col"] for c in cells))
        rlabel = {r.id: _row_label(tid, r.id, r.labels[0]) for r in spec.rows} if spec else {}
        clabel = {c.id: c.label for c in spec.columns} if spec else {}
        by = {(c["row"], c["col"]): c for c in cells}
        grid = []
        for r in rows:
            line = [Cell(rlabel.get(r, r), title=r)]
            for col in cols:
                c = by.get((r, col))
                if c is None:
                    line.append(Cell(""))
                    continue
                status = c.get("status") or "missing"
                value = "" if c.get("value") is None else _num(c["value"])
                kinds = flagged.get((tid, r, col))
                text = (f"{FLAG}" if kinds else "") + value + STATUS_MARK.get(status, "?")
                title = f"{tid}.{r}.{col}: {status}" + (f", text read {c.get('text')!r}" if c.get("text") else "")
                if kinds:
                    title += f"; issues: {', '.join(sorted(set(kinds)))}"
                line.append(Cell(text, "flagged" if kinds else (status if status in COLOURS else None), title))
            grid.append(line)
        title = f"{tid} {spec.title}" if spec else tid
        out += [Block("h4", title), Block("table", header=["", *[clabel.get(c, c) for c in cols]], rows=grid)]
    return out


_GROUPS = {"withheld_": "（三）不予公开", "unable_": "（四）无法提供", "rejected_": "（五）不予处理",
           "other_": "（六）其他处理"}


def _row_label(table: str, row: str, label: str) -> str:
    """The printed label, with its group (（三）不予公开 …) before a numbered sub-row."""
    group = next((g for p, g in _GROUPS.items() if row.startswith(p) and row != "other_handling"), None)
    return f"{group} {label}" if table == "applications" and group and not label.startswith("（") else label


def _num(v: Any) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _report_blocks(audit: Audit, r: ReportAudit, data: dict[str, Any] | None) -> list[Block]:
    d = r.deadline
    facts = [f"Source: {r.source}", f"template: {r.template or 'none found'}",
             f"body: {r.agency or 'not named'} ({(r.kind or 'kind unknown').replace('_', ' ')})"]
    if d.date:
        facts.append(f"date: {d.date} ({d.date_source}: “{d.evidence}”)")
    else:
        facts.append("date: none printed")
    facts.append(f"deadline (条例第四十九条): {d.deadline or 'not determined'}, {d.status.replace('_', ' ')}")
    out = [Block("h2", _label(r), anchor=f"report-{r.id}"), Block("p", "; ".join(facts) + ".")]
    findings = audit.all_findings(r.id)
    counts = audit.counts(r.id)
    out.append(Block("h3", f"Issues and findings: {counts['error']} error(s), {counts['warning']} warning(s), "
                           f"{counts['info']} note(s)"))
    out += _findings_by_severity(findings, "h4") if findings else [Block("p", "None: every check passed.")]
    out.append(Block("h3", "Indicators"))
    rows = []
    for ind in r.indicators.values():
        known = ind.numerator is not None and ind.denominator is not None
        ratio = f"{_num(ind.numerator)}/{_num(ind.denominator)}" if known else ""
        rank = f"{ind.percentile:g} (of {ind.peers})" if ind.percentile is not None else ""
        notes = "; ".join([*(f"{FLAG} {x}" for x in ind.doubtful), *ind.notes])
        rows.append([Cell(ind.name), Cell(_pct(ind.value), "flagged" if ind.doubtful else None), Cell(ratio),
                     Cell(ind.formula), Cell(rank), Cell(notes)])
    out.append(Block("table", header=["indicator", "value", "cases", "formula", "percentile", "notes"], rows=rows))
    if data is not None:
        out += [Block("h3", "Checked tables"), Block("p", LEGEND), *_tables(data)]
    return out


def memo_blocks(audit: Audit, load: Loader, failures: list[dict[str, Any]] = ()) -> list[Block]:
    """The memo's content, in order (``failures``: inputs that could not be read, as batch records them)."""
    n = len(audit.reports)
    title = "Audit memo" if n != 1 else f"Audit memo: {_label(audit.reports[0])}"
    out = [Block("h1", title),
           Block("p", f"{n} report(s) checked against {rules().regulation} (art. 49 deadlines, art. 50 content), the "
                      "national format's six parts, the template's arithmetic and, across reports, each body's "
                      "series. Every finding quotes the text it is about or says what is absent.")]
    if failures:
        out += [Block("h2", f"Inputs that could not be read ({len(failures)})"),
                Block("table", header=["input", "exit code", "reason"],
                      rows=[[Cell(str(f.get("source"))), Cell(str(f.get("exit_code"))), Cell(str(f.get("reason")))]
                            for f in failures])]
    if n > 1:
        out += _ranking(audit)
        out.append(Block("h2", "Across reports: cross-year, boilerplate, indicator outliers"))
        out += _findings_by_severity(audit.batch, "h3") if audit.batch else [Block("p", "No findings across reports.")]
        out += _indicator_overview(audit)
    for r in audit.reports:
        out += _report_blocks(audit, r, load(r.id))
    return out


# -- HTML ----------------------------------------------------------------------------------------------------
_CSS = """
body { font-family: "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", sans-serif; margin: 2em auto;
       max-width: 1200px; color: #222; line-height: 1.5; }
h1 { border-bottom: 2px solid #333; } h2 { border-bottom: 1px solid #999; margin-top: 2em; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: 13px; }
td, th { border: 1px solid #aaa; padding: 2px 6px; vertical-align: top; } th { background: #eee; }
td.num { text-align: right; white-space: nowrap; }
li.error { color: #a00; } li.warning { color: #8a5a00; } li.info { color: #555; }
.src { color: #666; font-size: 90%; }
"""


def _html_cell(c: Cell, tag: str = "td") -> str:
    style = f' style="background:#{COLOURS[c.mark]}"' if c.mark else ""
    mark = f' data-mark="{c.mark}"' if c.mark else ""
    title = f' title="{escape(c.title)}"' if c.title else ""
    return f"<{tag}{style}{mark}{title}>{escape(c.text)}</{tag}>"


def _finding_html(f: Finding) -> str:
    head = f"<b>{escape(f.kind)}</b>" + (f" [{escape(f.rule)}]" if f.rule else "")
    src = f' <span class="src">({escape(f.source)})</span>' if f.source else ""
    return f'<li class="{f.severity}" data-kind="{escape(f.kind)}">{head}: {escape(f.message)}{src}</li>'


def render_html(blocks: list[Block]) -> str:
    out = ['<!DOCTYPE html>', '<html lang="zh-CN"><head><meta charset="utf-8">',
           f"<title>{escape(blocks[0].text if blocks else 'Audit memo')}</title><style>{_CSS}</style></head><body>"]
    for b in blocks:
        if b.kind in ("h1", "h2", "h3", "h4"):
            anchor = f' id="{escape(b.anchor)}"' if b.anchor else ""
            out.append(f"<{b.kind}{anchor}>{escape(b.text)}</{b.kind}>")
        elif b.kind == "p":
            out.append(f"<p>{escape(b.text)}</p>")
        elif b.kind == "findings":
            out.append("<ul>" + "".join(_finding_html(f) for f in b.findings) + "</ul>")
        elif b.kind == "table":
            head = "".join(_html_cell(Cell(h), "th") for h in b.header)
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>")
            out += ["<tr>" + "".join(_html_cell(c) for c in row) + "</tr>" for row in b.rows]
            out.append("</tbody></table>")
    out.append('<script>document.documentElement.setAttribute("data-ready", "1")</script></body></html>')
    return "\n".join(out) + "\n"


# -- Word ----------------------------------------------------------------------------------------------------
# The body is written as WordprocessingML text and parsed once per block: python-docx's paragraph and cell
# API looks styles up by walking all of them, which takes minutes on a memo of a thousand reports.


def _xml_text(text: str) -> str:
    """Text for a ``w:t`` element (characters XML 1.0 does not allow are dropped)."""
    return escape("".join(ch for ch in text if ch in "\t\n" or ord(ch) >= 0x20), quote=False)


def _run(text: str, bold: bool = False, italic: bool = False) -> str:
    pr = ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
    return f'<w:r>{f"<w:rPr>{pr}</w:rPr>" if pr else ""}<w:t xml:space="preserve">{_xml_text(text)}</w:t></w:r>'


def _para(runs: str, style: str | None = None) -> str:
    pr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{pr}{runs}</w:p>"


def _docx_row(cells: list[Cell], header: bool = False) -> str:
    out = []
    for c in cells:
        fill = "EEEEEE" if header else COLOURS.get(c.mark or "")
        pr = f'<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{fill}"/></w:tcPr>' if fill else ""
        out.append(f"<w:tc>{pr}{_para(_run(c.text) if c.text else '')}</w:tc>")
    return f"<w:tr>{''.join(out)}</w:tr>"


def _width(text: str) -> int:
    """Display width: a CJK character takes two columns."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def _docx_block(b: Block, styles: dict[str, str]) -> str:
    if b.kind in ("h1", "h2", "h3", "h4"):
        return _para(_run(b.text), styles[b.kind])
    if b.kind == "p":
        return _para(_run(b.text))
    if b.kind == "findings":
        return "".join(_para(_run(f"{f.kind}" + (f" [{f.rule}]" if f.rule else "") + ": ", bold=True)
                             + _run(f.message) + (_run(f" ({f.source})", italic=True) if f.source else ""),
                             styles["li"]) for f in b.findings)
    # columns as wide as their longest text (within bounds): labels and notes get the room
    weights = [min(40, max([_width(h), *(_width(r[i].text) for r in b.rows if i < len(r))])) + 4
               for i, h in enumerate(b.header)]
    grid = "".join(f'<w:gridCol w:w="{TEXT_WIDTH * w // sum(weights)}"/>' for w in weights)
    rows = _docx_row([Cell(h) for h in b.header], header=True) + "".join(_docx_row(r) for r in b.rows)
    return (f'<w:tbl><w:tblPr><w:tblStyle w:val="{styles["table"]}"/><w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/>'
            f'<w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{rows}</w:tbl>' + _para(""))


def render_docx(blocks: list[Block], path: Path) -> None:
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn
    from docx.shared import Pt

    d = docx.Document()
    normal = d.styles["Normal"]
    normal.font.size = Pt(10)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "SimSun")
    d.core_properties.title = blocks[0].text if blocks else "Audit memo"
    d.core_properties.author = "govreport"
    styles = {k: d.styles[name].style_id for k, name in (("h1", "Title"), ("h2", "Heading 1"), ("h3", "Heading 2"),
                                                           ("h4", "Heading 3"), ("li", "List Bullet"),
                                                           ("table", "Table Grid"))}
    end = d.element.body.sectPr  # the section's properties stay last
    for b in blocks:
        for el in parse_xml(f"<w:body {nsdecls('w')}>{_docx_block(b, styles)}</w:body>"):
            end.addprevious(el)
    d.save(str(path))


def write_memo(audit: Audit, load: Loader, target: str | Path, failures: list[dict[str, Any]] = ()) -> Path:
    """Write the memo to ``target`` (``.docx`` or ``.html``), atomically."""
    target = Path(target)
    suffix = target.suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(f"{target}: unknown memo format (use .docx or .html)")
    blocks = memo_blocks(audit, load, failures)
    with atomic_path(target) as tmp:
        if suffix == ".docx":
            render_docx(blocks, tmp)
        else:
            tmp.write_text(render_html(blocks), encoding="utf-8")
    return target
