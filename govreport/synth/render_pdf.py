"""Page layout of a printed report, and a born-digital PDF of it with a real text layer.

The layout is computed once in PDF points (A4, top-left origin, y down) and drawn both by
:func:`render_pdf` (reportlab, embedded CJK TrueType font) and by
:mod:`govreport.synth.render_image` (Pillow), so a value cell's box is known on every page. Fonts
are found by :mod:`govreport.synth.fonts`, the seal drawn by :mod:`govreport.synth.seal`.
Tables are ruled like Word/WPS output, long labels wrap, merged cells span rows and columns,
and a table that does not fit is split across pages between rows.

>>> from govreport.synth.truth import random_truth
>>> from govreport.synth.printed import printed_document
>>> pages = layout_document(printed_document(random_truth("gov2021", seed=3)))
>>> 3 <= len(pages) <= 8 and all(p.width == A4[0] for p in pages)
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from govreport.synth.fonts import FONT_NAME, cjk_font, text_width
from govreport.synth.printed import Paragraph, PrintedDocument, PrintedTable
from govreport.types import BBox, CellRef

A4 = (595.28, 841.89)

@cache
def _ascent() -> float:
    from reportlab.pdfbase import pdfmetrics

    cjk_font()
    face = pdfmetrics.getFont(FONT_NAME).face
    return float(face.ascent) / 1000.0 if face.ascent else 0.85


_CHUNK = re.compile(r"[0-9A-Za-z.,%+\-]+|.", re.S)
_NO_LINE_START = set("，。、；：？！）》」』”’%,.;:)")


def wrap(text: str, width: float, size: float) -> list[str]:
    """Greedy line breaking: CJK anywhere, Latin/digit runs kept whole, no line opens on ，。"""
    lines: list[str] = []
    cur = ""
    for chunk in _CHUNK.findall(text):
        if chunk == "\n":
            lines.append(cur)
            cur = ""
            continue
        if cur and text_width(cur + chunk, size) > width and chunk[0] not in _NO_LINE_START:
            lines.append(cur)
            cur = chunk
        else:
            cur += chunk
    if cur or not lines:
        lines.append(cur)
    return lines


# -- the page model ------------------------------------------------------------------------------
@dataclass(slots=True)
class Text:
    x: float  #: left edge
    baseline: float
    text: str
    size: float


@dataclass(slots=True)
class Rule:
    x0: float
    y0: float
    x1: float
    y1: float
    width: float = 0.6


@dataclass
class PageLayout:
    number: int  #: 1-based
    width: float = A4[0]
    height: float = A4[1]
    texts: list[Text] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    cells: dict[CellRef, BBox] = field(default_factory=dict)  #: value cell boxes (points, top-left origin)
    tables: list[tuple[str, BBox]] = field(default_factory=list)  #: table fragments on this page
    seal_center: tuple[float, float] | None = None  #: where the issuing agency's seal goes


@dataclass(frozen=True)
class Style:
    margin_top: float = 100.0  # 3.5 cm, as in GB/T 9704 documents
    margin_bottom: float = 80.0
    margin_left: float = 79.0
    margin_right: float = 74.0
    title_size: float = 20.0
    heading_size: float = 15.0
    body_size: float = 14.0
    body_leading: float = 1.55
    table_size: float = 9.5
    table_leading: float = 1.3
    cell_pad_x: float = 2.5
    cell_pad_y: float = 3.0
    row_min: float = 19.0
    rule_width: float = 0.6

    @property
    def content_width(self) -> float:
        return A4[0] - self.margin_left - self.margin_right

    @property
    def bottom(self) -> float:
        return A4[1] - self.margin_bottom


def column_weights(table: PrintedTable) -> list[float]:
    """Relative column widths like the national template's Word tables."""
    n = table.ncols
    if table.table_id == "applications":
        return [0.9, 1.35, 2.75] + [1.0] * (n - 3)
    if table.table_id == "appeals":
        return [1.0] * n
    return [2.0] + [1.3] * (n - 1) if n > 2 else [1.0, 1.0]


