"""A report as a Word file: A4, 仿宋 body, the template's tables with real merged cells.

>>> import tempfile, docx
>>> from govreport.synth.truth import random_truth
>>> from govreport.synth.printed import printed_document
>>> p = render_docx(printed_document(random_truth("gov2019", seed=2)), tempfile.mktemp(suffix=".docx"))
>>> len(docx.Document(str(p)).tables)
7
"""

from __future__ import annotations

from pathlib import Path

from govreport.synth.printed import PrintedDocument, PrintedTable
from govreport.synth.render_pdf import column_weights

BODY_FONT = "仿宋_GB2312"
HEAD_FONT = "黑体"


def _font(run, name: str, size: float, bold: bool = False) -> None:  # type: ignore[no-untyped-def]
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.size = Pt(size)
    run.font.name = name
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def _table(document, t: PrintedTable, width_cm: float) -> None:  # type: ignore[no-untyped-def]
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    grid = t.grid()
    n = t.ncols
    table = document.add_table(rows=len(grid), cols=n)
    table.style = "Table Grid"
    table.autofit = False
    weights = column_weights(t)
    widths = [Cm(width_cm * w / sum(weights)) for w in weights]
    cells = [list(row.cells) for row in table.rows]  # once: Table.cell() walks the whole table every call
    for row in cells:
        for c, cell in enumerate(row):
            cell.width = widths[c]
    merges = []
    for r, row in enumerate(grid):
        for c, pc in enumerate(row):
            if pc is None:
                continue
            cell = cells[r][c]
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            para = cell.paragraphs[0]
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            if pc.text:
                _font(para.add_run(pc.text), BODY_FONT, 10.5)
            if pc.rowspan > 1 or pc.colspan > 1:
                merges.append((cell, cells[min(r + pc.rowspan, len(grid)) - 1][min(c + pc.colspan, n) - 1]))
    for top_left, bottom_right in merges:  # merged last, so no cell is looked up in a changed grid
        top_left.merge(bottom_right)


def render_docx(doc: PrintedDocument, path: str | Path) -> Path:
    """Write the report as ``.docx`` (python-docx)."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    path = Path(path)
    d = docx.Document()
    sec = d.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.top_margin, sec.bottom_margin = Cm(3.7), Cm(3.5)
    sec.left_margin, sec.right_margin = Cm(2.8), Cm(2.6)
    width_cm = 21.0 - 2.8 - 2.6
    d.core_properties.author = doc.truth.agency
    d.core_properties.title = f"{doc.truth.agency}{doc.truth.year}年政府信息公开工作年度报告"
    for i, block in enumerate(doc.blocks):
        if isinstance(block, PrintedTable):
            _table(d, block, width_cm)
            continue
        p = d.add_paragraph()
        p.paragraph_format.line_spacing = Pt(28)
        if i == 0:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(p.add_run(block.text), "方正小标宋简体", 22)
        elif block.heading:
            p.paragraph_format.first_line_indent = Pt(32)
            _font(p.add_run(block.text), HEAD_FONT, 16)
        else:
            p.paragraph_format.first_line_indent = Pt(32)
            _font(p.add_run(block.text), BODY_FONT, 16)
    for text in (doc.truth.agency, doc.signed or f"{doc.truth.year + 1}年1月20日"):
        p = d.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _font(p.add_run(text), BODY_FONT, 16)
    d.save(str(path))
    return path
