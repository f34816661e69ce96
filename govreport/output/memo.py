"""The audit memo: one report's or a batch's audit as a document a supervisor can send (Word, PDF or a
self-contained web page), in the output language (Chinese by default).

The memo opens with a summary paragraph (共审查 N 份报告，涉及 M 个单位，发现 …); for a batch, the
bodies ranked by their reports' own defects (the reading doubts, 待核对, counted apart), the findings
across reports and every report's indicators; then, per report, its dates and deadline and the problems
of **the report itself** (compliance, deadline, printed
inconsistencies, cross-year breaks, copied text), each with its legal basis and a 整改建议 (what to put
right). The tool's own **reading doubts** (识别存疑) come in an appendix to check against the document,
and the extracted tables in another, each cell marked by status and every flagged cell marked as such.

The Word and PDF memos follow the Chinese official-document layout (GB/T 9704-2012): A4, margins
37/35/28/26 mm (top, bottom, left, right), the title in 2号 宋体 bold, the body in 3号 仿宋, headings
in 3号 黑体, page numbers "— N —" at the foot. All formats are drawn from one list of blocks
(:func:`memo_blocks`), so they say the same things.

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
from html import escape
from pathlib import Path
from typing import Any

from govreport.checks.audit import Audit, ReportAudit
from govreport.checks.findings import SEVERITY_ORDER, Finding, flagged_cells
from govreport.checks.rules import rules
from govreport.errors import OutputError
from govreport.i18n import N_, _, current_language
from govreport.output.export import atomic_path
from govreport.output.memo_parts import (
    COLOURS,
    MARGIN_MM,
    PAGE_MM,
    SIZES_PT,
    TEXT_WIDTH,
    Block,
    Cell,
    column_weights,
    finding_lines,
)
from govreport.output.words import kind_word, status_word
from govreport.report import default_about

Loader = Callable[[str], "dict[str, Any] | None"]
FORMATS = (".docx", ".pdf", ".html", ".htm")
SEVERITY_TITLE = {"error": N_("Errors"), "warning": N_("Warnings"), "info": N_("Notes")}
#: what a cell prints after its value, by status (a flagged cell also gets FLAG before it)
STATUS_MARK = {"read": "", "blank": "", "inferred": "*", "corrected": "†", "masked": "■", "missing": "—",
               "verified": "✓"}
FLAG = "⚑"
LEGEND = N_("⚑ flagged: an issue names the cell (red); * inferred by the table's arithmetic; † corrected by it "
            "(the text read is in the issue); ■ masked; — missing (not found); ✓ verified by a person; empty: "
            "printed empty.")
INDICATORS_PER_TABLE = 4  #: indicator columns per overview table (more would squeeze them unreadably)
#: audit finding kinds: always about the report itself
AUDIT_KINDS = frozenset({"compliance", "deadline", "cross_year_mismatch", "cross_year_stock_flow",
                         "cross_year_duplicate", "cross_year_gap", "cross_year_jump", "boilerplate",
                         "indicator_outlier"})
DEADLINE_WORDS = {"late": N_("late"), "on_time": N_("in time"), "unknown": N_("not known")}



# -- the memo as blocks ------------------------------------------------------------------------------------
def _pct(v: float | None) -> str:
    return "" if v is None else f"{v:.1%}"


def _label(r: ReportAudit) -> str:
    agency = r.agency or _("(body not named)")
    year = _("report for {year}").format(year=r.year) if r.year is not None else _("(year unknown)")
    return f"{agency} {year}"


def finding_about(f: Finding, issues: list[dict[str, Any]] = ()) -> str:
    """``"report"`` or ``"reading"``: an audit finding is about the report; an extraction issue says what it is
    about in the report's JSON (else by its kind)."""
    if f.kind in AUDIT_KINDS:
        return "report"
    for i in issues:
        if i.get("kind") == f.kind and i.get("table") == f.table and [list(c) for c in i.get("cells", [])] == f.cells:
            return str(i.get("about") or default_about(f.kind))
    return default_about(f.kind)