class _Flow:
    """Places blocks top to bottom, opening pages as needed."""

    def __init__(self, style: Style) -> None:
        self.style = style
        self.pages: list[PageLayout] = []
        self.y = 0.0
        self.new_page()

    @property
    def page(self) -> PageLayout:
        return self.pages[-1]

    def new_page(self) -> None:
        self.pages.append(PageLayout(len(self.pages) + 1))
        self.y = self.style.margin_top

    def ensure(self, h: float) -> None:
        if self.y + h > self.style.bottom and self.y > self.style.margin_top + 1:
            self.new_page()

    def line(self, text: str, size: float, leading: float, x: float | None = None,
             align: str = "left") -> None:
        st = self.style
        self.ensure(leading)
        w = text_width(text, size)
        if align == "center":
            x = st.margin_left + (st.content_width - w) / 2
        elif align == "right":
            x = st.margin_left + st.content_width - w - (x or 0.0)
        elif x is None:
            x = st.margin_left
        base = self.y + (leading - size) / 2 + _ascent() * size
        self.page.texts.append(Text(x, base, text, size))
        self.y += leading

    def paragraph(self, p: Paragraph, first: bool) -> None:
        st = self.style
        if first:
            self.y += 10
            for ln in wrap(p.text, st.content_width * 0.9, st.title_size):
                self.line(ln, st.title_size, st.title_size * 1.6, align="center")
            self.y += 12
            return
        size = st.heading_size if p.heading else st.body_size
        lead = size * st.body_leading
        indent = 2 * st.body_size
        if p.heading:
            self.y += 4
        lines = wrap(p.text, st.content_width - indent, size)
        if len(lines) > 1:  # the continuation lines use the full width
            rest = wrap(p.text[len(lines[0]):], st.content_width, size)
            lines = [lines[0], *rest]
        for i, ln in enumerate(lines):
            self.line(ln, size, lead, x=st.margin_left + (indent if i == 0 else 0))
        if p.heading:
            self.y += 2

    def table(self, t: PrintedTable, split_at: int | None = None) -> None:
        """Lay out a ruled table; ``split_at`` forces a page break before that row if the table
        would otherwise fit on one page.

        One pass, row by row (measure, break the page if needed, draw the rules and the text):
        its steps share the column grid and the running page position, so it stays one function."""
        st = self.style
        n = t.ncols
        weights = column_weights(t)
        unit = st.content_width / sum(weights)
        xs = [st.margin_left]
        for w in weights:
            xs.append(xs[-1] + w * unit)
        grid = t.grid()
        lead = st.table_size * st.table_leading
        # lines of every cell, and the row heights they need
        origin: list[tuple[int, int, list[str]]] = []
        heights = [st.row_min] * len(grid)
        spans: list[tuple[int, int, float]] = []
        for r, row in enumerate(grid):
            for c in range(n):
                cell = row[c]
                if cell is None:
                    continue
                cw = xs[min(c + cell.colspan, n)] - xs[c] - 2 * st.cell_pad_x
                lines = wrap(cell.text, cw, st.table_size) if cell.text else []
                origin.append((r, c, lines))
                need = max(1, len(lines)) * lead + 2 * st.cell_pad_y
                if cell.rowspan == 1:
                    heights[r] = max(heights[r], need)
                else:
                    spans.append((r, cell.rowspan, need))
        for r, rs, need in spans:
            have = sum(heights[r:r + rs])
            if have < need:
                heights[r + rs - 1] += need - have
        # place rows: (page index, top)
        self.y += 4
        place: list[tuple[int, float]] = []
        n_head = 0  # header rows stay on one page with the first body row
        while n_head < len(grid) and all(c is None or c.header for c in grid[n_head]):
            n_head += 1
        for r, h in enumerate(heights):
            first_page = len(self.pages)
            self.ensure(sum(heights[:n_head + 1]) if r == 0 and n_head else h if r >= n_head else 0)
            if r == split_at and place and place[0][0] == len(self.pages) - 1 == first_page - 1:
                self.new_page()  # forced: the table straddles a page break here
            place.append((len(self.pages) - 1, self.y))
            self.y += h
        self.y += 8
        frag_box: dict[int, list[float]] = {}
        for r, c, lines in origin:
            cell = grid[r][c]
            assert cell is not None
            x0, x1 = xs[c], xs[min(c + cell.colspan, n)]
            rows = range(r, min(r + cell.rowspan, len(grid)))
            frags: dict[int, tuple[float, float]] = {}
            for rr in rows:
                pi, top = place[rr]
                lo, _hi = frags.get(pi, (top, top))
                frags[pi] = (min(lo, top), top + heights[rr])
            for k, (pi, (y0, y1)) in enumerate(sorted(frags.items())):
                page = self.pages[pi]
                w = st.rule_width
                page.rules += [Rule(x0, y0, x1, y0, w), Rule(x0, y1, x1, y1, w),
                               Rule(x0, y0, x0, y1, w), Rule(x1, y0, x1, y1, w)]
                box = frag_box.setdefault(pi, [x0, y0, x1, y1])
                box[:] = [min(box[0], x0), min(box[1], y0), max(box[2], x1), max(box[3], y1)]
                if k:
                    continue  # a merged cell split by a page break prints its text once
                if cell.key is not None:
                    page.cells[cell.key] = (x0, y0, x1, y1)
                top = y0 + (y1 - y0 - len(lines) * lead) / 2
                for i, ln in enumerate(lines):
                    lw = text_width(ln, st.table_size)
                    base = top + i * lead + (lead - st.table_size) / 2 + _ascent() * st.table_size
                    page.texts.append(Text(x0 + (x1 - x0 - lw) / 2, base, ln, st.table_size))
        for pi, box in frag_box.items():
            self.pages[pi].tables.append((t.table_id, (box[0], box[1], box[2], box[3])))