def _ranking(audit: Audit) -> list[Block]:
    rows = [[Cell(str(n)), Cell(r["body"], None, "; ".join(r["variants"]) if len(r["variants"]) > 1 else None),
             Cell(str(r["reports"])), Cell(", ".join(map(str, r["years"]))), Cell(str(r["score"])),
             Cell(str(r["errors"]), "flagged" if r["errors"] else None), Cell(str(r["warnings"])),
             Cell(str(r["to_check"]))] for n, r in enumerate(audit.ranking(), 1)]
    out = [Block("h2", _("Bodies ranked by the reports' own defects")),
           Block("p", _("Score: each finding about the report itself weighs 3 (error) or 1 (warning); the tool's "
                        "reading doubts (待核对) are counted apart and never ranked.")),
           Block("table", header=["#", _("body"), _("reports"), _("years"), _("score"), _("errors"), _("warnings"),
                                  "待核对"], rows=rows)]
    merged = audit.bodies.merges
    if merged or audit.unidentified() or audit.bodies.notes:
        out.append(Block("h3", _("Bodies under several names")))
        out += [Block("p", f"{body}: {'、'.join(v)}") for body, v in merged]
        out += [Block("p", n) for n in audit.bodies.notes]
        out += [Block("p", f"未识别: {r.source}") for r in audit.unidentified()]
    return out


def _indicator_overview(audit: Audit) -> list[Block]:
    inds = rules().indicators
    out = [Block("h2", _("Indicators")),
           Block("p", _("Percentile (p) among the same year's reports with at least 5 cases; ⚑: computed from "
                        "flagged cells. Formulas: {formulas}.").format(
               formulas=_("; ").join(f"{i.name} = {i.formula}" for i in inds)))]
    for k in range(0, len(inds), INDICATORS_PER_TABLE):  # a few indicators per table: each column stays readable
        part = inds[k:k + INDICATORS_PER_TABLE]
        rows = []
        for r in audit.reports:
            row = [Cell(_label(r))]
            for i in part:
                ind = r.indicators[i.id]
                text = _pct(ind.value) + (f" (p{ind.percentile:g})" if ind.percentile is not None else "")
                row.append(Cell(text + (f" {FLAG}" if ind.doubtful else ""), "flagged" if ind.doubtful else None,
                                "; ".join(ind.doubtful + ind.notes) or None))
            rows.append(row)
        out.append(Block("table", header=[_("report"), *[i.name for i in part]], rows=rows))
    return out


def _findings_by_severity(findings: list[Finding], level: str, about: str = "report") -> list[Block]:
    out: list[Block] = []
    for sev in sorted({f.severity for f in findings}, key=SEVERITY_ORDER.__getitem__):
        group = [f for f in findings if f.severity == sev]
        out += [Block(level, f"{_(SEVERITY_TITLE[sev])} ({len(group)})"),
                Block("findings", findings=group, about=about)]
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
                title = f"{tid}.{r}.{col}: {status_word(status)}"
                if c.get("text"):
                    title += _(", text read {text!r}").format(text=c.get("text"))
                if kinds:
                    title += _("; issues: {kinds}").format(kinds=_(", ").join(sorted({kind_word(k) for k in kinds})))
                line.append(Cell(text, "flagged" if kinds else (status if status in COLOURS else None), title))
            grid.append(line)
        out += [Block("h4", spec.title if spec else tid),
                Block("table", header=["", *[clabel.get(c, c) for c in cols]], rows=grid)]
    return out


_GROUPS = {"withheld_": "（三）不予公开", "unable_": "（四）无法提供", "rejected_": "（五）不予处理",
           "other_": "（六）其他处理"}


def _row_label(table: str, row: str, label: str) -> str:
    """The printed label, with its group (（三）不予公开 …) before a numbered sub-row."""
    group = next((g for p, g in _GROUPS.items() if row.startswith(p) and row != "other_handling"), None)
    return f"{group} {label}" if table == "applications" and group and not label.startswith("（") else label


def _num(v: Any) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _split(audit: Audit, r: ReportAudit, data: dict[str, Any] | None) -> tuple[list[Finding], list[Finding]]:
    """A report's findings: ``(about the report itself, reading doubts)``."""
    issues = (data or {}).get("issues", [])
    own: list[Finding] = []
    doubts: list[Finding] = []
    for f in audit.all_findings(r.id):
        (own if finding_about(f, issues) == "report" else doubts).append(f)
    return own, doubts


def _report_blocks(audit: Audit, r: ReportAudit, data: dict[str, Any] | None, own: list[Finding],
                   n_doubts: int) -> list[Block]:
    d = r.deadline
    kind = {"department": _("a department"), "government": _("a government")}.get(r.kind or "", _("kind unknown"))
    facts = [_("source: {source}").format(source=r.source),
             _("template: {template}").format(template=r.template or _("none found")),
             _("body: {agency} ({kind})").format(agency=r.agency or _("not named"), kind=kind)]
    if d.date:
        facts.append(_("published {date} ({source}: “{evidence}”)").format(date=d.date, source=d.date_source,
                                                                          evidence=d.evidence))
    else:
        facts.append(_("no publication date printed"))
    facts.append(_("deadline (art. 49): {deadline}, {status}").format(
        deadline=d.deadline or _("not determined"), status=_(DEADLINE_WORDS.get(d.status, d.status))))
    out = [Block("h3", _label(r), anchor=f"report-{r.id}"), Block("p", _("; ").join(facts) + _("."))]
    errors = sum(f.severity == "error" for f in own)
    out.append(Block("h4", _("Problems of the report itself: {n} ({errors} error(s))").format(n=len(own),
                                                                                            errors=errors)))
    out += _findings_by_severity(own, "h4") if own else [Block("p", _("None: every check passed."))]
    if n_doubts:
        out.append(Block("p", _("{n} reading doubt(s) of this report are listed in appendix 1, to check against "
                                "the document.").format(n=n_doubts)))
    out.append(Block("h4", _("Indicators")))
    rows = []
    for ind in r.indicators.values():
        known = ind.numerator is not None and ind.denominator is not None
        ratio = f"{_num(ind.numerator)}/{_num(ind.denominator)}" if known else ""
        rank = _("{p} (of {n})").format(p=f"{ind.percentile:g}", n=ind.peers) if ind.percentile is not None else ""
        notes = "; ".join([*(f"{FLAG} {x}" for x in ind.doubtful), *ind.notes])
        rows.append([Cell(ind.name), Cell(_pct(ind.value), "flagged" if ind.doubtful else None), Cell(ratio),
                     Cell(ind.formula), Cell(rank), Cell(notes)])
    out.append(Block("table", header=[_("indicator"), _("value"), _("cases"), _("formula"), _("percentile"),
                                      _("notes")], rows=rows))
    return out


def summary_text(audit: Audit, split: dict[str, tuple[list[Finding], list[Finding]]]) -> str:
    """The memo's opening paragraph: 共审查 N 份报告，涉及 M 个单位，发现 …"""
    bodies = {r.body or r.source for r in audit.reports}
    own = [f for a, _d in split.values() for f in a]
    doubts = sum(len(d) for _a, d in split.values())
    late = sum(r.deadline.status == "late" for r in audit.reports)
    kinds = sorted({f.kind for f in own}, key=lambda k: -sum(f.kind == k for f in own))
    top = _("、").join(f"{kind_word(k)} {sum(f.kind == k for f in own)}" for k in kinds[:4])
    text = _("{n} report(s) of {m} bod(ies) were checked; {own} problem(s) of the reports themselves were found "
             "({errors} error(s)), {late} report(s) published late, and {doubts} reading doubt(s) are left to check "
             "against the documents (appendix 1).").format(
        n=len(audit.reports), m=len(bodies), own=len(own), errors=sum(f.severity == "error" for f in own),
        late=late, doubts=doubts)
    if top:
        text += _(" Most frequent: {top}.").format(top=top)
    return text


def memo_blocks(audit: Audit, load: Loader, failures: list[dict[str, Any]] = ()) -> list[Block]:
    """The memo's content, in order (``failures``: inputs that could not be read, as batch records them)."""
    n = len(audit.reports)
    datas = {r.id: load(r.id) for r in audit.reports}
    split = {r.id: _split(audit, r, datas[r.id]) for r in audit.reports}
    title = _("Audit memo") if n != 1 else _("Audit memo: {report}").format(report=_label(audit.reports[0]))
    out = [Block("h1", title), Block("p", summary_text(audit, split)),
           Block("p", _("Checked against {regulation} (art. 49 deadlines, art. 50 content), the national format's "
                        "six parts, the template's arithmetic and, across reports, each body's series. Every "
                        "finding quotes the text it is about or says what is absent.").format(
               regulation=rules().regulation))]
    if failures:
        out += [Block("h2", _("Inputs that could not be read ({n})").format(n=len(failures))),
                Block("table", header=[_("input"), _("exit code"), _("reason")],
                      rows=[[Cell(str(f.get("source"))), Cell(str(f.get("exit_code"))), Cell(str(f.get("reason")))]
                            for f in failures])]
    if n > 1:
        out += _ranking(audit)
        out.append(Block("h2", _("Across reports: cross-year, boilerplate, indicator outliers")))
        out += (_findings_by_severity(audit.batch, "h3") if audit.batch
                else [Block("p", _("No findings across reports."))])
        out += _indicator_overview(audit)
    out.append(Block("h2", _("The reports, one by one")))
    for r in audit.reports:
        out += _report_blocks(audit, r, datas[r.id], split[r.id][0], len(split[r.id][1]))
    out.append(Block("h2", _("Appendix 1: reading doubts (to check against the documents)"), anchor="appendix-1"))
    doubted = [r for r in audit.reports if split[r.id][1]]
    if not doubted:
        out.append(Block("p", _("None: every value was read without doubt.")))
    for r in doubted:
        out += [Block("h3", _label(r)), Block("findings", findings=split[r.id][1], about="reading")]
    out += [Block("h2", _("Appendix 2: the extracted tables"), anchor="appendix-2"), Block("p", _(LEGEND))]
    for r in audit.reports:
        if datas[r.id] is not None:
            out += [Block("h3", _label(r)), *_tables(datas[r.id])]
    return out