def layout_document(doc: PrintedDocument, style: Style | None = None,
                    splits: dict[str, int] | None = None) -> list[PageLayout]:
    """Lay the printed document out on A4 pages (points, top-left origin).

    ``splits`` maps a table ID to a row index before which that table breaks onto the next page
    (when it would not break by itself), so a split table can be had on demand.
    """
    splits = splits or {}
    st = style or Style()
    flow = _Flow(st)
    for i, block in enumerate(doc.blocks):
        if isinstance(block, PrintedTable):
            flow.table(block, splits.get(block.table_id))
        else:
            flow.paragraph(block, first=i == 0)
    # signature block: issuing agency and date, where the seal is stamped
    flow.y += 30
    flow.ensure(3 * st.body_size * st.body_leading)
    sig_x = 2 * st.body_size
    top = flow.y
    flow.line(doc.truth.agency, st.body_size, st.body_size * st.body_leading, x=sig_x, align="right")
    date = doc.signed or f"{doc.truth.year + 1}年1月{15 + doc.truth.year % 10}日"
    flow.line(date, st.body_size, st.body_size * st.body_leading, x=sig_x + 14, align="right")
    w = text_width(doc.truth.agency, st.body_size)
    flow.page.seal_center = (st.margin_left + st.content_width - sig_x - w / 2, (top + flow.y) / 2)
    for page in flow.pages:  # page numbers, as in printed official documents
        label = f"— {page.number} —"
        x = (page.width - text_width(label, 12)) / 2
        page.texts.append(Text(x, page.height - 45, label, 12))
    return flow.pages


def render_pdf(doc: PrintedDocument, path: str | Path, pages: list[PageLayout] | None = None,
               seal: bool = True) -> list[PageLayout]:
    """Write a born-digital PDF (embedded CJK font, real text layer); returns its page layouts."""
    from reportlab.lib.colors import black
    from reportlab.pdfgen import canvas

    pages = pages if pages is not None else layout_document(doc)
    cjk_font()
    c = canvas.Canvas(str(path), pagesize=A4, pageCompression=1, invariant=1)
    c.setTitle(f"{doc.truth.agency}{doc.truth.year}年政府信息公开工作年度报告")
    c.setAuthor(doc.truth.agency)
    c.setCreator("govreport.synth")
    for page in pages:
        h = page.height
        c.setStrokeColor(black)
        for rule in page.rules:
            c.setLineWidth(rule.width)
            c.line(rule.x0, h - rule.y0, rule.x1, h - rule.y1)
        for t in page.texts:
            c.setFont(FONT_NAME, t.size)
            c.drawString(t.x, h - t.baseline, t.text)
        if seal and page.seal_center is not None:
            from reportlab.lib.utils import ImageReader

            from govreport.synth.seal import seal_image

            diam = 120.0
            img = seal_image(doc.truth.agency, px=480)
            cx, cy = page.seal_center
            c.drawImage(ImageReader(img), cx - diam / 2, h - cy - diam / 2, diam, diam, mask="auto")
        c.showPage()
    c.save()
    return pages