# -- HTML ----------------------------------------------------------------------------------------------------
_CSS = """
body { font-family: "FangSong", "仿宋", "STFangsong", "Noto Serif CJK SC", "WenQuanYi Zen Hei", serif; margin: 2em auto;
       max-width: 210mm; padding: 0 1em; color: #222; line-height: 1.6; font-size: 16px; overflow-wrap: anywhere; }
h1 { font-family: "SimSun", "宋体", "Noto Serif CJK SC", serif; text-align: center; font-size: 28px; }
h2, h3, h4 { font-family: "SimHei", "黑体", "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif; }
h2 { border-bottom: 1px solid #999; margin-top: 2em; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: 13px; width: 100%; table-layout: fixed; }
td, th { border: 1px solid #aaa; padding: 2px 4px; vertical-align: top; overflow-wrap: anywhere;
         word-break: break-word; }
th { background: #eee; }
li { margin: .3em 0; } li.error { color: #a00; } li.warning { color: #8a5a00; } li.info { color: #555; }
.src, .line { color: #444; font-size: 90%; display: block; }
"""


def _html_cell(c: Cell, tag: str = "td") -> str:
    style = f' style="background:#{COLOURS[c.mark]}"' if c.mark else ""
    mark = f' data-mark="{c.mark}"' if c.mark else ""
    title = f' title="{escape(c.title)}"' if c.title else ""
    return f"<{tag}{style}{mark}{title}>{escape(c.text)}</{tag}>"


def _finding_html(f: Finding, about: str) -> str:
    head, message, lines = finding_lines(f, about)
    after = "".join(f'<span class="line">{escape(k)}{escape(v)}</span>' for k, v in lines)
    return (f'<li class="{f.severity}" data-kind="{escape(f.kind)}" data-about="{about}"><b>{escape(head)}</b>'
            f"{escape(_(': '))}{escape(message)}{after}</li>")


def render_html(blocks: list[Block]) -> str:
    lang = "en" if current_language() == "en" else "zh-CN"
    out = ['<!DOCTYPE html>', f'<html lang="{lang}"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width,initial-scale=1">',
           f"<title>{escape(blocks[0].text if blocks else _('Audit memo'))}</title><style>{_CSS}</style></head><body>"]
    for b in blocks:
        if b.kind in ("h1", "h2", "h3", "h4"):
            anchor = f' id="{escape(b.anchor)}"' if b.anchor else ""
            out.append(f"<{b.kind}{anchor}>{escape(b.text)}</{b.kind}>")
        elif b.kind == "p":
            out.append(f"<p>{escape(b.text)}</p>")
        elif b.kind == "findings":
            out.append("<ul>" + "".join(_finding_html(f, b.about) for f in b.findings) + "</ul>")
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
#: fonts of GB/T 9704: body 仿宋, headings 黑体, title 小标宋 (宋体 where that is not installed)
FONTS = {"body": "仿宋", "heading": "黑体", "title": "宋体"}



def _xml_text(text: str) -> str:
    """Text for a ``w:t`` element (characters XML 1.0 does not allow are dropped)."""
    return escape("".join(ch for ch in text if ch in "\t\n" or ord(ch) >= 0x20), quote=False)


def _run(text: str, bold: bool = False, italic: bool = False, size: float | None = None,
         font: str | None = None) -> str:
    pr = ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
    if font:
        pr = f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}"/>' + pr
    if size:
        pr += f'<w:sz w:val="{round(size * 2)}"/><w:szCs w:val="{round(size * 2)}"/>'
    return f'<w:r>{f"<w:rPr>{pr}</w:rPr>" if pr else ""}<w:t xml:space="preserve">{_xml_text(text)}</w:t></w:r>'


def _para(runs: str, style: str | None = None) -> str:
    pr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{pr}{runs}</w:p>"


def _docx_row(cells: list[Cell], header: bool = False) -> str:
    out = []
    for c in cells:
        fill = "EEEEEE" if header else COLOURS.get(c.mark or "")
        pr = f'<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{fill}"/></w:tcPr>' if fill else ""
        size = SIZES_PT["table"]
        out.append(f"<w:tc>{pr}{_para(_run(c.text, bold=header, size=size) if c.text else '')}</w:tc>")
    return f"<w:tr>{''.join(out)}</w:tr>"


def _docx_block(b: Block, styles: dict[str, str]) -> str:
    if b.kind in ("h1", "h2", "h3", "h4"):
        return _para(_run(b.text), styles[b.kind])
    if b.kind == "p":
        return _para(_run(b.text))
    if b.kind == "findings":
        out = []
        for f in b.findings:
            head, message, lines = finding_lines(f, b.about)
            out.append(_para(_run(head + _(": "), bold=True) + _run(message), styles["li"]))
            out += [_para(_run(k, bold=True) + _run(v)) for k, v in lines]
        return "".join(out)
    weights = column_weights(b)
    grid = "".join(f'<w:gridCol w:w="{TEXT_WIDTH * w // sum(weights)}"/>' for w in weights)
    rows = _docx_row([Cell(h) for h in b.header], header=True) + "".join(_docx_row(r) for r in b.rows)
    return (f'<w:tbl><w:tblPr><w:tblStyle w:val="{styles["table"]}"/><w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/>'
            f'<w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{rows}</w:tbl>' + _para(""))


def _style_fonts(style: Any, font: str, size: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.name = font
    style.font.color.rgb = RGBColor(0, 0, 0)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attr), font)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(attr), None)


def _page_numbers(section: Any) -> None:
    """The footer's page number: ``— N —`` centred, 4号 宋体 (GB/T 9704's form of the number)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    size = round(SIZES_PT["footer"] * 2)
    rpr = f'<w:rPr><w:rFonts w:ascii="宋体" w:hAnsi="宋体" w:eastAsia="宋体"/><w:sz w:val="{size}"/></w:rPr>'
    for xml in (f'<w:r {nsdecls("w")}>{rpr}<w:t xml:space="preserve">— </w:t></w:r>',
                f'<w:r {nsdecls("w")}>{rpr}<w:fldChar w:fldCharType="begin"/></w:r>',
                f'<w:r {nsdecls("w")}>{rpr}<w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
                f'<w:r {nsdecls("w")}>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>',
                f'<w:r {nsdecls("w")}>{rpr}<w:t>1</w:t></w:r>',
                f'<w:r {nsdecls("w")}>{rpr}<w:fldChar w:fldCharType="end"/></w:r>',
                f'<w:r {nsdecls("w")}>{rpr}<w:t xml:space="preserve"> —</w:t></w:r>'):
        p._p.append(parse_xml(xml))


def render_docx(blocks: list[Block], path: Path) -> None:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import Mm

    d = docx.Document()
    section = d.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGIN_MM["top"]), Mm(MARGIN_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGIN_MM["left"]), Mm(MARGIN_MM["right"])
    section.footer_distance = Mm(20)
    _style_fonts(d.styles["Normal"], FONTS["body"], SIZES_PT["body"])
    _style_fonts(d.styles["Title"], FONTS["title"], SIZES_PT["title"], bold=True)
    d.styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for name, key in (("Heading 1", "h2"), ("Heading 2", "h3"), ("Heading 3", "h4")):
        _style_fonts(d.styles[name], FONTS["heading"], SIZES_PT[key])
    _page_numbers(section)
    d.core_properties.title = blocks[0].text if blocks else _("Audit memo")
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
    """Write the memo to ``target`` (``.docx``, ``.pdf`` or ``.html``), atomically."""
    target = Path(target)
    suffix = target.suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(_("{path}: unknown memo format (use .docx, .pdf or .html)").format(path=target))
    blocks = memo_blocks(audit, load, failures)
    with atomic_path(target) as tmp:
        if suffix == ".docx":
            render_docx(blocks, tmp)
        elif suffix == ".pdf":
            from govreport.output.memo_pdf import render_pdf

            render_pdf(blocks, tmp)
        else:
            tmp.write_text(render_html(blocks), encoding="utf-8")
    return target
